package dev.modelport.server.grpc;

import dev.modelport.server.batching.Batcher;
import dev.modelport.server.errors.ModelportException;
import dev.modelport.server.registry.ModelRegistry;
import dev.modelport.server.runtime.InferenceRequest;
import dev.modelport.server.runtime.ServedVersion;
import dev.modelport.server.tensor.HostTensor;
import dev.modelport.server.tensor.RequestValidator;
import dev.modelport.server.tensor.Signature;
import dev.modelport.server.tensor.TensorEncoder;
import dev.modelport.server.tensor.ValidatedRequest;
import dev.modelport.server.tracing.Tracing;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import io.grpc.Context;
import io.grpc.Deadline;
import java.util.List;
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
  private final Tracing tracing;
  private final boolean counted;

  Dispatcher(ModelRegistry registry, Tracing tracing) {
    this(registry, tracing, true);
  }

  /** {@code counted} false: the server's warm-up, whose batches stay out of the metrics. */
  Dispatcher(ModelRegistry registry, Tracing tracing, boolean counted) {
    this.registry = registry;
    this.tracing = tracing;
    this.counted = counted;
  }

  /** Receives a request's answer, or the error it failed with (exactly one is non-null). */
  @FunctionalInterface
  interface Answer {
    void answer(PredictResponse response, Throwable error);
  }

  /**
   * A request to run: what it names, and the modelport.v1 request it is for the version resolved
   * (an OIP request needs the version's signature to tell text from bytes). Each method may throw,
   * as a refusal.
   */
  interface Source {
    /** Checks the request as received (strict parsing), before anything is resolved. */
    void check();

    String model();

    String version();

    /** The modelport.v1 request for a version with {@code signature}. */
    PredictRequest request(Signature signature);

    /** A modelport.v1 request as it came. */
    static Source of(PredictRequest req) {
      return new Source() {
        @Override
        public void check() {
          StrictRequestParsing.check(req);
        }

        @Override
        public String model() {
          return req.getModelName();
        }

        @Override
        public String version() {
          return req.getModelVersion();
        }

        @Override
        public PredictRequest request(Signature signature) {
          return req;
        }
      };
    }
  }

  /** {@link #dispatch(Source, Answer)} of a modelport.v1 request. */
  void dispatch(PredictRequest req, Answer answer) {
    dispatch(Source.of(req), answer);
  }

  /**
   * Runs the request {@code source} makes under the current gRPC context's deadline and
   * cancellation; {@code answer} gets the outcome (on the worker that ran the batch, or here for a
   * request refused before the queue, including one {@code source} could not make). The version is
   * resolved once per attempt, and only here. Per request: one future and one completion, no
   * intermediate futures.
   */
  void dispatch(Source source, Answer answer) {
    io.opentelemetry.context.Context traced = tracing.recordingContext(); // null: not traced
    Queued queued;
    try {
      queued = enqueue(source, traced);
    } catch (Throwable t) {
      if (traced != null) {
        Tracing.rejected(traced, StatusMapping.toStatus(t));
      }
      answer.answer(null, t);
      return;
    }
    queued
        .item()
        .result()
        .whenComplete((outputs, error) -> complete(queued, outputs, error, answer));
  }

  /** A request in a version's queue, with what its answer is built from. */
  private record Queued(
      PredictRequest req, ServedVersion version, ValidatedRequest valid, InferenceRequest item) {}

  /**
   * Resolves, validates and queues the request; a version closed between resolve and submit is
   * resolved again, at most {@link #MAX_ATTEMPTS} times. Throws what refuses the request.
   */
  private Queued enqueue(Source source, io.opentelemetry.context.Context traced) {
    source.check();
    Context ctx = Context.current();
    long deadlineNanos = deadlineNanos(ctx.getDeadline());
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      ServedVersion version = registry.resolve(source.model(), source.version());
      PredictRequest req = source.request(version.signature());
      ValidatedRequest valid = RequestValidator.validate(req, version.signature());
      version.translator().checkParameters(valid.parameters());
      InferenceRequest item =
          new InferenceRequest(
              valid,
              deadlineNanos,
              ctx::isCancelled,
              tracing.request(traced, req.getModelName(), version.versionName()),
              counted);
      Batcher.Offer offer = version.submit(item);
      if (offer == Batcher.Offer.QUEUED) {
        return new Queued(req, version, valid, item);
      }
      if (offer == Batcher.Offer.FULL) {
        throw version.queueFull();
      }
      // CLOSED: the version was replaced between resolve and submit; resolve again
    }
    throw ModelportException.unavailable(
        "model \"" + source.model() + "\" is being reloaded; retry");
  }

  private static long deadlineNanos(Deadline deadline) {
    return deadline == null
        ? InferenceRequest.NO_DEADLINE
        : System.nanoTime() + deadline.timeRemaining(TimeUnit.NANOSECONDS);
  }

  /** Answers a queued request once its batch ran: the response, or the first failure. */
  private static void complete(
      Queued queued, List<HostTensor> outputs, Throwable error, Answer answer) {
    if (error != null) {
      answer.answer(null, error);
      return;
    }
    PredictResponse response;
    try {
      response = respond(queued.req(), queued.version(), queued.valid(), outputs);
    } catch (RuntimeException e) {
      answer.answer(null, e);
      return;
    }
    answer.answer(response, null);
  }

  private static PredictResponse respond(
      PredictRequest req, ServedVersion version, ValidatedRequest valid, List<HostTensor> outputs) {
    PredictResponse.Builder b =
        PredictResponse.newBuilder()
            .setModelName(req.getModelName())
            .setModelVersion(version.versionName())
            .setRequestId(req.getRequestId());
    for (int i = 0; i < outputs.size(); i++) {
      b.addOutputs(TensorEncoder.encode(outputs.get(i), valid.rawOutput()));
    }
    return b.build();
  }
}
