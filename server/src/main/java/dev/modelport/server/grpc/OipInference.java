package dev.modelport.server.grpc;

import dev.modelport.oip.ModelInferRequest;
import dev.modelport.oip.ModelInferResponse;
import dev.modelport.oip.ModelStreamInferResponse;
import dev.modelport.server.admission.Permit;
import dev.modelport.server.metrics.ServerMetrics;
import dev.modelport.server.oip.OipCodec;
import dev.modelport.server.registry.ModelRegistry;
import dev.modelport.server.tensor.Signature;
import dev.modelport.server.tracing.Tracing;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.context.Scope;

/**
 * The inference half of {@code inference.GRPCInferenceService}: ModelInfer and ModelStreamInfer.
 * Each OIP request becomes a {@link Dispatcher.Source}: strict parsing first, then, once the
 * Dispatcher has resolved the version, the modelport.v1 request for its signature ({@link
 * OipCodec}; the signature tells text from bytes for OIP's one BYTES datatype). From there it is
 * Predict's path: the same registry, validation, batcher, deadlines, admission and metrics.
 */
final class OipInference {
  /** The span of one ModelStreamInfer item (child of the stream's server span). */
  static final String ITEM_SPAN = "inference.GRPCInferenceService/ModelStreamInfer item";

  private final ServerMetrics metrics;
  private final Dispatcher dispatcher;
  private final Tracing tracing;

  /** {@code metrics} null: the warm-up's uncounted calls. */
  OipInference(ModelRegistry registry, ServerMetrics metrics, Tracing tracing) {
    this.metrics = metrics;
    this.tracing = tracing;
    this.dispatcher = new Dispatcher(registry, tracing, metrics != null);
  }

  /** {@code request} as the Dispatcher runs it. */
  private static Dispatcher.Source source(ModelInferRequest request) {
    return new Dispatcher.Source() {
      @Override
      public void check() {
        StrictRequestParsing.check(request);
      }

      @Override
      public String model() {
        return request.getModelName();
      }

      @Override
      public String version() {
        return request.getModelVersion();
      }

      @Override
      public PredictRequest request(Signature signature) {
        return OipCodec.toPredict(request, signature.inputs());
      }
    };
  }

  void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
    long start = System.nanoTime();
    ((ServerCallStreamObserver<ModelInferResponse>) out).setOnCancelHandler(() -> {});
    dispatcher.dispatch(
        source(request),
        (response, error) -> {
          ModelInferResponse answer = null;
          if (error == null) {
            try {
              answer = OipCodec.toInfer(response, OipCodec.typedOutput(request));
            } catch (RuntimeException e) {
              error = e;
            }
          }
          if (error != null) {
            Status s = StatusMapping.answer(error);
            record(request.getModelName(), "", s, start);
            out.onError(s.asRuntimeException());
          } else {
            record(request.getModelName(), response.getModelVersion(), Status.OK, start);
            out.onNext(answer);
            out.onCompleted();
          }
        });
  }

  private void record(String model, String version, Status status, long start) {
    if (metrics == null) {
      return; // warm-up
    }
    metrics.recordRequest(model, version, status.getCode().name(), System.nanoTime() - start);
  }

  StreamObserver<ModelInferRequest> modelStreamInfer(StreamObserver<ModelStreamInferResponse> out) {
    return new Items(
        new StreamResponder<>(
            (ServerCallStreamObserver<ModelStreamInferResponse>) out,
            InferenceServiceImpl.STREAM_WINDOW));
  }

  /** One ModelStreamInfer call: each item dispatched as it arrives and answered in-band. */
  private final class Items implements StreamObserver<ModelInferRequest> {
    private final StreamResponder<ModelStreamInferResponse> responder;

    Items(StreamResponder<ModelStreamInferResponse> responder) {
      this.responder = responder;
    }

    @Override
    public void onNext(ModelInferRequest request) {
      Permit permit = AdmissionParsing.takePermit();
      long start = System.nanoTime();
      responder.accepted();
      Tracing.Item span = tracing.streamItem(ITEM_SPAN, request.getModelName(), request.getId());
      try (Scope scope = span.enter()) {
        dispatcher.dispatch(
            source(request),
            (response, error) -> {
              try {
                answered(request, response, error, start, span);
              } catch (RuntimeException e) {
                failed(request, e, start, span);
              } finally {
                permit.close();
              }
            });
      }
    }

    private void answered(
        ModelInferRequest request,
        PredictResponse response,
        Throwable error,
        long start,
        Tracing.Item span) {
      if (error != null) {
        failed(request, error, start, span);
        return;
      }
      ModelInferResponse answer = OipCodec.toInfer(response, OipCodec.typedOutput(request));
      record(request.getModelName(), response.getModelVersion(), Status.OK, start);
      span.end(Status.OK, response.getModelVersion());
      responder.answer(ModelStreamInferResponse.newBuilder().setInferResponse(answer).build());
    }

    /** A failed item: in-band error_message, the request's identity; the stream goes on. */
    private void failed(ModelInferRequest request, Throwable error, long start, Tracing.Item span) {
      Status s = StatusMapping.answer(error);
      record(request.getModelName(), "", s, start);
      span.end(s, "");
      responder.answer(
          ModelStreamInferResponse.newBuilder()
              .setErrorMessage(
                  s.getCode() + ": " + (s.getDescription() == null ? "" : s.getDescription()))
              .setInferResponse(
                  ModelInferResponse.newBuilder()
                      .setModelName(request.getModelName())
                      .setModelVersion(request.getModelVersion())
                      .setId(request.getId()))
              .build());
    }

    @Override
    public void onError(Throwable t) {
      responder.abandon();
    }

    @Override
    public void onCompleted() {
      responder.halfClose();
    }
  }
}
