package dev.modelport.server.batching;

/**
 * How a {@link Batcher} forms batches.
 *
 * @param maxBatchRows most rows in one batch; 0 means the model does not batch, so each batch is
 *     exactly one request
 * @param maxQueueDelayNanos how long the oldest queued request may wait for others to join; 0 (the
 *     default, as in Triton) never waits: a free worker takes what is there
 * @param targetRows with a delay, stop waiting once a batch has this many rows (the largest
 *     preferred batch size, else {@code maxBatchRows})
 * @param maxQueueSize most requests queued; beyond it {@code offer} fails at once
 */
public record BatchPolicy(
    int maxBatchRows, long maxQueueDelayNanos, int targetRows, int maxQueueSize) {
  public BatchPolicy {
    if (maxBatchRows < 0 || maxQueueDelayNanos < 0 || maxQueueSize < 1) {
      throw new IllegalArgumentException(
          "maxBatchRows, maxQueueDelayNanos >= 0 and maxQueueSize >= 1 required");
    }
    if (maxBatchRows > 0) {
      targetRows = targetRows <= 0 ? maxBatchRows : Math.min(targetRows, maxBatchRows);
    } else {
      targetRows = 1;
    }
  }

  /** True when each batch is one request. */
  public boolean singleItemBatches() {
    return maxBatchRows == 0;
  }
}
