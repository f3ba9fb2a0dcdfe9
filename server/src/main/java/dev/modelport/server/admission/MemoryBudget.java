package dev.modelport.server.admission;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The heap that requests in flight may hold, in bytes. A request is charged an estimate of what it
 * will occupy ({@link #estimate}) before it is decoded; a request that does not fit in what is left
 * is refused at once (the caller answers RESOURCE_EXHAUSTED) rather than queued, so a burst of
 * large requests is shed instead of running the JVM out of heap. Each charge is returned exactly
 * once, by closing its {@link Permit}, on every path: answered, failed, cancelled, timed out, shut
 * down.
 *
 * <p>Lock-free: one compare-and-set per admission on the request path.
 */
public final class MemoryBudget {
  /**
   * Heap bytes one wire byte may occupy while its request is in flight: the bytes parsed into
   * protobuf strings or byte strings (1×, 2× for non-Latin-1 text held as UTF-16), the parser's own
   * copy while it runs (1×), and the host tensors built from them (1×). Measured, not guessed: see
   * docs/operations.md, "Memory".
   */
  public static final long HEAP_BYTES_PER_WIRE_BYTE = 4;

  /** What a request costs beyond its bytes: message objects, futures, answer builders. */
  public static final long PER_REQUEST_BYTES = 2048;

  private final long capacity;
  private final AtomicLong used = new AtomicLong();
  private final LongAdder refused = new LongAdder();

  /** A budget of {@code capacityBytes}; {@link Long#MAX_VALUE} for no limit. */
  public MemoryBudget(long capacityBytes) {
    if (capacityBytes <= 0) {
      throw new IllegalArgumentException("capacity must be positive: " + capacityBytes);
    }
    this.capacity = capacityBytes;
  }

  /** {@code percent} of the JVM's max heap ({@code -Xmx}); 0 means no limit. */
  public static MemoryBudget ofHeapPercent(int percent) {
    if (percent < 0 || percent > 100) {
      throw new IllegalArgumentException("percent must be 0-100: " + percent);
    }
    return percent == 0
        ? new MemoryBudget(Long.MAX_VALUE)
        : new MemoryBudget(Runtime.getRuntime().maxMemory() / 100 * percent);
  }

  /** The charge for a request of {@code wireBytes} serialized bytes. */
  public static long estimate(long wireBytes) {
    return wireBytes * HEAP_BYTES_PER_WIRE_BYTE + PER_REQUEST_BYTES;
  }

  /**
   * Charges {@code bytes} if they fit in what is left, returning the permit that gives them back;
   * null when they do not fit (counted as a refusal).
   */
  public Permit tryAcquire(long bytes) {
    while (true) {
      long now = used.get();
      if (bytes > capacity - now) {
        refused.increment();
        return null;
      }
      if (used.compareAndSet(now, now + bytes)) {
        return new Permit(this, bytes);
      }
    }
  }

  void release(long bytes) {
    used.addAndGet(-bytes);
  }

  public long capacity() {
    return capacity;
  }

  public boolean isLimited() {
    return capacity != Long.MAX_VALUE;
  }

  /** Bytes charged to requests in flight now. */
  public long inUse() {
    return used.get();
  }

  /** Requests refused since start. */
  public long refusals() {
    return refused.sum();
  }

  /** The message a refused request gets. */
  public String refusal(long wireBytes, long charge) {
    return "the server is holding "
        + mib(inUse())
        + " of requests in flight out of its "
        + mib(capacity)
        + " budget; this request of "
        + mib(wireBytes)
        + " needs about "
        + mib(charge)
        + " more: retry later, or send smaller requests (see --request-memory-percent)";
  }

  private static String mib(long bytes) {
    return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
  }
}
