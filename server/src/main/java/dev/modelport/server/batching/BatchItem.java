package dev.modelport.server.batching;

import dev.modelport.server.errors.ModelportException;

/** Something the {@link Batcher} queues: a request of one or more rows. */
public interface BatchItem {
  /** Rows this item adds to a batch (its dimension 0); at least 1. */
  int rows();

  /**
   * Why this item must not be computed any more (its deadline passed, its caller went away), or
   * null when it should run. Checked when a worker takes it, before any tensor is built.
   */
  ModelportException dropReason();

  /**
   * Items with different keys never share a batch (e.g. different non-batch dimensions, which
   * cannot be concatenated). Null: compatible with everything.
   */
  default Object batchKey() {
    return null;
  }

  /** When this item was created ({@link System#nanoTime()}), for queue-wait metrics. */
  default long createdNanos() {
    return 0;
  }

  /**
   * False for the server's own warm-up requests, which run through the real path but must not show
   * in the metrics; true for everything a caller sent.
   */
  default boolean counted() {
    return true;
  }

  /** True once this item has been completed, with a result or an error. */
  boolean isDone();

  /** Completes this item with {@code error}; a no-op if it is already complete. */
  void fail(Throwable error);
}
