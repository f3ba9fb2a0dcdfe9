package dev.modelport.cli.perf;

import dev.modelport.client.ModelportClient;
import dev.modelport.client.PredictSession;
import dev.modelport.v1.PredictRequest;
import io.grpc.Status;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** One PredictStream with {@code window} requests in flight, fed as fast as the window allows. */
final class StreamLoop {
  private StreamLoop() {}

  static PerfResult run(
      ModelportClient client, PredictRequest request, int window, int rows, PerfOptions o)
      throws Exception {
    long start = System.nanoTime();
    long measureFrom = start + o.warmup().toNanos();
    long until = o.requests() > 0 ? Long.MAX_VALUE : measureFrom + o.duration().toNanos();
    long budget = o.requests() > 0 ? o.requests() : Long.MAX_VALUE;
    Latencies lat = new Latencies();
    Map<String, Long> errors = new ConcurrentHashMap<>();
    AtomicLong firstMeasured = new AtomicLong(Long.MAX_VALUE);
    AtomicLong lastDone = new AtomicLong();
    long sent = 0;
    try (PredictSession session = client.openSession(window)) {
      while (true) {
        long t0 = System.nanoTime();
        boolean measuring = t0 >= measureFrom;
        if (t0 >= until || (measuring && sent >= budget)) {
          break;
        }
        if (measuring) {
          sent++;
          firstMeasured.accumulateAndGet(t0, Math::min);
        }
        session
            .submit(request)
            .whenComplete(
                (r, e) -> {
                  long t1 = System.nanoTime();
                  Progress.finished(e == null);
                  if (measuring) {
                    synchronized (lat) {
                      lat.add(t1 - t0);
                    }
                    lastDone.accumulateAndGet(t1, Math::max);
                    if (e != null) {
                      errors.merge(Status.fromThrowable(e).getCode().name(), 1L, Long::sum);
                    }
                  }
                });
      }
    }
    Latencies all;
    synchronized (lat) {
      all = Latencies.merge(java.util.List.of(lat));
    }
    double seconds = Math.max(1e-9, (lastDone.get() - firstMeasured.get()) / 1e9);
    return new PerfResult(
        "server",
        "stream",
        window,
        rows,
        all.size(),
        seconds,
        all.quantileMicros(0.5),
        all.quantileMicros(0.9),
        all.quantileMicros(0.99),
        Map.copyOf(errors));
  }
}
