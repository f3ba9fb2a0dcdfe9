package dev.modelport.cli.perf;

import dev.modelport.client.Tensors;
import dev.modelport.v1.DataType;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import dev.modelport.v1.Tensor;
import dev.modelport.v1.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Requests generated from a model's signature: {@code rows} rows of plausible values per input
 * (floats in [0, 8), small integers, short English sentences), packed in {@code raw} where the
 * dtype allows.
 */
final class Workload {
  private static final String[] SENTENCES = {
    "A man is eating food.",
    "The girl is carrying a baby.",
    "A man is riding a horse on the beach at sunset.",
    "Two dogs are playing in the snow.",
    "The stock market closed higher today after a volatile session.",
    "Please reset my password, I cannot log in to my account.",
  };

  private Workload() {}

  static PredictRequest request(String model, List<TensorSpec> inputs, int rows, long seed) {
    Random rnd = new Random(seed);
    PredictRequest.Builder b = PredictRequest.newBuilder().setModelName(model);
    for (TensorSpec s : inputs) {
      b.addInputs(tensor(s, rows, rnd));
    }
    return b.build();
  }

  static Tensor tensor(TensorSpec s, int rows, Random rnd) {
    List<Long> shape = new ArrayList<>();
    shape.add((long) rows);
    s.getShapeList().forEach(d -> shape.add(d == -1 ? 8L : d));
    long[] dims = shape.stream().mapToLong(Long::longValue).toArray();
    int n = (int) shape.stream().mapToLong(Long::longValue).reduce(1, (a, c) -> a * c);
    switch (s.getDtype()) {
      case DATA_TYPE_FLOAT32 -> {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
          v[i] = rnd.nextFloat() * 8;
        }
        return Tensors.ofFloats(s.getName(), v, dims);
      }
      case DATA_TYPE_INT64 -> {
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
          v[i] = 1 + rnd.nextInt(100);
        }
        return Tensors.ofLongs(s.getName(), v, dims);
      }
      case DATA_TYPE_STRING -> {
        String[] v = new String[n];
        for (int i = 0; i < n; i++) {
          v[i] = SENTENCES[rnd.nextInt(SENTENCES.length)];
        }
        return Tensor.newBuilder(Tensors.ofStrings(s.getName(), v))
            .clearShape()
            .addAllShape(shape)
            .build();
      }
      default ->
          throw new IllegalArgumentException(
              "perf cannot generate " + s.getDtype() + " for input \"" + s.getName() + "\"");
    }
  }

  /** A response shaped like the model's (zeros), for the echo baseline. */
  static PredictResponse cannedResponse(String model, List<TensorSpec> outputs, int rows) {
    PredictResponse.Builder b =
        PredictResponse.newBuilder().setModelName(model).setModelVersion("1");
    Random rnd = new Random(1);
    for (TensorSpec s : outputs) {
      TensorSpec numeric =
          s.getDtype() == DataType.DATA_TYPE_FLOAT32
              ? s
              : s.toBuilder().setDtype(DataType.DATA_TYPE_FLOAT32).build();
      Tensor t = tensor(numeric, rows, rnd);
      // typed floats, as the server answers by default
      b.addOutputs(
          Tensor.newBuilder()
              .setName(t.getName())
              .setDtype(t.getDtype())
              .addAllShape(t.getShapeList())
              .addAllFloatVal(
                  java.util.stream.IntStream.range(0, Tensors.toFloats(t).length)
                      .mapToObj(i -> 0f)
                      .toList()));
    }
    return b.build();
  }
}
