package dev.modelport.server.grpc;

import dev.modelport.server.errors.ModelportException;
import dev.modelport.server.registry.ModelRegistry;
import dev.modelport.server.runtime.InferenceRequest;
import dev.modelport.server.runtime.ServedVersion;
import dev.modelport.server.tensor.HostTensor;
import dev.modelport.server.tensor.RequestValidator;
import dev.modelport.server.tensor.TensorEncoder;
import dev.modelport.server.tensor.ValidatedRequest;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import io.grpc.Context;
import io.grpc.Deadline;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The request path up to the queue, on the calling gRPC thread: resolve the model version, validate
 * against its signature, check translator parameters, enqueue. Nothing here allocates native
 * memory, so a bad request costs only this. Answers are encoded on the worker that ran the batch.
 */
final class Dispatcher {
  /** A version may be swapped out between resolve and enqueue; then resolve again. */
  private static final int MAX_ATTEMPTS = 3;

  private final ModelRegistry registry;

  Dispatcher(ModelRegistry registry) {
    this.registry = registry;
  }

  /** Runs {@code req} under the current gRPC context's deadline and cancellation. */
  CompletableFuture<PredictResponse> dispatch(PredictRequest req) {
    StrictRequestParsing.check(req);
    Context ctx = Context.current();
    Deadline deadline = ctx.getDeadline();
    long deadlineNanos =
        deadline == null
            ? InferenceRequest.NO_DEADLINE
            : System.nanoTime() + deadline.timeRemaining(TimeUnit.NANOSECONDS);
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      ServedVersion version = registry.resolve(req.getModelName(), req.getModelVersion());
      ValidatedRequest valid = RequestValidator.validate(req, version.signature());
      version.translator().checkParameters(valid.parameters());
      InferenceRequest item = new InferenceRequest(valid, deadlineNanos, ctx::isCancelled);
      if (version.trySubmit(item)) {
        return item.result().thenApply(outputs -> respond(req, version, valid, outputs));
      }
    }
    throw ModelportException.unavailable(
        "model \"" + req.getModelName() + "\" is being reloaded; retry");
  }

  private static PredictResponse respond(
      PredictRequest req, ServedVersion version, ValidatedRequest valid, List<HostTensor> outputs) {
    PredictResponse.Builder b =
        PredictResponse.newBuilder()
            .setModelName(req.getModelName())
            .setModelVersion(Long.toString(version.version()))
            .setRequestId(req.getRequestId());
    for (HostTensor t : outputs) {
      b.addOutputs(TensorEncoder.encode(t, valid.rawOutput()));
    }
    return b.build();
  }
}
