package dev.modelport.server;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.modelport.server.admission.Admission;
import dev.modelport.server.grpc.HealthReporter;
import dev.modelport.server.grpc.ServiceStack;
import dev.modelport.server.metrics.ServerMetrics;
import dev.modelport.server.placement.DeviceTopology;
import dev.modelport.server.registry.ModelRegistry;
import dev.modelport.server.registry.VersionListener;
import dev.modelport.server.runtime.Loader;
import dev.modelport.server.runtime.VersionLoader;
import dev.modelport.server.tracing.Tracing;
import dev.modelport.store.ModelStore;
import dev.modelport.store.StoreException;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptor;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The assembled server: registry, InferenceService, ModelService, OIP, health and reflection (v1
 * and v1alpha) on one or more gRPC listeners (TCP, Unix socket), built by {@link #builder()}. Takes
 * its {@link ServerBuilder}s so tests can use any transport. The listeners open before models load,
 * so probes see NOT_SERVING until the models are READY.
 */
public final class ModelportServer {
  private static final Logger log = LoggerFactory.getLogger(ModelportServer.class);

  /** How long a drain waits with no call starting before it cuts what is left (health watches). */
  static final Duration DRAIN_QUIET = Duration.ofMillis(250);

  private final List<Server> servers = new ArrayList<>();
  private final ModelRegistry registry;
  private final ServerMetrics metrics;
  private final HealthReporter health;
  private final Duration drainGrace;
  private final Duration drainQuiet;
  private final ServiceStack stack;
  private final Tracing tracing;
  private final Duration warmup;
  private final List<AutoCloseable> closeAtStop;
  private final Object stopLock = new Object();

  /** Written by {@link #start()}, read by tests after it returned (same thread). */
  private Map<String, Warmup.Outcome> warmedUp = Map.of();

  @GuardedBy("stopLock")
  private boolean stopped;

  /** A builder with the command line's defaults (flag table, {@link Flags}). */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * How a server is made. Required: at least one {@link #listener} and a {@link #store}. Every
   * other setting has the command line's default ({@link Flags}), so a server built here behaves
   * like {@code java -jar} with no flags.
   */
  public static final class Builder {
    private final List<ServerBuilder<?>> listeners = new ArrayList<>();
    private final List<AutoCloseable> closeAtStop = new ArrayList<>();
    private ModelStore store;
    private Loader loader;
    private ServerMetrics metrics;
    private Duration drainGrace = Duration.ofSeconds(Flags.DRAIN_SECONDS.defaultNumber());
    private Duration drainQuiet = DRAIN_QUIET;
    private List<ServerInterceptor> interceptors = List.of();
    private Function<String, DeviceTopology> topologies = DeviceTopology::of;
    private Admission admission = defaultAdmission();
    private Tracing tracing = Tracing.OFF;
    private Duration warmup = Duration.ofSeconds(Flags.WARMUP_SECONDS.defaultNumber());

    private Builder() {}

    /** A listener (TCP, Unix socket, in-process); each serves every service. */
    public Builder listener(ServerBuilder<?> builder) {
      listeners.add(builder);
      return this;
    }

    public Builder listeners(List<? extends ServerBuilder<?>> builders) {
      listeners.addAll(builders);
      return this;
    }

    /** The command line's listeners; what they hold open (TLS reloading) closes at stop. */
    public Builder listeners(Listeners opened) {
      listeners.addAll(opened.builders());
      closeAtStop.add(opened.resources());
      return this;
    }

    /** The model store to serve (required). */
    public Builder store(ModelStore store) {
      this.store = store;
      return this;
    }

    /** What loads a version (default: DJL on the {@link #topologies}); tests give fakes. */
    public Builder loader(Loader loader) {
      this.loader = loader;
      return this;
    }

    /** The metrics the server records into (default: a new registry). */
    public Builder metrics(ServerMetrics metrics) {
      this.metrics = metrics;
      return this;
    }

    /** On stop, how long calls in flight and queued requests may take (default 30 s). */
    public Builder drainGrace(Duration grace) {
      this.drainGrace = grace;
      return this;
    }

    /**
     * On stop, how long no call may start before the rest is cut (default 250 ms: after the GOAWAY,
     * calls a client had already sent still arrive for a round trip). In-process tests use zero.
     */
    public Builder drainQuiet(Duration quiet) {
      this.drainQuiet = quiet;
      return this;
    }

    /** Interceptors on every service (e.g. authentication); the last is the outermost. */
    public Builder interceptors(List<ServerInterceptor> interceptors) {
      this.interceptors = List.copyOf(interceptors);
      return this;
    }

    /** The devices of each engine (default: what DJL sees; tests simulate GPUs). */
    public Builder topologies(Function<String, DeviceTopology> topologies) {
      this.topologies = topologies;
      return this;
    }

    /** The memory requests in flight may hold (default: the flags' defaults). */
    public Builder admission(Admission admission) {
      this.admission = admission;
      return this;
    }

    /** Tracing, which {@link #stop()} closes, sending the last spans (default: off). */
    public Builder tracing(Tracing tracing) {
      this.tracing = tracing;
      return this;
    }

    /** After loading, the warm-up before health turns SERVING (default 3 s; zero: none). */
    public Builder warmup(Duration warmup) {
      this.warmup = warmup;
      return this;
    }

    /** The warm-up this builder would give (tests compare it with the command line's). */
    Duration warmupSetting() {
      return warmup;
    }

    Duration drainGraceSetting() {
      return drainGrace;
    }

    public ModelportServer build() {
      if (listeners.isEmpty()) {
        throw new IllegalStateException("ModelportServer: no listener");
      }
      if (store == null) {
        throw new IllegalStateException("ModelportServer: no model store");
      }
      return new ModelportServer(this);
    }
  }

  /** The admission limits the server runs with when no flag changes them. */
  public static Admission defaultAdmission() {
    return Admission.of(
        (int) Flags.REQUEST_MEMORY_PERCENT.defaultNumber(),
        (int) Flags.MAX_MESSAGE_BYTES.defaultNumber());
  }

  private ModelportServer(Builder b) {
    this.metrics = b.metrics != null ? b.metrics : new ServerMetrics();
    Loader loader =
        b.loader != null ? b.loader : new VersionLoader(b.topologies, metrics::batchObserver);
    this.registry = new ModelRegistry(b.store, loader, b.drainGrace);
    this.tracing = b.tracing;
    this.closeAtStop = List.copyOf(b.closeAtStop);
    this.drainGrace = b.drainGrace;
    this.drainQuiet = b.drainQuiet;
    this.warmup = b.warmup;
    this.health = new HealthReporter(registry);
    metrics.knownModels(registry::isKnown);
    metrics.admission(b.admission);
    registry.addListener(metricsListener(metrics));
    registry.addListener(e -> health.update());
    this.stack =
        new ServiceStack(registry, metrics, health, b.admission, b.interceptors, b.tracing);
    for (ServerBuilder<?> builder : b.listeners) {
      stack.addTo(builder);
      servers.add(builder.build());
    }
  }

  /** Version events as metrics: READY instances get gauges, UNLOADED ones lose them. */
  private static VersionListener metricsListener(ServerMetrics metrics) {
    return e -> {
      switch (e.state()) {
        case READY -> metrics.versionLoaded(e.instance());
        case UNLOADED -> {
          if (e.instance() != null) {
            metrics.versionUnloaded(e.instance());
          }
        }
        case FAILED -> metrics.loadFailed(e.model());
        default -> {}
      }
    };
  }

  /**
   * Opens the listeners, then loads every model, then warms up if asked; returns once all are READY
   * or FAILED and warm.
   */
  public ModelportServer start() throws IOException, StoreException {
    for (Server s : servers) {
      s.start();
      if (s.getPort() > 0) {
        log.info("modelport listening on port {}", s.getPort());
      } else {
        log.info("modelport listening on {}", s.getListenSockets());
      }
    }
    if (!warmup.isZero()) {
      health.hold(); // NOT_SERVING until the warm-up is over, even when every model is READY
    }
    registry.reload("");
    if (!warmup.isZero()) {
      try {
        warmedUp = Warmup.run(registry, stack.warmupServices(), warmup);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IOException | RuntimeException e) {
        // a warm-up is an optimisation: whatever stops it must not stop the server from serving
        log.warn("warm-up skipped: {}", e.toString());
      } finally {
        health.release();
      }
    }
    health.update();
    return this;
  }

  /** What the warm-up did, per model (empty without one). */
  Map<String, Warmup.Outcome> warmedUp() {
    return warmedUp;
  }

  /** The first TCP listener's bound port (useful with port 0), or -1 without TCP. */
  public int port() {
    return servers.stream().mapToInt(Server::getPort).filter(p -> p > 0).findFirst().orElse(-1);
  }

  /** Every address the listeners are bound to (TCP sockets and Unix domain sockets). */
  public List<java.net.SocketAddress> listenAddresses() {
    List<java.net.SocketAddress> out = new ArrayList<>();
    servers.forEach(s -> out.addAll(s.getListenSockets()));
    return out;
  }

  public ModelRegistry registry() {
    return registry;
  }

  public ServerMetrics metrics() {
    return metrics;
  }

  /**
   * Shuts down in a fixed order: health NOT_SERVING, stop accepting calls, let calls in flight
   * finish (bounded by the drain grace), cancel the rest, then drain the workers and close every
   * predictor and model, the call pool and tracing. Idempotent.
   */
  public void stop() {
    synchronized (stopLock) {
      if (stopped) {
        return;
      }
      stopped = true;
    }
    log.info("shutting down: health NOT_SERVING, draining for up to {}s", drainGrace.toSeconds());
    health.shutdown();
    servers.forEach(Server::shutdown);
    long deadline = System.nanoTime() + drainGrace.toNanos();
    try {
      // Inference and model calls finish first; then whatever is left (health watches and
      // reflection sessions, which never end by themselves) is cut rather than waited for.
      if (stack
          .calls()
          .awaitQuiet(Math.min(drainQuiet.toNanos(), drainGrace.toNanos()), drainGrace.toNanos())) {
        servers.forEach(Server::shutdownNow);
      }
      for (Server s : servers) {
        long left = deadline - System.nanoTime();
        if (!s.awaitTermination(Math.max(0, left), TimeUnit.NANOSECONDS)) {
          log.warn("calls still running after {}s; cancelling them", drainGrace.toSeconds());
          s.shutdownNow();
          s.awaitTermination(5, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      servers.forEach(Server::shutdownNow);
    }
    stack.close();
    registry.close();
    tracing.close(); // sends the spans still buffered
    for (AutoCloseable c : closeAtStop) {
      try {
        c.close();
      } catch (Exception e) {
        log.warn("closing {} at stop: {}", c, e.toString());
      }
    }
    log.info("stopped");
  }

  public void awaitTermination() throws InterruptedException {
    for (Server s : servers) {
      s.awaitTermination();
    }
  }
}
