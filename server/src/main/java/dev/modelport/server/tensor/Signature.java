package dev.modelport.server.tensor;

import dev.modelport.v1.TensorSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a served version accepts and returns, as callers see it: input and output specs without the
 * batch dimension when {@code maxBatchSize > 0}. Immutable; the name lists and lookups are built
 * once, because every request consults them.
 */
public final class Signature {
  private final List<TensorSpec> inputs;
  private final List<TensorSpec> outputs;
  private final int maxBatchSize;
  private final List<String> inputNames;
  private final List<String> outputNames;
  private final Map<String, TensorSpec> inputByName = new HashMap<>();
  private final Map<String, Integer> inputIndex = new HashMap<>();
  private final Map<String, TensorSpec> outputByName = new HashMap<>();

  /**
   * @param inputs input specs, in the order the model takes them
   * @param outputs output specs, in the order the model returns them
   * @param maxBatchSize 0: no batch dimension; otherwise the most rows one request may carry
   */
  public Signature(List<TensorSpec> inputs, List<TensorSpec> outputs, int maxBatchSize) {
    this.inputs = List.copyOf(inputs);
    this.outputs = List.copyOf(outputs);
    this.maxBatchSize = maxBatchSize;
    this.inputNames = this.inputs.stream().map(TensorSpec::getName).toList();
    this.outputNames = this.outputs.stream().map(TensorSpec::getName).toList();
    this.inputs.forEach(s -> inputByName.putIfAbsent(s.getName(), s));
    for (int i = this.inputs.size() - 1; i >= 0; i--) {
      inputIndex.put(this.inputs.get(i).getName(), i);
    }
    this.outputs.forEach(s -> outputByName.putIfAbsent(s.getName(), s));
  }

  public List<TensorSpec> inputs() {
    return inputs;
  }

  public List<TensorSpec> outputs() {
    return outputs;
  }

  public int maxBatchSize() {
    return maxBatchSize;
  }

  public boolean batches() {
    return maxBatchSize > 0;
  }

  public Optional<TensorSpec> input(String name) {
    return Optional.ofNullable(inputByName.get(name));
  }

  public Optional<TensorSpec> output(String name) {
    return Optional.ofNullable(outputByName.get(name));
  }

  /** The position of input {@code name} in {@link #inputs()}, or -1. */
  public int inputIndex(String name) {
    Integer i = inputIndex.get(name);
    return i == null ? -1 : i;
  }

  public List<String> inputNames() {
    return inputNames;
  }

  public List<String> outputNames() {
    return outputNames;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Signature s
        && s.maxBatchSize == maxBatchSize
        && s.inputs.equals(inputs)
        && s.outputs.equals(outputs);
  }

  @Override
  public int hashCode() {
    return Objects.hash(inputs, outputs, maxBatchSize);
  }

  @Override
  public String toString() {
    return "Signature[inputs="
        + inputs
        + ", outputs="
        + outputs
        + ", maxBatchSize="
        + maxBatchSize
        + "]";
  }
}
