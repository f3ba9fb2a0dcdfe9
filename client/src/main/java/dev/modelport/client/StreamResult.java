package dev.modelport.client;

import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import io.grpc.Status;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of one streamed request: its answer, or the status it failed with.
 *
 * @param request the request as sent (with its request_id)
 * @param response the answer, or null when {@code status} is not OK
 * @param status OK, or why this item failed
 */
public record StreamResult(
    PredictRequest request, @Nullable PredictResponse response, Status status) {
  public boolean ok() {
    return status.isOk();
  }
}
