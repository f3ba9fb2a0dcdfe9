package dev.modelport.client;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.modelport.v1.InferenceServiceGrpc;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One PredictStream carrying many requests, each answered through its own future. At most {@code
 * maxInFlight} requests are outstanding ({@link #submit} blocks beyond that), and requests are
 * written only while gRPC's transport is ready, so memory stays bounded whatever the producer's
 * speed. A failed item fails only its own future (with the server's status); the stream goes on.
 *
 * <pre>{@code
 * try (PredictSession s = client.openSession(256)) {
 *   for (float[] row : rows) {
 *     s.submit(request(row)).thenAccept(r -> use(r));
 *   }
 * } // close(): waits for every answer, at most the client's deadline, then cancels the rest
 * }</pre>
 *
 * <p>{@link #submit} may be called from several threads. Requests without a {@code request_id} get
 * one; ids of requests in flight must be unique.
 */
public final class PredictSession implements AutoCloseable {
  private final Semaphore permits;
  // Why concurrent: answers arrive on gRPC threads while producers add requests.
  private final Map<String, CompletableFuture<PredictResponse>> pending = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final CompletableFuture<Void> finished = new CompletableFuture<>();
  private final Object sendLock = new Object();

  @GuardedBy("sendLock")
  private ClientCallStreamObserver<PredictRequest> out;

  @GuardedBy("sendLock")
  private boolean halfClosed;

  private volatile Throwable failure;

  private final PredictOptions options;
  private final java.time.Duration closeTimeout;

  PredictSession(InferenceServiceGrpc.InferenceServiceStub stub, int maxInFlight) {
    this(stub, maxInFlight, PredictOptions.DEFAULTS, java.time.Duration.ofSeconds(30));
  }

  PredictSession(
      InferenceServiceGrpc.InferenceServiceStub stub,
      int maxInFlight,
      PredictOptions options,
      java.time.Duration closeTimeout) {
    this.options = options;
    this.closeTimeout = closeTimeout;
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight: at least 1");
    }
    this.permits = new Semaphore(maxInFlight);
    stub.predictStream(
        new ClientResponseObserver<PredictRequest, PredictResponse>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<PredictRequest> requests) {
            synchronized (sendLock) {
              out = requests;
            }
            requests.setOnReadyHandler(PredictSession.this::wakeSenders);
          }

          @Override
          public void onNext(PredictResponse r) {
            CompletableFuture<PredictResponse> f = pending.remove(r.getRequestId());
            if (f == null) {
              return; // not ours (a server would not do this); nothing to complete
            }
            permits.release();
            if (r.hasError()) {
              f.completeExceptionally(
                  Status.fromCodeValue(r.getError().getCode())
                      .withDescription(r.getError().getMessage())
                      .asRuntimeException());
            } else {
              f.complete(r);
            }
          }

          @Override
          public void onError(Throwable t) {
            failure = t;
            failAll(t);
            wakeSenders();
            finished.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            failAll(
                Status.INTERNAL
                    .withDescription("stream ended without an answer")
                    .asRuntimeException());
            finished.complete(null);
          }
        });
  }

  /**
   * Sends {@code request}, blocking while {@code maxInFlight} requests are outstanding or the
   * transport is not ready. The future completes with the answer, or with a {@link
   * StatusRuntimeException} for this item alone.
   */
  public CompletableFuture<PredictResponse> submit(PredictRequest request)
      throws InterruptedException {
    checkOpen();
    request = options.applyTo(request);
    permits.acquire();
    String id =
        request.getRequestId().isEmpty() ? "mp-" + ids.incrementAndGet() : request.getRequestId();
    CompletableFuture<PredictResponse> f = new CompletableFuture<>();
    if (pending.putIfAbsent(id, f) != null) {
      permits.release();
      throw new IllegalArgumentException("request_id \"" + id + "\" is already in flight");
    }
    PredictRequest withId =
        id.equals(request.getRequestId()) ? request : request.toBuilder().setRequestId(id).build();
    synchronized (sendLock) {
      while (failure == null && !halfClosed && !out.isReady()) {
        sendLock.wait();
      }
      if (failure != null || halfClosed) {
        pending.remove(id);
        permits.release();
        checkOpen();
      }
      out.onNext(withId);
    }
    return f;
  }

  /** Requests sent and not yet answered. */
  public int inFlight() {
    return pending.size();
  }

  /** Sends no more requests; answers still arrive. Never blocks (safe on gRPC threads). */
  void halfClose() {
    synchronized (sendLock) {
      if (!halfClosed && failure == null) {
        halfClosed = true;
        out.onCompleted();
      }
      sendLock.notifyAll();
    }
  }

  /** Sends no more requests and waits up to {@code timeout} for every answer. */
  public boolean close(java.time.Duration timeout) throws InterruptedException {
    halfClose();
    try {
      finished.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    } catch (java.util.concurrent.ExecutionException e) {
      return true; // the stream failed; every future already carries the error
    }
  }

  /**
   * Sends no more requests and waits for every answer, at most the client's deadline (its {@link
   * ModelportClient#deadline()}, 30 s by default) from now; what is still unanswered then is
   * cancelled: those futures fail with CANCELLED and the server drops their work.
   */
  @Override
  public void close() {
    try {
      if (!close(closeTimeout)) {
        cancel();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      cancel();
    }
  }

  /** Abandons the stream: outstanding futures fail with CANCELLED; the server drops their work. */
  public void cancel() {
    synchronized (sendLock) {
      if (failure == null) {
        out.cancel("cancelled by the client", null);
      }
      sendLock.notifyAll();
    }
  }

  private void wakeSenders() {
    synchronized (sendLock) {
      sendLock.notifyAll();
    }
  }

  /** True once the stream has failed: no more requests can be sent on it. */
  boolean isBroken() {
    return failure != null;
  }

  /**
   * An item that failed because its stream ended (a replica gone, draining, a lost connection), as
   * opposed to an item the server answered with an error: only the first kind may be re-sent.
   */
  static final class StreamLost extends StatusRuntimeException {
    private static final long serialVersionUID = 1L;

    StreamLost(Throwable t) {
      super(Status.fromThrowable(t).withCause(t), Status.trailersFromThrowable(t));
    }
  }

  private void failAll(Throwable t) {
    StatusRuntimeException e = new StreamLost(t);
    for (String id : pending.keySet()) {
      CompletableFuture<PredictResponse> f = pending.remove(id);
      if (f != null) {
        permits.release();
        f.completeExceptionally(e);
      }
    }
  }

  private void checkOpen() {
    Throwable t = failure;
    if (t != null) {
      throw t instanceof StatusRuntimeException s
          ? s
          : Status.fromThrowable(t).asRuntimeException();
    }
    synchronized (sendLock) {
      if (halfClosed) {
        throw new IllegalStateException("session closed");
      }
    }
  }
}
