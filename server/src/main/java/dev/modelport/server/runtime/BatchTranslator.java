package dev.modelport.server.runtime;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.modelport.server.tensor.HostTensor;
import dev.modelport.server.tensor.Signature;
import dev.modelport.server.tensor.ValidatedRequest;
import java.util.List;
import java.util.Map;

/**
 * Turns a batch of validated requests into the model's {@link NDList}, and the model's outputs back
 * into each request's tensors. One instance serves every worker of a version, so implementations
 * keep per-batch state in {@code scratch}, never in fields.
 */
public interface BatchTranslator extends AutoCloseable {
  /** What callers send and get back. */
  Signature signature();

  /** Rejects parameters this translator does not understand (INVALID_ARGUMENT). */
  void checkParameters(Map<String, String> parameters);

  /** A small valid request, run once on every instance before the version turns READY. */
  ValidatedRequest warmupRequest();

  /** Builds the model input for {@code batch} on {@code manager}, closed after the batch. */
  NDList toModelInput(NDManager manager, List<InferenceRequest> batch, Map<String, Object> scratch);

  /**
   * Splits the model's output back per request: element {@code i} holds request {@code i}'s
   * outputs, in the order of its {@code outputNames}. Copies everything it keeps to the heap:
   * {@code output} is freed when this returns.
   */
  List<List<HostTensor>> fromModelOutput(
      NDList output, List<InferenceRequest> batch, Map<String, Object> scratch);

  @Override
  default void close() {}
}
