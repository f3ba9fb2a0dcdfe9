package dev.modelport.server.grpc;

import dev.modelport.v1.PredictResponse;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A response observer that queues what a PredictStream sends: each answer, then the error or the
 * string "completed", for the test thread to poll in order.
 */
final class Answers implements StreamObserver<PredictResponse> {
  final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();

  @Override
  public void onNext(PredictResponse r) {
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
