package dev.modelport.server.metrics;

import dev.modelport.server.batching.BatchItem;
import dev.modelport.server.batching.BatchObserver;
import dev.modelport.server.runtime.ServedVersion;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server's meters. Names follow Prometheus conventions once exported: {@code modelport_}
 * prefix, base units in the name ({@code _seconds}, {@code _rows}, {@code _total}).
 *
 * <p>Label values are bounded: a request for a model that is not served is counted under {@code
 * model="_unknown"}, so callers cannot grow the label set.
 */
public final class ServerMetrics {
  static final String UNKNOWN = "_unknown";
  private static final Duration MIN_LATENCY = Duration.ofMillis(0).plusNanos(50_000);
  private static final Duration MAX_LATENCY = Duration.ofSeconds(30);

  private final PrometheusMeterRegistry registry;
  // Why concurrent: gRPC threads record requests while loads add and unloads remove versions.
  private final Map<String, Set<String>> servedVersions = new ConcurrentHashMap<>();
  // "model/version" -> the gauges of the instance serving it. Changed only on the registry's event
  // thread (one at a time); read by scrapes.
  private final Map<String, VersionGauges> versionGauges = new ConcurrentHashMap<>();
  private volatile java.util.function.Predicate<String> knownModel = m -> false;
  // model -> version -> meters; concurrent because every gRPC thread records here.
  private final Map<String, Map<String, RequestMeters>> requestMeters = new ConcurrentHashMap<>();

  /** The gauges of one served (model, version), reading the instance that serves it now. */
  private static final class VersionGauges {
    volatile ServedVersion current;
    final List<Meter> meters = new ArrayList<>();
  }

  /** The request meters of one (model, version) label pair. */
  private final class RequestMeters {
    final Map<String, Counter> byCode = new ConcurrentHashMap<>();
    final Timer duration;
    final String model;
    final String version;

    RequestMeters(String model, String version) {
      this.model = model;
      this.version = version;
      duration =
          timer(
              "modelport.request.duration",
              "Server time of a successful request, from arrival to answer",
              Tags.of("model", model, "version", version));
    }
  }

