package dev.modelport.server.batching;

import java.util.List;

/** Told about every batch a worker runs (for metrics); called on the worker thread. */
@FunctionalInterface
public interface BatchObserver {
  BatchObserver NONE = (batch, startNanos, endNanos, failed) -> {};

  /**
   * @param batch the items, whose {@link BatchItem#createdNanos()} give their queue wait
   * @param startNanos when the engine call began
   * @param endNanos when it ended
   * @param failed whether the runner threw
   */
  void onBatch(List<? extends BatchItem> batch, long startNanos, long endNanos, boolean failed);
}
