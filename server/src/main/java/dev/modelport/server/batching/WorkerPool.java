package dev.modelport.server.batching;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.modelport.server.errors.ErrorCode;
import dev.modelport.server.errors.ModelportException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker threads of one served version: one per instance, each creating its own {@link
 * BatchRunner} (and so its own Predictor) and taking batches from the shared {@link Batcher}.
 *
 * <p>Every item completes exactly once: the runner completes it, or, if the runner throws or
 * forgets one, the worker fails it with INTERNAL and goes on serving.
 */
public final class WorkerPool<T extends BatchItem> {
  private static final Logger log = LoggerFactory.getLogger(WorkerPool.class);

  private final String name;
  private final Batcher<T> batcher;
  private final BatchObserver observer;
  private final Object lock = new Object();

  @GuardedBy("lock")
  private final List<Thread> threads = new ArrayList<>();

  public WorkerPool(String name, Batcher<T> batcher) {
    this(name, batcher, BatchObserver.NONE);
  }

  public WorkerPool(String name, Batcher<T> batcher, BatchObserver observer) {
    this.name = name;
    this.batcher = batcher;
    this.observer = observer;
  }

  /**
   * Starts one worker per factory. The future completes when every worker has created its runner,
   * or fails with the first creation failure (the pool is then drained by the caller).
   */
  public CompletableFuture<Void> start(List<BatchRunner.Factory<T>> factories) {
    synchronized (lock) {
      return startAll(factories);
    }
  }

  @GuardedBy("lock")
  private CompletableFuture<Void> startAll(List<BatchRunner.Factory<T>> factories) {
    List<CompletableFuture<Void>> ready = new ArrayList<>();
    for (int i = 0; i < factories.size(); i++) {
      CompletableFuture<Void> started = new CompletableFuture<>();
      ready.add(started);
      BatchRunner.Factory<T> factory = factories.get(i);
      Thread t = new Thread(() -> work(factory, started), name + "-worker-" + i);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    return CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new));
  }

  private void work(BatchRunner.Factory<T> factory, CompletableFuture<Void> started) {
    BatchRunner<T> runner;
    try {
      runner = factory.create();
    } catch (Throwable e) {
      started.completeExceptionally(e);
      return;
    }
    started.complete(null);
    try (runner) {
      List<T> batch;
      while ((batch = batcher.nextBatch()) != null) {
        runOne(runner, batch);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void runOne(BatchRunner<T> runner, List<T> batch) {
    long start = System.nanoTime();
    Throwable failure = null;
    boolean[] observed = new boolean[1]; // this worker's thread only
    try {
      runner.run(
          batch,
          () -> {
            if (!observed[0]) {
              observed[0] = true;
              observer.onBatch(batch, start, System.nanoTime(), false);
            }
          });
    } catch (Throwable e) {
      failure = e;
      log.warn("{}: batch of {} failed", name, batch.size(), e);
    }
    ModelportException error = null; // built only when needed: exceptions are not free
    for (T item : batch) {
      if (!item.isDone()) {
        if (error == null) {
          error =
              failure != null
                  ? new ModelportException(
                      ErrorCode.INTERNAL,
                      name + ": the engine failed on this batch: " + describe(failure),
                      failure)
                  : new ModelportException(
                      ErrorCode.INTERNAL,
                      name + ": the engine returned no result for this request");
        }
        item.fail(error);
      }
    }
    if (!observed[0]) {
      observer.onBatch(batch, start, System.nanoTime(), failure != null);
    }
  }

  private static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String m = root.getMessage();
    if (m == null) {
      return root.getClass().getSimpleName();
    }
    m = m.strip();
    return m.length() > 300 ? m.substring(0, 300) + "..." : m;
  }

  /**
   * Stops taking new requests, lets the workers finish everything queued, and waits for them up to
   * {@code grace}; past it, what is still queued fails with UNAVAILABLE and workers are
   * interrupted. Runners (and their predictors) are closed by their own threads on the way out.
   *
   * @return true when every worker finished within {@code grace}
   */
  public boolean drain(Duration grace) throws InterruptedException {
    batcher.close();
    long deadline = System.nanoTime() + grace.toNanos();
    boolean clean = true;
    List<Thread> snapshot;
    synchronized (lock) {
      snapshot = List.copyOf(threads);
    }
    for (Thread t : snapshot) {
      long left = deadline - System.nanoTime();
      t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      if (t.isAlive()) {
        clean = false;
      }
    }
    if (!clean) {
      batcher.abort(new ModelportException(ErrorCode.UNAVAILABLE, name + ": shutting down"));
      snapshot.forEach(Thread::interrupt);
      for (Thread t : snapshot) {
        t.join(TimeUnit.SECONDS.toMillis(5));
      }
    }
    return clean;
  }
}
