package dev.modelport.server.batching;

import java.util.List;

/**
 * Runs batches for one worker. Created on, used by and closed by that worker's thread only, so an
 * implementation may own a resource that is not thread-safe (a DJL Predictor).
 */
public interface BatchRunner<T extends BatchItem> extends AutoCloseable {
  /** Computes {@code batch} and completes each item. Throwing fails every incomplete item. */
  void run(List<T> batch) throws Exception;

  /**
   * As {@link #run(List)}, calling {@code computed} once the engine is done and before any item is
   * completed, so that what the batch is recorded as (metrics, statistics) is visible to a caller
   * as soon as it has its answer. By default, after {@code run}.
   */
  default void run(List<T> batch, Runnable computed) throws Exception {
    run(batch);
    computed.run();
  }

  @Override
  void close();

  /** Makes the runner of one worker; called on that worker's thread. */
  @FunctionalInterface
  interface Factory<T extends BatchItem> {
    BatchRunner<T> create() throws Exception;
  }
}
