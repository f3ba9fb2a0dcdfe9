package dev.modelport.server.batching;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.modelport.server.errors.ErrorCode;
import dev.modelport.server.errors.ModelportException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bounded queue of requests for one served version, from which workers take batches.
 *
 * <p>Admission ({@link #offer}) never blocks: it answers {@link Offer#QUEUED}, {@link Offer#FULL}
 * or {@link Offer#CLOSED}, and the caller decides what a refusal means (a full queue is
 * RESOURCE_EXHAUSTED, {@link #queueFull()}; a closed one sends the caller to the version that
 * replaced it). A worker calling {@link #nextBatch} takes queued requests in arrival order while
 * they fit in {@code maxBatchRows}; with a queue delay it then waits, at most until the oldest
 * request has waited {@code maxQueueDelayNanos}, for the batch to reach {@code targetRows}.
 * Requests whose {@link BatchItem#dropReason()} is set are failed, not batched.
 *
 * <p>One lock guards the queue: it is held only to move references, and completions (failing
 * dropped items) happen after it is released.
 */
public final class Batcher<T extends BatchItem> {
  private final BatchPolicy policy;
  private final String name;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();

  @GuardedBy("lock")
  private final ArrayDeque<Entry<T>> queue = new ArrayDeque<>();

  @GuardedBy("lock")
  private boolean closed;

  private record Entry<T>(T item, long enqueuedNanos) {}

  public Batcher(String name, BatchPolicy policy) {
    this.name = name;
    this.policy = policy;
  }

  public BatchPolicy policy() {
    return policy;
  }

  /** What {@link #offer} did with a request. */
  public enum Offer {
    /** Queued: a worker will run it (or fail it with its drop reason). */
    QUEUED,
    /** Not queued: the queue holds {@code maxQueueSize} requests already. */
    FULL,
    /** Not queued: the batcher was closed (its version is unloading or was replaced). */
    CLOSED
  }

  /** Queues {@code item} unless the batcher is closed or its queue full; never blocks. */
  public Offer offer(T item) {
    lock.lock();
    try {
      if (closed) {
        return Offer.CLOSED;
      }
      if (queue.size() >= policy.maxQueueSize()) {
        return Offer.FULL;
      }
      queue.addLast(new Entry<>(item, System.nanoTime()));
      changed.signal();
      return Offer.QUEUED;
    } finally {
      lock.unlock();
    }
  }

  /** The RESOURCE_EXHAUSTED answer for a request that found the queue {@link Offer#FULL}. */
  public ModelportException queueFull() {
    return new ModelportException(
        ErrorCode.RESOURCE_EXHAUSTED,
        name + ": queue full (" + policy.maxQueueSize() + " requests waiting); retry later");
  }

  /** Requests waiting now. */
  public int queued() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Blocks until a batch is ready and returns it (never empty), or returns null once the batcher is
   * closed and drained: queued requests are still handed out after {@link #close()}.
   */
  public List<T> nextBatch() throws InterruptedException {
    List<T> dropped = new ArrayList<>();
    try {
      while (true) {
        List<T> batch = takeBatch(dropped);
        if (batch == null || !batch.isEmpty()) {
          return batch;
        }
      }
    } finally {
      failDropped(dropped);
    }
  }

  private List<T> takeBatch(List<T> dropped) throws InterruptedException {
    List<T> batch = new ArrayList<>();
    lock.lockInterruptibly();
    try {
      while (queue.isEmpty()) {
        if (closed) {
          return null;
        }
        changed.await();
      }
      long oldest = queue.peekFirst().enqueuedNanos();
      int rows = drainInto(batch, 0, dropped);
      if (policy.maxQueueDelayNanos() > 0 && !policy.singleItemBatches()) {
        long deadline = oldest + policy.maxQueueDelayNanos();
        while (rows < policy.targetRows() && !closed && !batch.isEmpty()) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            break;
          }
          if (queue.isEmpty()) {
            changed.awaitNanos(left);
          }
          int before = rows;
          rows = drainInto(batch, rows, dropped);
          if (rows == before && !queue.isEmpty()) {
            break; // the next request does not fit: run what we have
          }
        }
      }
      if (!queue.isEmpty()) {
        changed.signal(); // leftovers: let another free worker start on them
      }
      if (policy.maxQueueDelayNanos() > 0) {
        // Deadlines may have passed while the batch waited to fill: drop those now.
        batch.removeIf(
            item -> {
              boolean drop = item.dropReason() != null;
              if (drop) {
                dropped.add(item);
              }
              return drop;
            });
      }
      return batch;
    } finally {
      lock.unlock();
    }
  }

  @GuardedBy("lock")
  private int drainInto(List<T> batch, int rows, List<T> dropped) {
    while (!queue.isEmpty()) {
      T next = queue.peekFirst().item();
      if (next.dropReason() != null) {
        queue.pollFirst();
        dropped.add(next);
        continue;
      }
      if (policy.singleItemBatches()) {
        if (!batch.isEmpty()) {
          break;
        }
      } else if (!batch.isEmpty()
          && (rows + next.rows() > policy.maxBatchRows()
              || !java.util.Objects.equals(batch.get(0).batchKey(), next.batchKey()))) {
        break;
      }
      queue.pollFirst();
      batch.add(next);
      rows += next.rows();
      if (policy.singleItemBatches()) {
        break;
      }
    }
    return rows;
  }

  private static <T extends BatchItem> void failDropped(List<T> dropped) {
    for (T item : dropped) {
      ModelportException reason = item.dropReason();
      item.fail(
          reason != null
              ? reason
              : new ModelportException(ErrorCode.CANCELLED, "dropped before it ran"));
    }
  }

  /** True once {@link #close()} or {@link #abort} was called. */
  public boolean isClosed() {
    lock.lock();
    try {
      return closed;
    } finally {
      lock.unlock();
    }
  }

  /** Stops accepting requests; what is queued is still handed out, then workers get null. */
  public void close() {
    lock.lock();
    try {
      closed = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Fails everything still queued with {@code error} (shutdown past its grace period). */
  public void abort(ModelportException error) {
    List<T> left = new ArrayList<>();
    lock.lock();
    try {
      closed = true;
      queue.forEach(e -> left.add(e.item()));
      queue.clear();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    left.forEach(i -> i.fail(error));
  }
}
