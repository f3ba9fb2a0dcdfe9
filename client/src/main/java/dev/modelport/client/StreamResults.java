package dev.modelport.client;

import dev.modelport.v1.PredictRequest;
import io.grpc.Status;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Results of {@link ModelportClient#predictAll}: a feeder thread pulls requests from the source and
 * submits them while fewer than {@code maxInFlight} results are sent-but-unconsumed; this iterator
 * hands results out in request order or as they complete. Closing it stops the feeder and cancels
 * what is outstanding.
 */
public final class StreamResults implements Iterator<StreamResult>, AutoCloseable {
  private static final CompletableFuture<StreamResult> END =
      CompletableFuture.completedFuture(null);

  private final PredictSession session;
  private final Semaphore window;
  // Unbounded type, bounded use: at most maxInFlight entries, because of the window.
  private final LinkedBlockingQueue<CompletableFuture<StreamResult>> results =
      new LinkedBlockingQueue<>();
  private final AtomicInteger outstanding = new AtomicInteger(1); // 1 = the feeder itself
  private final boolean ordered;
  private final Thread feeder;
  private CompletableFuture<StreamResult> next;
  private boolean ended;
  private volatile RuntimeException sourceFailure;
  private final java.util.concurrent.atomic.AtomicLong ids =
      new java.util.concurrent.atomic.AtomicLong();

  StreamResults(
      PredictSession session, Iterator<PredictRequest> source, int maxInFlight, boolean ordered) {
    this.session = session;
    this.window = new Semaphore(maxInFlight);
    this.ordered = ordered;
    this.feeder = new Thread(() -> feed(source), "modelport-stream-feeder");
    feeder.setDaemon(true);
    feeder.start();
  }

  private void feed(Iterator<PredictRequest> source) {
    try {
      while (source.hasNext()) {
        window.acquire();
        PredictRequest given = source.next();
        // every result names its request: ids are given here when the caller set none
        PredictRequest req =
            given.getRequestId().isEmpty()
                ? given.toBuilder().setRequestId("mp-" + ids.incrementAndGet()).build()
                : given;
        CompletableFuture<StreamResult> result;
        try {
          result =
              session
                  .submit(req)
                  .handle(
                      (r, e) ->
                          e == null
                              ? new StreamResult(req, r, Status.OK)
                              : new StreamResult(req, null, Status.fromThrowable(e)));
        } catch (RuntimeException e) {
          result =
              CompletableFuture.completedFuture(
                  new StreamResult(req, null, Status.fromThrowable(e)));
        }
        outstanding.incrementAndGet();
        if (ordered) {
          results.add(result);
          result.whenComplete((r, e) -> done());
        } else {
          CompletableFuture<StreamResult> f = result;
          result.whenComplete(
              (r, e) -> {
                results.add(f);
                done();
              });
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      sourceFailure = e;
    } finally {
      done(); // the feeder's own count
    }
  }

  private void done() {
    if (outstanding.decrementAndGet() == 0) {
      results.add(END);
      session.halfClose(); // often on a gRPC thread: must not wait for the stream to end
    }
  }

  @Override
  public boolean hasNext() {
    if (ended) {
      return false;
    }
    if (next == null) {
      try {
        next = results.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
    if (next == END) {
      ended = true;
      if (sourceFailure != null) {
        throw sourceFailure;
      }
      return false;
    }
    return true;
  }

  @Override
  public StreamResult next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    StreamResult r = next.join();
    next = null;
    window.release();
    return r;
  }

  /** The remaining results as a sequential stream (closing the stream closes these results). */
  public java.util.stream.Stream<StreamResult> stream() {
    return java.util.stream.StreamSupport.stream(
            java.util.Spliterators.spliteratorUnknownSize(
                this, java.util.Spliterator.ORDERED | java.util.Spliterator.NONNULL),
            false)
        .onClose(this::close);
  }

  /** Stops sending and cancels what is outstanding. */
  @Override
  public void close() {
    feeder.interrupt();
    session.cancel();
  }
}
