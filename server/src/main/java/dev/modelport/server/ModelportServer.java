package dev.modelport.server;

import dev.modelport.server.admission.Admission;
import dev.modelport.server.grpc.AdmissionParsing;
import dev.modelport.server.grpc.CallsInFlight;
import dev.modelport.server.grpc.HealthReporter;
import dev.modelport.server.grpc.InferenceServiceImpl;
import dev.modelport.server.grpc.ModelServiceImpl;
import dev.modelport.server.grpc.OipServiceImpl;
import dev.modelport.server.grpc.StrictRequestParsing;
import dev.modelport.server.metrics.ServerMetrics;
import dev.modelport.server.placement.DeviceTopology;
import dev.modelport.server.registry.ModelRegistry;
import dev.modelport.server.registry.VersionListener;
import dev.modelport.server.runtime.VersionLoader;
import dev.modelport.server.tracing.Tracing;
import dev.modelport.store.ModelStore;
import dev.modelport.store.StoreException;
import dev.modelport.v1.InferenceServiceGrpc;
import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The assembled server: registry, InferenceService, ModelService, health and reflection (v1 and
 * v1alpha) on one or more gRPC listeners (TCP, Unix socket). Takes its {@link ServerBuilder}s so
 * tests can use any transport. The listeners open before models load, so probes see NOT_SERVING
 * until the models are READY.
 */
public final class ModelportServer {
  private static final Logger log = LoggerFactory.getLogger(ModelportServer.class);

  private final List<Server> servers = new ArrayList<>();
  private final ModelRegistry registry;
  private final ServerMetrics metrics;
  private final HealthReporter health;
  private final Duration drainGrace;
  private final Object stopLock = new Object();
  private final CallsInFlight calls = new CallsInFlight();
  private final Tracing tracing;
  private final List<ServerServiceDefinition> warmupServices;
  private Duration warmup = Duration.ZERO;
  private Map<String, Warmup.Outcome> warmedUp = Map.of();
  private boolean stopped;

  /** A server on {@code builder} for the models in {@code store}, on the devices DJL sees. */
  public static ModelportServer create(
      ServerBuilder<?> builder, ModelStore store, Duration drainGrace) {
    return create(List.of(builder), store, drainGrace, List.of(), DeviceTopology::of);
  }

  /**
   * A server on {@code builders} (one per listener) for the models in {@code store}, with metrics,
   * {@code interceptors} (e.g. authentication) on every service, loading on {@code topologies}.
   */
  public static ModelportServer create(
      List<ServerBuilder<?>> builders,
      ModelStore store,
      Duration drainGrace,
      List<ServerInterceptor> interceptors,
      Function<String, DeviceTopology> topologies) {
    return create(builders, store, drainGrace, interceptors, topologies, defaultAdmission());
  }

  /** The admission limits the server runs with when no flag changes them. */
  public static Admission defaultAdmission() {
    return Admission.of(
        ServerOptions.DEFAULT_REQUEST_MEMORY_PERCENT, ServerOptions.DEFAULT_MAX_MESSAGE_BYTES);
  }

  /** As above, with {@code admission} bounding the memory that requests in flight may hold. */
  public static ModelportServer create(
      List<ServerBuilder<?>> builders,
      ModelStore store,
      Duration drainGrace,
      List<ServerInterceptor> interceptors,
      Function<String, DeviceTopology> topologies,
      Admission admission) {
    return create(builders, store, drainGrace, interceptors, topologies, admission, Tracing.OFF);
  }

  /** As above, with {@code tracing} (which {@link #stop()} closes, sending the last spans). */
  public static ModelportServer create(
      List<ServerBuilder<?>> builders,
      ModelStore store,
      Duration drainGrace,
      List<ServerInterceptor> interceptors,
      Function<String, DeviceTopology> topologies,
      Admission admission,
      Tracing tracing) {
    ServerMetrics metrics = new ServerMetrics();
    VersionLoader loader = new VersionLoader(topologies, metrics::batchObserver);
    ModelRegistry registry = new ModelRegistry(store, loader, drainGrace);
    return new ModelportServer(
        builders, registry, drainGrace, metrics, interceptors, admission, tracing);
  }

  public ModelportServer(
      List<ServerBuilder<?>> builders,
      ModelRegistry registry,
      Duration drainGrace,
      ServerMetrics metrics,
      List<ServerInterceptor> interceptors,
      Admission admission) {
    this(builders, registry, drainGrace, metrics, interceptors, admission, Tracing.OFF);
  }

  @SuppressWarnings("deprecation") // v1alpha reflection: older grpcurl and IDEs still ask for it
  public ModelportServer(
      List<ServerBuilder<?>> builders,
      ModelRegistry registry,
      Duration drainGrace,
      ServerMetrics metrics,
      List<ServerInterceptor> interceptors,
      Admission admission,
      Tracing tracing) {
    this.registry = registry;
    this.tracing = tracing;
    this.metrics = metrics;
    this.drainGrace = drainGrace;
    this.health = new HealthReporter(registry);
    metrics.knownModels(registry::isKnown);
    metrics.admission(admission);
    registry.addListener(metricsListener(metrics));
    registry.addListener(e -> health.update());
    List<BindableService> services =
        List.of(
            new InferenceServiceImpl(registry, metrics, tracing),
            new ModelServiceImpl(registry),
            new OipServiceImpl(registry, metrics, tracing),
            health.service(),
            ProtoReflectionServiceV1.newInstance(),
            ProtoReflectionService.newInstance());
    ServerInterceptor traced = tracing.serverInterceptor(); // null when off
    for (ServerBuilder<?> builder : builders) {
      routeCalls(builder);
      for (BindableService s : services) {
        builder.addService(wrap(s, calls, admission, interceptors, traced));
      }
      servers.add(builder.build());
    }
    CallsInFlight warmupCalls = new CallsInFlight();
    this.warmupServices =
        List.of(
            wrap(InferenceServiceImpl.uncounted(registry), warmupCalls, admission, List.of(), null),
            wrap(OipServiceImpl.uncounted(registry), warmupCalls, admission, List.of(), null));
  }

