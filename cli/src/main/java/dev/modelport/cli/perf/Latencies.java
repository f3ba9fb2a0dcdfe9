package dev.modelport.cli.perf;

import java.util.Arrays;

/** Latency samples in nanoseconds; one instance per thread, merged at the end. */
final class Latencies {
  private long[] samples = new long[1 << 14];
  private int size;

  void add(long nanos) {
    if (size == samples.length) {
      samples = Arrays.copyOf(samples, size * 2);
    }
    samples[size++] = nanos;
  }

  int size() {
    return size;
  }

  static Latencies merge(Iterable<Latencies> parts) {
    Latencies all = new Latencies();
    for (Latencies p : parts) {
      for (int i = 0; i < p.size; i++) {
        all.add(p.samples[i]);
      }
    }
    Arrays.sort(all.samples, 0, all.size);
    return all;
  }

  /** The q-quantile (0..1) of sorted samples, in microseconds; NaN when empty. */
  double quantileMicros(double q) {
    if (size == 0) {
      return Double.NaN;
    }
    int i = (int) Math.min(size - 1, Math.ceil(q * size) - 1);
    return samples[Math.max(0, i)] / 1000.0;
  }
}
