package dev.modelport.server.admission;

/**
 * What a request must get before the server holds it: a {@link ReceiveSlots} slot while its bytes
 * arrive (direct memory), then a charge on the {@link MemoryBudget} before it is decoded (heap).
 */
public record Admission(MemoryBudget heap, ReceiveSlots receiving) {
  /** Half of the direct memory limit may hold messages being received. */
  public static final int RECEIVE_DIRECT_MEMORY_PERCENT = 50;

  /** {@code heapPercent} of the heap for requests in flight; slots for messages up to the size. */
  public static Admission of(int heapPercent, long maxMessageBytes) {
    return new Admission(
        MemoryBudget.ofHeapPercent(heapPercent),
        ReceiveSlots.ofDirectMemoryPercent(RECEIVE_DIRECT_MEMORY_PERCENT, maxMessageBytes));
  }
}
