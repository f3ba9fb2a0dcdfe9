package dev.modelport.client;

import dev.modelport.v1.InferenceServiceGrpc;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import dev.modelport.v1.Tensor;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in server for client tests: doubles the FLOAT32 input "x" into output "y"; model "bad"
 * fails with INVALID_ARGUMENT; model "silent" never answers.
 */
final class FakeInferenceService extends InferenceServiceGrpc.InferenceServiceImplBase {
  final AtomicInteger received = new AtomicInteger();
  volatile PredictRequest last;
  volatile io.grpc.Deadline lastDeadline;

  /** Counts down when a "silent" call has reached the service. */
  final java.util.concurrent.CountDownLatch silentStarted =
      new java.util.concurrent.CountDownLatch(1);

  /** Counts down when the caller cancels a "silent" call. */
  final java.util.concurrent.CountDownLatch cancelled = new java.util.concurrent.CountDownLatch(1);

  /** Model "busy" answers RESOURCE_EXHAUSTED while this is above 0, counting it down. */
  final AtomicInteger busyAnswers = new AtomicInteger();

  static PredictResponse answer(PredictRequest r) {
    float[] x = Tensors.toFloats(r.getInputs(0));
    float[] y = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = 2 * x[i];
    }
    long[] shape = r.getInputs(0).getShapeList().stream().mapToLong(Long::longValue).toArray();
    Tensor out = Tensors.ofFloats("y", y, shape);
    return PredictResponse.newBuilder()
        .setModelName(r.getModelName())
        .setModelVersion("1")
        .setRequestId(r.getRequestId())
        .addOutputs(out)
        .build();
  }

  @Override
  public void predict(PredictRequest r, StreamObserver<PredictResponse> out) {
    received.incrementAndGet();
    last = r;
    lastDeadline = io.grpc.Context.current().getDeadline();
    switch (r.getModelName()) {
      case "busy" -> {
        if (busyAnswers.getAndDecrement() > 0) {
          out.onError(Status.RESOURCE_EXHAUSTED.withDescription("busy").asRuntimeException());
        } else {
          out.onNext(answer(r));
          out.onCompleted();
        }
      }
      case "bad" ->
          out.onError(
              Status.INVALID_ARGUMENT.withDescription("input \"x\": bad").asRuntimeException());
      case "silent" -> {
        ((io.grpc.stub.ServerCallStreamObserver<PredictResponse>) out)
            .setOnCancelHandler(cancelled::countDown);
        silentStarted.countDown();
      }
      default -> {
        out.onNext(answer(r));
        out.onCompleted();
      }
    }
  }

  @Override
  public StreamObserver<PredictRequest> predictStream(StreamObserver<PredictResponse> out) {
    return new StreamObserver<>() {
      boolean silent; // an item never answered: the stream stays open, as if still computing

      @Override
      public void onNext(PredictRequest r) {
        received.incrementAndGet();
        if (r.getModelName().equals("silent")) {
          silent = true;
          return;
        }
        synchronized (out) {
          if (r.getModelName().equals("bad")) {
            out.onNext(
                PredictResponse.newBuilder()
                    .setRequestId(r.getRequestId())
                    .setError(
                        com.google.rpc.Status.newBuilder()
                            .setCode(3)
                            .setMessage("input \"x\": bad"))
                    .build());
          } else {
            out.onNext(answer(r));
          }
        }
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        synchronized (out) {
          if (!silent) {
            out.onCompleted();
          }
        }
      }
    };
  }
}
