package dev.modelport.server.grpc;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayDeque;

/**
 * The write side of one response stream (PredictStream, ModelStreamInfer). Answers arrive from many
 * worker threads and a {@code StreamObserver} is not thread-safe, so writes are serialised here;
 * they go out only while the transport is ready, and the rest wait for the on-ready callback.
 * Inbound flow is tied to outbound: the stream asks the client for one more request per answer
 * written, so at most {@code window} requests are in flight or buffered per stream, whatever the
 * client sends.
 */
final class StreamResponder<T> {
  private final ServerCallStreamObserver<T> out;
  // Serialises onNext/onCompleted on the observer: the lock exists to make those calls one at a
  // time, so they are made while holding it (they do not call back into this class).
  private final Object lock = new Object();

  @GuardedBy("lock")
  private final ArrayDeque<T> pending = new ArrayDeque<>();

  @GuardedBy("lock")
  private int unanswered;

  @GuardedBy("lock")
  private boolean halfClosed;

  @GuardedBy("lock")
  private boolean finished;

  StreamResponder(ServerCallStreamObserver<T> out, int window) {
    this.out = out;
    out.disableAutoRequest();
    out.setOnReadyHandler(this::flush);
    out.request(window);
  }

  /** A request was read; its answer is owed. */
  void accepted() {
    synchronized (lock) {
      unanswered++;
    }
  }

  /** Queues the answer to one accepted request and writes what the transport will take. */
  void answer(T response) {
    synchronized (lock) {
      pending.addLast(response);
    }
    flush();
  }

  /** The client will send no more; complete once every accepted request is answered. */
  void halfClose() {
    synchronized (lock) {
      halfClosed = true;
    }
    flush();
  }

  /** The stream failed or was cancelled: nothing more is written. */
  void abandon() {
    synchronized (lock) {
      finished = true;
      pending.clear();
    }
  }

  private void flush() {
    synchronized (lock) {
      if (finished) {
        return;
      }
      if (out.isCancelled()) {
        finished = true;
        pending.clear();
        return;
      }
      while (!pending.isEmpty() && out.isReady()) {
        out.onNext(pending.pollFirst());
        unanswered--;
        out.request(1);
      }
      if (halfClosed && unanswered == 0 && pending.isEmpty()) {
        finished = true;
        out.onCompleted();
      }
    }
  }
}
