package dev.modelport.cli.perf;

import java.io.PrintStream;
import java.util.concurrent.atomic.LongAdder;

/** Counts finished requests across the loops, and prints how it goes once a second. */
final class Progress {
  static final LongAdder done = new LongAdder();
  static final LongAdder failed = new LongAdder();

  private Progress() {}

  static void finished(boolean ok) {
    done.increment();
    if (!ok) {
      failed.increment();
    }
  }

  /** Starts printing to {@code out} once a second until closed. */
  static Ticker start(PrintStream out) {
    Ticker t = new Ticker(out);
    t.thread.start();
    return t;
  }

  /** The printing thread. */
  static final class Ticker implements AutoCloseable {
    final Thread thread;

    Ticker(PrintStream out) {
      thread =
          new Thread(
              () -> {
                long last = done.sum();
                try {
                  while (true) {
                    Thread.sleep(1000); // a progress line per second, not synchronisation
                    long now = done.sum();
                    out.printf(
                        java.util.Locale.ROOT,
                        "perf: %,d requests done, %,d/s, %,d failed%n",
                        now,
                        now - last,
                        failed.sum());
                    last = now;
                  }
                } catch (InterruptedException e) {
                  // closed
                }
              },
              "perf-progress");
      thread.setDaemon(true);
    }

    @Override
    public void close() {
      thread.interrupt();
    }
  }
}
