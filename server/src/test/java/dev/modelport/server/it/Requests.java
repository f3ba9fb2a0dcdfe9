package dev.modelport.server.it;

import dev.modelport.v1.DataType;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import dev.modelport.v1.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/** Builds requests and reads responses in tests. */
final class Requests {
  /** The first two rows of each class of the iris data set: classes 0,0,1,1,2,2. */
  static final float[][] CLASSIC_IRIS = {
    {5.1f, 3.5f, 1.4f, 0.2f}, {4.9f, 3.0f, 1.4f, 0.2f},
    {7.0f, 3.2f, 4.7f, 1.4f}, {6.4f, 3.2f, 4.5f, 1.5f},
    {6.3f, 3.3f, 6.0f, 2.5f}, {5.8f, 2.7f, 5.1f, 1.9f},
  };

  private Requests() {}

  static Tensor floats(String name, float[][] rows) {
    Tensor.Builder b =
        Tensor.newBuilder()
            .setName(name)
            .setDtype(DataType.DATA_TYPE_FLOAT32)
            .addShape(rows.length)
            .addShape(rows[0].length);
    for (float[] r : rows) {
      for (float f : r) {
        b.addFloatVal(f);
      }
    }
    return b.build();
  }

  static PredictRequest iris(String model, float[]... rows) {
    return PredictRequest.newBuilder()
        .setModelName(model)
        .addInputs(floats("features", rows))
        .build();
  }

  static PredictRequest texts(String... texts) {
    return PredictRequest.newBuilder()
        .setModelName("all-minilm-l6-v2")
        .addInputs(
            Tensor.newBuilder()
                .setName("text")
                .setDtype(DataType.DATA_TYPE_STRING)
                .addShape(texts.length)
                .addAllStringVal(List.of(texts)))
        .build();
  }

  /** Output {@code index}'s values as float rows, from float_val or raw. */
  static float[][] rows(PredictResponse r, int index) {
    Tensor t = r.getOutputs(index);
    int n = (int) t.getShape(0);
    int d = (int) t.getShape(1);
    float[][] out = new float[n][d];
    ByteBuffer raw = t.getRaw().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < d; k++) {
        out[i][k] = t.getRaw().isEmpty() ? t.getFloatVal(i * d + k) : raw.getFloat((i * d + k) * 4);
      }
    }
    return out;
  }

  static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }

  static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }

  static double norm(float[] a) {
    return Math.sqrt(dot(a, a));
  }
}
