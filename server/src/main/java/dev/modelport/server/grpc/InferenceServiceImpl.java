package dev.modelport.server.grpc;

import dev.modelport.server.errors.StatusMapping;
import dev.modelport.v1.InferenceServiceGrpc;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/** {@code modelport.v1.InferenceService}: Predict and PredictStream. */
public final class InferenceServiceImpl extends InferenceServiceGrpc.InferenceServiceImplBase {
  /** Requests one PredictStream may have in flight (read but not yet answered). */
  static final int STREAM_WINDOW = 256;

  private final Dispatcher dispatcher;

  public InferenceServiceImpl(dev.modelport.server.registry.ModelRegistry registry) {
    this.dispatcher = new Dispatcher(registry);
  }

  @Override
  public void predict(PredictRequest request, StreamObserver<PredictResponse> out) {
    CompletableFuture<PredictResponse> result;
    try {
      result = dispatcher.dispatch(request);
    } catch (Throwable t) {
      out.onError(StatusMapping.toException(t));
      return;
    }
    result.whenComplete(
        (response, error) -> {
          if (error != null) {
            out.onError(StatusMapping.toException(error));
          } else {
            out.onNext(response);
            out.onCompleted();
          }
        });
  }

  @Override
  public StreamObserver<PredictRequest> predictStream(StreamObserver<PredictResponse> out) {
    StreamResponder responder =
        new StreamResponder((ServerCallStreamObserver<PredictResponse>) out, STREAM_WINDOW);
    return new StreamObserver<>() {
      @Override
      public void onNext(PredictRequest request) {
        responder.accepted();
        CompletableFuture<PredictResponse> result;
        try {
          result = dispatcher.dispatch(request);
        } catch (Throwable t) {
          responder.answer(failed(request, t));
          return;
        }
        result.whenComplete(
            (response, error) ->
                responder.answer(error == null ? response : failed(request, error)));
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
