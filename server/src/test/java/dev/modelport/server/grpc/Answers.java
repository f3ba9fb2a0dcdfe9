package dev.modelport.server.grpc;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A response observer that queues what a response stream sends (PredictStream, ModelStreamInfer):
 * each answer, then the error or the string "completed", for the test thread to poll in order.
 */
final class Answers<T> implements StreamObserver<T> {
  final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();

  @Override
  public void onNext(T r) {
    queue.add(r);
  }

  @Override
  public void onError(Throwable t) {
    queue.add(t);
  }

  @Override
  public void onCompleted() {
    queue.add("completed");
  }
}
