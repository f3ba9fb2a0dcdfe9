package dev.modelport.server.registry;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers {@link VersionEvent}s to listeners on one thread of its own: in the order they were
 * posted, once each, and never on a thread that holds a registry lock (grpc-java's health service
 * and {@code SynchronizationContext} make the same promise).
 */
final class EventDelivery implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EventDelivery.class);

  private final List<VersionListener> listeners = new CopyOnWriteArrayList<>();
  private final ExecutorService thread =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "modelport-registry-events");
            t.setDaemon(true);
            return t;
          });

  void add(VersionListener listener) {
    listeners.add(listener);
  }

  /** Queues {@code event}; callers post under the lock that made the change, so order holds. */
  void post(VersionEvent event) {
    try {
      thread.execute(() -> deliver(event));
    } catch (RejectedExecutionException closed) {
      // after close(): nobody is listening any more
    }
  }

  /** Waits until every event posted before this call has been delivered. */
  void flush() throws InterruptedException {
    try {
      thread.submit(() -> {}).get();
    } catch (RejectedExecutionException closed) {
      // nothing left to wait for
    } catch (ExecutionException e) {
      throw new IllegalStateException("an empty task cannot fail", e);
    }
  }

  private void deliver(VersionEvent event) {
    for (VersionListener l : listeners) {
      try {
        l.onEvent(event);
      } catch (RuntimeException e) {
        log.error("version listener failed on {}", event, e);
      }
    }
  }

  /** Delivers what is queued (waiting up to 10 s for it), then stops. */
  @Override
  public void close() {
    thread.shutdown();
    try {
      thread.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
