package dev.modelport.server.grpc;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.concurrent.TimeUnit;

/**
 * Counts the calls in flight on the services it wraps (inference and model management), so that a
 * drain can end as soon as they are done. Long-lived streams that never end by themselves (a
 * client's {@code Health.Watch}, a reflection session) are not counted: waiting for them would hold
 * every shutdown for the whole drain grace.
 */
public final class CallsInFlight implements ServerInterceptor {
  private final Object lock = new Object();

  @GuardedBy("lock")
  private int active;

  @GuardedBy("lock")
  private long lastStart = System.nanoTime() - Long.MAX_VALUE / 2;

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    synchronized (lock) {
      active++;
      lastStart = System.nanoTime();
    }
    ServerCall.Listener<ReqT> listener;
    try {
      listener = next.startCall(call, headers);
    } catch (RuntimeException e) {
      done();
      throw e;
    }
    return new SimpleForwardingServerCallListener<>(listener) {
      private boolean ended; // the call's callbacks are serialized

      @Override
      public void onComplete() {
        try {
          super.onComplete();
        } finally {
          end();
        }
      }

      @Override
      public void onCancel() {
        try {
          super.onCancel();
        } finally {
          end();
        }
      }

      private void end() {
        if (!ended) {
          ended = true;
          done();
        }
      }
    };
  }

  private void done() {
    synchronized (lock) {
      active--;
      if (active == 0) {
        lock.notifyAll();
      }
    }
  }

  /** Calls in flight now. */
  public int active() {
    synchronized (lock) {
      return active;
    }
  }

  /** Waits until no counted call is in flight, up to {@code nanos}; true if none is. */
  public boolean awaitNone(long nanos) throws InterruptedException {
    return awaitQuiet(0, nanos);
  }

  /**
   * Waits until no counted call is in flight and none has started for {@code quietNanos}, up to
   * {@code nanos}; true if so. A drain needs the quiet period: after the server's GOAWAY, calls the
   * client had already sent still arrive for a round trip (grpc-java's graceful shutdown pings
   * before its final GOAWAY), and cutting the transports the instant the count first reads zero
   * would reset them with CANCEL.
   */
  public boolean awaitQuiet(long quietNanos, long nanos) throws InterruptedException {
    long deadline = System.nanoTime() + nanos;
    synchronized (lock) {
      while (true) {
        long now = System.nanoTime();
        long quietLeft = quietNanos - (now - lastStart);
        if (active == 0 && quietLeft <= 0) {
          return true;
        }
        long left = deadline - now;
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(lock, active == 0 ? Math.min(left, quietLeft) : left);
      }
    }
  }
}
