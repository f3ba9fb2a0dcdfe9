package dev.modelport.server.tensor;

import java.util.List;
import java.util.Map;

/**
 * A request that fits its version's signature, ready to be queued.
 *
 * @param inputs one tensor per signature input, in signature order
 * @param rows the batch rows it carries (dimension 0), or 1 when the model does not batch
 * @param outputNames the outputs to return, in signature order; never empty
 * @param rawOutput whether outputs go in {@code raw}
 * @param parameters the request's translator parameters
 */
public record ValidatedRequest(
    List<HostTensor> inputs,
    int rows,
    List<String> outputNames,
    boolean rawOutput,
    Map<String, String> parameters) {
  public ValidatedRequest {
    inputs = List.copyOf(inputs);
    outputNames = List.copyOf(outputNames);
    parameters = Map.copyOf(parameters);
  }
}
