package dev.modelport.server.admission;

import java.util.concurrent.atomic.AtomicBoolean;

/** A charge against a {@link MemoryBudget}; closing it gives the bytes back, once. */
public final class Permit implements AutoCloseable {
  /** A permit that holds nothing (for requests that were never charged). */
  public static final Permit NONE = new Permit(null, 0);

  private final MemoryBudget budget;
  private final long bytes;
  private final AtomicBoolean open = new AtomicBoolean(true);

  Permit(MemoryBudget budget, long bytes) {
    this.budget = budget;
    this.bytes = bytes;
  }

  public long bytes() {
    return bytes;
  }

  /** Gives the bytes back; later calls do nothing. */
  @Override
  public void close() {
    if (budget != null && open.compareAndSet(true, false)) {
      budget.release(bytes);
    }
  }
}
