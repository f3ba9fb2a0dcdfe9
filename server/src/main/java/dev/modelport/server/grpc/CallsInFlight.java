package dev.modelport.server.grpc;

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
  private int active; // guarded by lock

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    synchronized (lock) {
      active++;
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
    long deadline = System.nanoTime() + nanos;
    synchronized (lock) {
      while (active > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(lock, left);
      }
      return true;
    }
  }
}
