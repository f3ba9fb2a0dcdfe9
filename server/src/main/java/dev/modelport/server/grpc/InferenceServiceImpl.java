package dev.modelport.server.grpc;

import dev.modelport.server.admission.Permit;
import dev.modelport.server.metrics.ServerMetrics;
import dev.modelport.server.registry.ModelRegistry;
import dev.modelport.server.tracing.Tracing;
import dev.modelport.v1.InferenceServiceGrpc;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.context.Scope;

/** {@code modelport.v1.InferenceService}: Predict and PredictStream. */
public final class InferenceServiceImpl extends InferenceServiceGrpc.InferenceServiceImplBase {
  /** The span of one PredictStream item (child of the stream's server span). */
  static final String ITEM_SPAN = "modelport.v1.InferenceService/PredictStream item";

  /** Requests one PredictStream may have in flight (read but not yet answered). */
  static final int STREAM_WINDOW = 256;

  private final Dispatcher dispatcher;
  private final ServerMetrics metrics;
  private final Tracing tracing;

  public InferenceServiceImpl(ModelRegistry registry, ServerMetrics metrics) {
    this(registry, metrics, Tracing.OFF);
  }

  public InferenceServiceImpl(ModelRegistry registry, ServerMetrics metrics, Tracing tracing) {
    this(registry, metrics, tracing, true);
  }

  private InferenceServiceImpl(
      ModelRegistry registry, ServerMetrics metrics, Tracing tracing, boolean counted) {
    this.dispatcher = new Dispatcher(registry, tracing, counted);
    this.metrics = metrics; // null for the warm-up
    this.tracing = tracing;
  }

  /**
   * The service the server's warm-up calls (see {@code Warmup}): the same request path, but no
   * request, batch or statistics metrics and no spans.
   */
  public static InferenceServiceImpl uncounted(ModelRegistry registry) {
    return new InferenceServiceImpl(registry, null, Tracing.OFF, false);
  }

  @Override
  public void predict(PredictRequest request, StreamObserver<PredictResponse> out) {
    long start = System.nanoTime();
    // A caller that goes away is noticed by the batcher (the request is dropped); answering it
    // afterwards must be a quiet no-op, not an exception on the worker thread.
    ((ServerCallStreamObserver<PredictResponse>) out).setOnCancelHandler(() -> {});
    dispatcher.dispatch(
        request,
        (response, error) -> {
          if (error != null) {
            Status s = StatusMapping.answer(error);
            record(request, "", s, start);
            out.onError(s.asRuntimeException());
          } else {
            // Recorded before answering, so a scrape after the answer always counts it.
            record(request, response.getModelVersion(), Status.OK, start);
            out.onNext(response);
            out.onCompleted();
          }
        });
  }

  private void record(PredictRequest request, String version, Status status, long start) {
    if (metrics == null) {
      return; // warm-up
    }
    metrics.recordRequest(
        request.getModelName(), version, status.getCode().name(), System.nanoTime() - start);
  }

  @Override
  public StreamObserver<PredictRequest> predictStream(StreamObserver<PredictResponse> out) {
    StreamResponder<PredictResponse> responder =
        new StreamResponder<>((ServerCallStreamObserver<PredictResponse>) out, STREAM_WINDOW);
    return new StreamObserver<>() {
      @Override
      public void onNext(PredictRequest request) {
        // Runs inside the message's delivery, on the thread that decoded it: the item's memory
        // charge is handed over here and returned once the item is answered, whatever the answer.
        Permit permit = AdmissionParsing.takePermit();
        long start = System.nanoTime();
        responder.accepted();
        Tracing.Item span =
            tracing.streamItem(ITEM_SPAN, request.getModelName(), request.getRequestId());
        try (Scope s = span.enter()) {
          dispatcher.dispatch(
              request,
              (response, error) -> {
                try {
                  answer(request, response, error, start, span);
                } finally {
                  permit.close();
                }
              });
        }
      }

      private void answer(
          PredictRequest request,
          PredictResponse response,
          Throwable error,
          long start,
          Tracing.Item span) {
        if (error == null) {
          record(request, response.getModelVersion(), Status.OK, start);
          span.end(Status.OK, response.getModelVersion());
          responder.answer(response);
        } else {
          PredictResponse failed = failed(request, error);
          Status status =
              Status.fromCodeValue(failed.getError().getCode())
                  .withDescription(failed.getError().getMessage());
          record(request, "", status, start);
          span.end(status, "");
          responder.answer(failed);
        }
      }

      @Override
      public void onError(Throwable t) {
        responder.abandon(); // the client went away; queued items are dropped as cancelled
      }

      @Override
      public void onCompleted() {
        responder.halfClose();
      }
    };
  }

  /** A failed stream item: the request's identity and the error; the stream goes on. */
  private static PredictResponse failed(PredictRequest request, Throwable error) {
    return PredictResponse.newBuilder()
        .setModelName(request.getModelName())
        .setModelVersion(request.getModelVersion())
        .setRequestId(request.getRequestId())
        .setError(StatusMapping.toRpcStatus(error))
        .build();
  }
}
