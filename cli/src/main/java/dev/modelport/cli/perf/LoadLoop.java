package dev.modelport.cli.perf;

import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A closed loop: {@code concurrency} threads each call, wait, call again. A warm-up phase runs
 * first and is not recorded; then either a fixed duration or a fixed number of requests.
 */
final class LoadLoop {
  /** One call; throws on failure (a gRPC status, or anything else as INTERNAL). */
  @FunctionalInterface
  interface Call {
    void run() throws Exception;
  }

  /** Makes each thread's call (so per-thread state, like a DJL predictor, stays on its thread). */
  @FunctionalInterface
  interface CallFactory {
    Call create() throws Exception;
  }

  private LoadLoop() {}

  static PerfResult run(
      String label, String mode, int concurrency, int rows, PerfOptions o, CallFactory factory)
      throws Exception {
    Shared run = new Shared(o, concurrency);
    List<Latencies> parts = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < concurrency; t++) {
      Latencies lat = new Latencies();
      parts.add(lat);
      Thread th = new Thread(() -> run.worker(factory, lat), "perf-" + label + "-" + t);
      threads.add(th);
      th.start();
    }
    for (Thread th : threads) {
      th.join();
    }
    if (!run.setup.isEmpty()) {
      throw new IllegalStateException("setup failed: " + run.setup.get(0), run.setup.get(0));
    }
    Latencies all = Latencies.merge(parts);
    double seconds = Math.max(1e-9, (run.lastDone.get() - run.firstMeasured.get()) / 1e9);
    return new PerfResult(
        label,
        mode,
        concurrency,
        rows,
        all.size(),
        seconds,
        all.quantileMicros(0.50),
        all.quantileMicros(0.90),
        all.quantileMicros(0.99),
        Map.copyOf(run.errors));
  }

  /** What the loop's threads share: the phases' bounds, the request budget, errors, the span. */
  private static final class Shared {
    final long measureFrom;
    final long until;
    final long interval; // --rate: each thread paces its calls to rate / concurrency per second
    final AtomicLong remaining;
    final Map<String, Long> errors = new ConcurrentHashMap<>();
    final List<Throwable> setup = new ArrayList<>();
    final AtomicLong firstMeasured = new AtomicLong(Long.MAX_VALUE);
    final AtomicLong lastDone = new AtomicLong();

    Shared(PerfOptions o, int concurrency) {
      measureFrom = System.nanoTime() + o.warmup().toNanos();
      until = o.requests() > 0 ? Long.MAX_VALUE : measureFrom + o.duration().toNanos();
      interval = o.rate() > 0 ? (long) (1e9 * concurrency / o.rate()) : 0;
      remaining = new AtomicLong(o.requests() > 0 ? o.requests() : Long.MAX_VALUE);
    }

    void worker(CallFactory factory, Latencies lat) {
      Call call;
      try {
        call = factory.create();
      } catch (Exception e) {
        synchronized (setup) {
          setup.add(e);
        }
        return;
      }
      long next = System.nanoTime();
      while (true) {
        if (interval > 0) {
          long wait = next - System.nanoTime();
          if (wait > 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(wait);
          }
          next += interval;
        }
        long t0 = System.nanoTime();
        boolean measuring = t0 >= measureFrom;
        if (t0 >= until || (measuring && remaining.decrementAndGet() < 0)) {
          return;
        }
        if (measuring) {
          firstMeasured.accumulateAndGet(t0, Math::min);
        }
        String failure = callOnce(call);
        long t1 = System.nanoTime();
        Progress.finished(failure == null);
        if (measuring) {
          lat.add(t1 - t0);
          lastDone.accumulateAndGet(t1, Math::max);
          if (failure != null) {
            errors.merge(failure, 1L, Long::sum);
          }
        }
      }
    }

    /** Runs the call; null when it succeeded, else the failure's name (a status code). */
    private static String callOnce(Call call) {
      try {
        call.run();
        return null;
      } catch (Exception e) {
        return e instanceof HttpJsonBaseline.HttpFailure
            ? e.getMessage()
            : Status.fromThrowable(e).getCode().name();
      }
    }
  }
}