  public ServerMetrics() {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    Gauge.builder("process.resident.memory", ServerMetrics::residentBytes)
        .baseUnit("bytes")
        .description("Resident set size of the process (heap, native engine memory, code)")
        .register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition. */
  public String scrape() {
    return registry.scrape();
  }

  /** The memory budget's use, capacity and refusals; the receive slots' use and queue. */
  public void admission(dev.modelport.server.admission.Admission admission) {
    dev.modelport.server.admission.MemoryBudget budget = admission.heap();
    dev.modelport.server.admission.ReceiveSlots slots = admission.receiving();
    Gauge.builder("modelport.receive.slots.in.use", slots, s -> s.inUse())
        .description("Unary calls reading their request message now")
        .register(registry);
    Gauge.builder("modelport.receive.slots.waiting", slots, s -> s.waiting())
        .description("Unary calls whose bytes wait in the client for a receive slot")
        .register(registry);
    Gauge.builder("modelport.receive.slots.capacity", slots, s -> s.capacity())
        .description("Receive slots: half the direct memory limit / --max-message-bytes")
        .register(registry);
    Gauge.builder("modelport.request.memory.in.use", budget, b -> b.inUse())
        .baseUnit("bytes")
        .description("Heap charged to requests in flight (estimated before decoding)")
        .register(registry);
    if (budget.isLimited()) {
      Gauge.builder("modelport.request.memory.capacity", budget, b -> b.capacity())
          .baseUnit("bytes")
          .description("The in-flight request memory budget (--request-memory-percent of the heap)")
          .register(registry);
    }
    FunctionCounter.builder("modelport.request.memory.refusals", budget, b -> b.refusals())
        .description("Requests refused with RESOURCE_EXHAUSTED because the budget was spent")
        .register(registry);
  }

  /** Which model names are configured (others are counted as {@code _unknown}). */
  public void knownModels(java.util.function.Predicate<String> known) {
    this.knownModel = known;
  }

  /** Counts one finished Predict (or stream item) and its total server time. */
  public void recordRequest(String model, String version, String code, long nanos) {
    Set<String> versions = servedVersions.get(model);
    if (!knownModel.test(model)) {
      model = UNKNOWN;
      version = "";
    } else if (versions == null || !versions.contains(version)) {
      version = "";
    }
    // Meters are looked up once per (model, version, code) and cached: this runs per request, so
    // the common path is plain gets (computeIfAbsent with capturing lambdas allocates every call).
    Map<String, RequestMeters> byVersion = requestMeters.get(model);
    RequestMeters meters = byVersion == null ? null : byVersion.get(version);
    if (meters == null) {
      meters = meters(model, version);
    }
    Counter counter = meters.byCode.get(code);
    if (counter == null) {
      counter = counter(meters, code);
    }
    counter.increment();
    LongAdder[] o = outcomes.get(model);
    if (o == null) {
      o =
          outcomes.computeIfAbsent(
              meters.model,
              k ->
                  new LongAdder[] {
                    new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder()
                  });
    }
    boolean ok = code.equals("OK");
    o[ok ? 0 : 2].increment();
    o[ok ? 1 : 3].add(nanos);
    if (ok) {
      meters.duration.record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  private RequestMeters meters(String m, String v) {
    return requestMeters
        .computeIfAbsent(m, k -> new ConcurrentHashMap<>())
        .computeIfAbsent(v, k -> new RequestMeters(m, v));
  }

  private Counter counter(RequestMeters meters, String code) {
    return meters.byCode.computeIfAbsent(
        code,
        c ->
            registry.counter(
                "modelport.requests", "model", meters.model, "version", meters.version, "code", c));
  }

  /**
   * Cumulative counts and durations of one version, in the shape of Triton's statistics extension
   * (ModelStatistics). The totals are read from the version's own meters (queue wait, compute,
   * batch rows); only what they do not keep is held here: the time of the last batch and compute
   * time per batch size.
   */
  public static final class InferStats {
    private final Timer wait;
    private final Timer compute;
    private final DistributionSummary rows;
    private final java.util.concurrent.atomic.AtomicLong lastInferenceMillis =
        new java.util.concurrent.atomic.AtomicLong();

    /** Rows per batch → {executions, compute nanos}. */
    private final Map<Integer, LongAdder[]> byBatchSize = new ConcurrentHashMap<>();

    InferStats(Timer wait, Timer compute, DistributionSummary rows) {
      this.wait = wait;
      this.compute = compute;
      this.rows = rows;
    }

    void batch(int rows, long computeNanos) {
      lastInferenceMillis.set(System.currentTimeMillis());
      LongAdder[] b =
          byBatchSize.computeIfAbsent(
              rows, k -> new LongAdder[] {new LongAdder(), new LongAdder()});
      b[0].increment();
      b[1].add(computeNanos);
    }

    public long executions() {
      return compute.count();
    }

    public long inferences() {
      return (long) rows.totalAmount();
    }

    public long queueCount() {
      return wait.count();
    }

    public long queueNanos() {
      return (long) wait.totalTime(TimeUnit.NANOSECONDS);
    }

    public long computeNanos() {
      return (long) compute.totalTime(TimeUnit.NANOSECONDS);
    }

    public long lastInferenceMillis() {
      return lastInferenceMillis.get();
    }

    /** Batch rows → {executions, compute nanos}, sorted by rows. */
    public java.util.SortedMap<Integer, long[]> byBatchSize() {
      java.util.SortedMap<Integer, long[]> out = new java.util.TreeMap<>();
      byBatchSize.forEach((k, v) -> out.put(k, new long[] {v[0].sum(), v[1].sum()}));
      return out;
    }
  }

  private final Map<String, InferStats> inferStats = new ConcurrentHashMap<>();
  private final Map<String, LongAdder[]> outcomes = new ConcurrentHashMap<>();

  /** The statistics of {@code model} version {@code version}, or null if it never ran a batch. */
  public InferStats inferStats(String model, long version) {
    return inferStats.get(model + "/" + version);
  }

  /**
   * Requests of {@code model} (all versions): {successes, success nanos, failures, failure nanos},
   * server time from arrival to answer.
   */
  public long[] outcomes(String model) {
    LongAdder[] a = outcomes.get(model);
    return a == null ? new long[4] : new long[] {a[0].sum(), a[1].sum(), a[2].sum(), a[3].sum()};
  }

  /** The observer to give a version's worker pool. */
  public BatchObserver batchObserver(String model, long version) {
    Tags tags = Tags.of("model", model, "version", Long.toString(version));
    Timer wait = timer("modelport.queue.wait", "Time a request waited in its model's queue", tags);
    Timer compute =
        timer("modelport.compute", "Engine time of one batch, translation included", tags);
    DistributionSummary rows =
        DistributionSummary.builder("modelport.batch.size")
            .baseUnit("rows")
            .description("Rows in each batch the engine ran")
            .tags(tags)
            .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256)
            .register(registry);
    Counter failed = registry.counter("modelport.batch.failures", tags);
    InferStats stats =
        inferStats.computeIfAbsent(model + "/" + version, k -> new InferStats(wait, compute, rows));
    return (List<? extends BatchItem> batch, long start, long end, boolean fail) -> {
      int n = 0;
      for (BatchItem i : batch) {
        if (!i.counted()) {
          continue; // the server's own warm-up
        }
        n += i.rows();
        if (i.createdNanos() != 0) {
          wait.record(start - i.createdNanos(), TimeUnit.NANOSECONDS);
        }
      }
      if (n == 0) {
        return; // a batch of warm-up requests only
      }
      rows.record(n);
      compute.record(end - start, TimeUnit.NANOSECONDS);
      stats.batch(n, end - start);
      if (fail) {
        failed.increment();
      }
    };
  }

  /**
   * A version turned READY: its queue depth and instances become visible. A newer load of the same
   * version (changed files) takes the gauges over: they read whichever instance loaded last.
   */
  public void versionLoaded(ServedVersion v) {
    String key = v.modelName() + "/" + v.version();
    servedVersions
        .computeIfAbsent(v.modelName(), k -> ConcurrentHashMap.newKeySet())
        .add(Long.toString(v.version()));
    VersionGauges g = versionGauges.computeIfAbsent(key, k -> new VersionGauges());
    g.current = v;
    Tags tags = Tags.of("model", v.modelName(), "version", Long.toString(v.version()));
    g.meters.forEach(registry::remove); // the device split may differ between loads
    g.meters.clear();
    g.meters.add(
        Gauge.builder("modelport.queue.depth", g, x -> x.current == null ? 0 : x.current.queued())
            .baseUnit("requests")
            .description("Requests waiting in the version's queue")
            .tags(tags)
            .register(registry));
    Map<String, Long> perDevice = new java.util.TreeMap<>();
    v.deviceNames().forEach(d -> perDevice.merge(d, 1L, Long::sum));
    perDevice.forEach(
        (device, count) ->
            g.meters.add(
                Gauge.builder("modelport.instances", () -> count)
                    .description("Instances (worker + predictor) of the version on each device")
                    .tags(tags.and("device", device))
                    .register(registry)));
  }

  /**
   * An instance unloaded: if no newer load of its version replaced it, the version's gauges go.
   * Counters and histograms stay (they are cumulative).
   */
  public void versionUnloaded(ServedVersion v) {
    String key = v.modelName() + "/" + v.version();
    VersionGauges g = versionGauges.get(key);
    if (g == null || g.current != v) {
      return; // replaced by a newer load of the same version, which keeps the gauges
    }
    versionGauges.remove(key);
    g.current = null;
    g.meters.forEach(registry::remove);
    Set<String> versions = servedVersions.get(v.modelName());
    if (versions != null) {
      versions.remove(Long.toString(v.version()));
    }
  }

  /** A version failed to load. */
  public void loadFailed(String model) {
    registry.counter("modelport.load.failures", "model", model).increment();
  }

  private Timer timer(String name, String description, Tags tags) {
    return Timer.builder(name)
        .description(description)
        .tags(tags)
        .publishPercentileHistogram()
        .minimumExpectedValue(MIN_LATENCY)
        .maximumExpectedValue(MAX_LATENCY)
        .register(registry);
  }

  /** RSS from /proc (Linux); NaN elsewhere. */
  static double residentBytes() {
    try {
      String[] statm = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
      return Long.parseLong(statm[1]) * 4096.0;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }
}
