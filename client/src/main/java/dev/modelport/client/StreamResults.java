package dev.modelport.client;

import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Results of {@link ModelportClient#predictAll}: a feeder thread pulls requests from the source and
 * sends them, round robin, over several PredictStreams (which the channel's round-robin balancer
 * spreads over the replicas) while fewer than {@code maxInFlight} results are sent but not yet
 * consumed; this iterator hands results out in request order or as they complete. Closing it stops
 * the feeder and cancels what is outstanding.
 *
 * <p>Each stream is replaced by a fresh one every {@link #ROTATE_EVERY} items, so that the balancer
 * can place it on any replica serving at that moment.
 *
 * <p><b>Failover.</b> When a stream ends under its items (the replica was killed, drained on
 * SIGTERM, or the connection was lost: UNAVAILABLE, CANCELLED, INTERNAL, UNKNOWN), its unanswered
 * items are sent again on a new stream, which the balancer opens on a replica that is still
 * serving; their request ids are kept. Each item is re-sent at most {@link #MAX_RESENDS} times.
 * Items the server answered with an error are never re-sent: they come back as failed results.
 * Inference is idempotent, so an item computed by a replica that died before answering may be
 * computed twice, never lost.
 */
public final class StreamResults implements Iterator<StreamResult>, AutoCloseable {
  /** Re-sends per item after its stream was lost. */
  static final int MAX_RESENDS = 5;

  /**
   * Items one stream carries before the feeder half-closes it and opens a fresh one in its place.
   * The balancer places each new stream on a replica that is serving then, so the streams spread
   * over replicas that were still connecting when the run began, and over replicas added later.
   */
  static final int ROTATE_EVERY = 1024;

  private static final CompletableFuture<StreamResult> END =
      CompletableFuture.completedFuture(null);

  private final Supplier<PredictSession> opener;
  private final PredictSession[] sessions;
  private final int[] carried; // items sent on sessions[i]
  private final Semaphore window;
  // Unbounded type, bounded use: at most maxInFlight entries, because of the window.
  private final LinkedBlockingQueue<CompletableFuture<StreamResult>> results =
      new LinkedBlockingQueue<>();
  // Items whose stream was lost, waiting for the feeder to send them again (at most the window).
  private final LinkedBlockingQueue<Item> resends = new LinkedBlockingQueue<>();
  private final AtomicInteger outstanding = new AtomicInteger(1); // 1 = the source, until drained
  private final AtomicLong ids = new AtomicLong();
  private final AtomicLong resent = new AtomicLong();
  private final boolean ordered;
  private final Thread feeder;
  private volatile boolean closed;
  private volatile boolean ended;
  private CompletableFuture<StreamResult> next;
  private boolean consumedEnd;
  private volatile RuntimeException sourceFailure;
  private int turn;

  /** One request on its way: the result it completes, and how often it was sent. */
  private record Item(PredictRequest request, CompletableFuture<StreamResult> result, int sends) {}

  StreamResults(
      Supplier<PredictSession> opener,
      int streams,
      Iterator<PredictRequest> source,
      int maxInFlight,
      boolean ordered) {
    if (streams < 1) {
      throw new IllegalArgumentException("streams: at least 1");
    }
    this.opener = opener;
    this.sessions = new PredictSession[streams];
    this.carried = new int[streams];
    this.window = new Semaphore(maxInFlight);
    this.ordered = ordered;
    this.feeder = new Thread(() -> feed(source), "modelport-stream-feeder");
    feeder.setDaemon(true);
    feeder.start();
  }

  private void feed(Iterator<PredictRequest> source) {
    boolean drained = false;
    try {
      while (!ended && !closed) {
        Item again = resends.poll();
        if (again != null) {
          send(again);
          continue;
        }
        if (drained) {
          // the source is done; stay for re-sends until every item has its result
          again = resends.poll(50, TimeUnit.MILLISECONDS);
          if (again != null) {
            send(again);
          }
          continue;
        }
        if (!window.tryAcquire(20, TimeUnit.MILLISECONDS)) {
          continue; // the window is full: look at re-sends again meanwhile
        }
        PredictRequest given;
        try {
          given = source.hasNext() ? source.next() : null;
        } catch (RuntimeException e) {
          sourceFailure = e; // thrown to the consumer after the results of what was sent
          given = null;
        }
        if (given == null) {
          window.release();
          drained = true;
          done(); // the source's own count
          continue;
        }
        // every result names its request: ids are given here when the caller set none
        PredictRequest req =
            given.getRequestId().isEmpty()
                ? given.toBuilder().setRequestId("mp-" + ids.incrementAndGet()).build()
                : given;
        Item item = new Item(req, new CompletableFuture<>(), 0);
        outstanding.incrementAndGet();
        if (ordered) {
          results.add(item.result);
        }
        send(item);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (ended) {
      for (PredictSession s : sessions) {
        if (s != null) {
          s.halfClose(); // every answer is in: end the streams
        }
      }
    }
  }

  /** Sends {@code item} on the next live stream (opening one if needed). Feeder thread only. */
  private void send(Item item) throws InterruptedException {
    PredictSession session = nextSession();
    CompletableFuture<PredictResponse> answer;
    try {
      answer = session.submit(item.request);
    } catch (StatusRuntimeException e) {
      lost(item, session, e); // the stream broke before this item went out
      return;
    } catch (IllegalStateException e) {
      lost(item, session, Status.UNAVAILABLE.withCause(e).asRuntimeException());
      return;
    }
    answer.whenComplete(
        (r, e) -> {
          if (e == null) {
            finish(item, new StreamResult(item.request, r, Status.OK));
          } else if (e instanceof PredictSession.StreamLost) {
            lost(item, session, e);
          } else {
            finish(item, new StreamResult(item.request, null, Status.fromThrowable(e)));
          }
        });
  }

  /** The item's stream is gone: queue it for another stream, or fail it when re-sends run out. */
  private void lost(Item item, PredictSession session, Throwable e) {
    Status s = Status.fromThrowable(e);
    if (!closed && item.sends < MAX_RESENDS && resendable(s.getCode())) {
      resent.incrementAndGet();
      resends.add(new Item(item.request, item.result, item.sends + 1)); // never blocks
    } else {
      finish(item, new StreamResult(item.request, null, s));
    }
  }

  private static boolean resendable(Status.Code code) {
    return switch (code) {
      case UNAVAILABLE, CANCELLED, INTERNAL, UNKNOWN -> true;
      default -> false;
    };
  }

  private PredictSession nextSession() {
    int i = turn;
    turn = (turn + 1) % sessions.length;
    PredictSession s = sessions[i];
    if (s != null && !s.isBroken() && carried[i] >= ROTATE_EVERY) {
      s.halfClose(); // its items still get their answers (or are re-sent if it breaks)
      s = null;
    }
    if (s == null || s.isBroken()) {
      s = opener.get();
      sessions[i] = s;
      carried[i] = 0;
    }
    carried[i]++;
    return s;
  }

  private void finish(Item item, StreamResult r) {
    item.result.complete(r);
    if (!ordered) {
      results.add(item.result);
    }
    done();
  }

  private void done() {
    if (outstanding.decrementAndGet() == 0) {
      ended = true; // the feeder half-closes the streams as it leaves
      results.add(END);
    }
  }

  /** Items re-sent so far because their stream was lost. */
  public long resent() {
    return resent.get();
  }

  @Override
  public boolean hasNext() {
    if (consumedEnd) {
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
      consumedEnd = true;
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
    closed = true;
    feeder.interrupt();
    try {
      feeder.join(5_000); // sessions[] belongs to the feeder: read it once it has stopped
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (PredictSession s : sessions) {
      if (s != null) {
        s.cancel();
      }
    }
  }
}
