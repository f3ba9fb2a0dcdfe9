package dev.modelport.server.tensor;

import dev.modelport.v1.TensorSpec;
import java.util.List;
import java.util.Optional;

/**
 * What a served version accepts and returns, as callers see it: input and output specs without the
 * batch dimension when {@code maxBatchSize > 0}.
 *
 * @param inputs input specs, in the order the model takes them
 * @param outputs output specs, in the order the model returns them
 * @param maxBatchSize 0: no batch dimension; otherwise the most rows one request may carry
 */
public record Signature(List<TensorSpec> inputs, List<TensorSpec> outputs, int maxBatchSize) {
  public Signature {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  public boolean batches() {
    return maxBatchSize > 0;
  }

  public Optional<TensorSpec> input(String name) {
    return inputs.stream().filter(s -> s.getName().equals(name)).findFirst();
  }

  public Optional<TensorSpec> output(String name) {
    return outputs.stream().filter(s -> s.getName().equals(name)).findFirst();
  }

  public List<String> inputNames() {
    return inputs.stream().map(TensorSpec::getName).toList();
  }

  public List<String> outputNames() {
    return outputs.stream().map(TensorSpec::getName).toList();
  }
}
