package dev.modelport.server.admission;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.lang.management.ManagementFactory;
import java.util.ArrayDeque;

/**
 * How many calls may be receiving a request message at once, server-wide. gRPC buffers a whole
 * message (up to {@code --max-message-bytes}) in direct memory before anyone can see its size, so
 * the only way to bound those buffers is to let a call read its message only when a slot is free:
 * until then the call's bytes wait in the client, held back by HTTP/2 flow control (at most one
 * window per call reaches the server). Slots = the receive budget ÷ the largest message.
 *
 * <p>A freed slot goes straight to the longest-waiting call (FIFO). Grants run outside the lock.
 */
public final class ReceiveSlots {
  private final int capacity;
  private final Object lock = new Object();

  @GuardedBy("lock")
  private int used;

  @GuardedBy("lock")
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();

  public ReceiveSlots(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("at least one slot: " + capacity);
    }
    this.capacity = capacity;
  }

  /**
   * Slots for receiving messages of up to {@code maxMessageBytes} in {@code percent} of the JVM's
   * direct memory limit ({@code -XX:MaxDirectMemorySize}, by default the max heap); at least one.
   */
  public static ReceiveSlots ofDirectMemoryPercent(int percent, long maxMessageBytes) {
    long budget = maxDirectMemory() / 100 * percent;
    return new ReceiveSlots(
        (int) Math.max(1, Math.min(Integer.MAX_VALUE, budget / maxMessageBytes)));
  }

  /** The JVM's direct memory limit. */
  static long maxDirectMemory() {
    try {
      var diagnostics =
          ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
      long set = Long.parseLong(diagnostics.getVMOption("MaxDirectMemorySize").getValue());
      return set > 0 ? set : Runtime.getRuntime().maxMemory();
    } catch (RuntimeException e) {
      return Runtime.getRuntime().maxMemory(); // the JVM's own default
    }
  }

  /** Runs {@code grant} once a slot is held for the caller: now, or when one is released. */
  public void acquire(Runnable grant) {
    synchronized (lock) {
      if (used >= capacity) {
        waiting.add(grant);
        return;
      }
      used++;
    }
    grant.run();
  }

  /** Withdraws a waiting {@code grant}; false if it already holds a slot (release it then). */
  public boolean withdraw(Runnable grant) {
    synchronized (lock) {
      return waiting.remove(grant);
    }
  }

  /** Gives a slot back, or hands it to the longest-waiting caller. */
  public void release() {
    Runnable next;
    synchronized (lock) {
      next = waiting.poll();
      if (next == null) {
        used--;
        return;
      }
    }
    next.run();
  }

  public int capacity() {
    return capacity;
  }

  public int inUse() {
    synchronized (lock) {
      return used;
    }
  }

  public int waiting() {
    synchronized (lock) {
      return waiting.size();
    }
  }
}
