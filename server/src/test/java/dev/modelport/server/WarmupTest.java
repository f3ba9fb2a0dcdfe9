package dev.modelport.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelport.v1.DataType;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The warm-up's synthetic requests, built from a signature (WarmupIT runs them for real). */
class WarmupTest {
  @Test
  void theSyntheticRequest_followsTheSignature() throws Exception {
    var sig =
        new dev.modelport.server.tensor.Signature(
            List.of(
                spec("x", DataType.DATA_TYPE_FLOAT32, -1, 3),
                spec("t", DataType.DATA_TYPE_STRING, 2)),
            List.of(spec("y", DataType.DATA_TYPE_FLOAT32, 1)),
            8);
    PredictRequest r = Warmup.request("m", sig);
    assertThat(r.getModelName()).isEqualTo("m");
    Tensor x = r.getInputs(0);
    assertThat(x.getShapeList()).containsExactly(1L, 1L, 3L);
    assertThat(x.getRaw().size()).isEqualTo(12);
    Tensor t = r.getInputs(1);
    assertThat(t.getShapeList()).containsExactly(1L, 2L);
    assertThat(t.getStringValCount()).isEqualTo(2);
    var unbatched =
        new dev.modelport.server.tensor.Signature(
            List.of(spec("x", DataType.DATA_TYPE_INT64, 4)), List.of(), 0);
    assertThat(Warmup.request("m", unbatched).getInputs(0).getShapeList()).containsExactly(4L);
    assertThat(Warmup.request("m", unbatched).getInputs(0).getRaw().size()).isEqualTo(32);
    // the same request over OIP: every input raw; strings with their little-endian lengths
    var infer = Warmup.infer(r);
    assertThat(infer.getInputs(0).getDatatype()).isEqualTo("FP32");
    assertThat(infer.getInputs(0).getShapeList()).containsExactly(1L, 1L, 3L);
    assertThat(infer.getRawInputContents(0).size()).isEqualTo(12);
    assertThat(infer.getInputs(1).getDatatype()).isEqualTo("BYTES");
    byte[] text = infer.getRawInputContents(1).toByteArray();
    int n = t.getStringVal(0).length();
    assertThat(text).hasSize(2 * (4 + n));
    assertThat(ByteBuffer.wrap(text).order(ByteOrder.LITTLE_ENDIAN).getInt(4 + n)).isEqualTo(n);
  }

  private static dev.modelport.v1.TensorSpec spec(String name, DataType t, long... shape) {
    var b = dev.modelport.v1.TensorSpec.newBuilder().setName(name).setDtype(t);
    for (long d : shape) {
      b.addShape(d);
    }
    return b.build();
  }
}