  /** {@code s} as every listener serves it: strict parsing, admission, drain, interceptors. */
  private static ServerServiceDefinition wrap(
      BindableService s,
      CallsInFlight calls,
      Admission admission,
      List<ServerInterceptor> interceptors,
      ServerInterceptor traced) {
    ServerServiceDefinition def = StrictRequestParsing.wrap(s.bindService());
    boolean inference = s instanceof InferenceServiceImpl || s instanceof OipServiceImpl;
    if (inference || s instanceof ModelServiceImpl) {
      def = ServerInterceptors.intercept(def, calls);
    }
    if (inference) {
      def = AdmissionParsing.wrap(def, admission.heap());
    }
    def = ServerInterceptors.intercept(def, interceptors);
    if (inference) {
      // outermost: it sees each message first, and gates reading before any other interceptor
      def = AdmissionParsing.gateUnaryCalls(def, admission.receiving());
    }
    if (traced != null && (inference || s instanceof ModelServiceImpl)) {
      // outermost, so refused calls have spans too; health probes and reflection get none
      def = ServerInterceptors.intercept(def, traced);
    }
    return def;
  }

  /**
   * Inference and health calls run their cheap part (resolve, validate, enqueue) on the transport
   * thread that read them; models never run there (workers do). The server's default executor is
   * therefore the direct one: with gRPC's default pool, every call's first step (method lookup) is
   * handed to a pool thread even when the supplier then picks the transport thread, one thread
   * wake-up per call (12 % of the server's CPU at iris 64 callers, BENCHMARKS.md, "The hop before
   * the transport thread"). Everything else (ModelService and the OIP repository calls, which may
   * block for a reload; reflection; the OIP metadata calls) goes to {@link #BLOCKING_CALLS}.
   */
  private static final String OIP_INFER =
      dev.modelport.oip.GRPCInferenceServiceGrpc.getModelInferMethod().getFullMethodName();

  private static final String OIP_STREAM_INFER =
      dev.modelport.oip.GRPCInferenceServiceGrpc.getModelStreamInferMethod().getFullMethodName();

  /** Calls that may block: a cached pool of daemon threads, like gRPC's own default. */
  private static final Executor BLOCKING_CALLS =
      java.util.concurrent.Executors.newCachedThreadPool(
          new com.google.common.util.concurrent.ThreadFactoryBuilder()
              .setNameFormat("modelport-call-%d")
              .setDaemon(true)
              .build());

  /** True for the calls that stay on the transport thread. */
  static boolean onTransportThread(io.grpc.MethodDescriptor<?, ?> method) {
    String service = method.getServiceName();
    String name = method.getFullMethodName();
    return InferenceServiceGrpc.SERVICE_NAME.equals(service)
        || io.grpc.health.v1.HealthGrpc.SERVICE_NAME.equals(service)
        || OIP_INFER.equals(name)
        || OIP_STREAM_INFER.equals(name);
  }

  /**
   * Sets {@code builder}'s executors as described above (the supplier's null means "stay on the
   * default", which is only the transport thread when the default is the direct executor).
   */
  static <T extends ServerBuilder<T>> T routeCalls(ServerBuilder<T> builder) {
    return builder.directExecutor().callExecutor(INFERENCE_ON_TRANSPORT_THREAD);
  }

  private static final ServerCallExecutorSupplier INFERENCE_ON_TRANSPORT_THREAD =
      new ServerCallExecutorSupplier() {
        @Override
        public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata headers) {
          return onTransportThread(call.getMethodDescriptor()) ? null : BLOCKING_CALLS;
        }
      };

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
        warmedUp = Warmup.run(registry, warmupServices, warmup);
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

  /**
   * Before {@link #start()}: after loading, warm up for {@code duration} (see {@link Warmup})
   * before health turns SERVING. Zero (the default here; the command line's is 3 s) turns it off.
   */
  public ModelportServer warmup(Duration duration) {
    this.warmup = duration;
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
   * predictor and model. Idempotent.
   */
  /** How long a drain waits with no call starting before it cuts what is left (health watches). */
  static final Duration DRAIN_QUIET = Duration.ofMillis(250);

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
      if (calls.awaitQuiet(
          Math.min(DRAIN_QUIET.toNanos(), drainGrace.toNanos()), drainGrace.toNanos())) {
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
    registry.close();
    tracing.close(); // sends the spans still buffered
    log.info("stopped");
  }

  public void awaitTermination() throws InterruptedException {
    for (Server s : servers) {
      s.awaitTermination();
    }
  }
}
