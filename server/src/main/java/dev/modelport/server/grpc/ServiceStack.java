package dev.modelport.server.grpc;

import dev.modelport.server.admission.Admission;
import dev.modelport.server.metrics.ServerMetrics;
import dev.modelport.server.registry.ModelRegistry;
import dev.modelport.server.tracing.Tracing;
import dev.modelport.v1.InferenceServiceGrpc;
import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The services every listener serves, each inside its interceptors in one fixed order, and which
 * thread runs each call. One per server; {@link #close()} (after the listeners have terminated)
 * shuts down the pool for calls that may block.
 *
 * <p>Interceptor order, innermost first: strict parsing (bytes that do not parse become
 * INVALID_ARGUMENT, not UNKNOWN), the drain's call count (inference and model calls), the heap
 * budget of admission (inference), the caller's interceptors (authentication, access log: last =
 * outermost), the receive gate of admission (inference: it must see each message first), tracing
 * (outermost, so refused calls have spans too; health and reflection get none).
 *
 * <p>Threads: inference and health calls run their cheap part (resolve, validate, enqueue) on the
 * transport thread that read them; models never run there (workers do). The default executor is
 * therefore the direct one: with gRPC's default pool, every call's first step (method lookup) is
 * handed to a pool thread even when the supplier then picks the transport thread, one thread
 * wake-up per call (12 % of the server's CPU at iris 64 callers, BENCHMARKS.md, "The hop before the
 * transport thread"). Everything else (ModelService and the OIP repository calls, which may block
 * for a reload; reflection; the OIP metadata calls) goes to the blocking pool.
 */
public final class ServiceStack implements AutoCloseable {
  private static final String OIP_INFER =
      dev.modelport.oip.GRPCInferenceServiceGrpc.getModelInferMethod().getFullMethodName();

  private static final String OIP_STREAM_INFER =
      dev.modelport.oip.GRPCInferenceServiceGrpc.getModelStreamInferMethod().getFullMethodName();

  /** Calls that may block: a cached pool of daemon threads, like gRPC's own default. */
  private final ExecutorService blockingCalls =
      Executors.newCachedThreadPool(
          new com.google.common.util.concurrent.ThreadFactoryBuilder()
              .setNameFormat("modelport-call-%d")
              .setDaemon(true)
              .build());

  private final CallsInFlight calls = new CallsInFlight();
  private final List<ServerServiceDefinition> services;
  private final List<ServerServiceDefinition> warmupServices;

  @SuppressWarnings("deprecation") // v1alpha reflection: older grpcurl and IDEs still ask for it
  public ServiceStack(
      ModelRegistry registry,
      ServerMetrics metrics,
      HealthReporter health,
      Admission admission,
      List<ServerInterceptor> interceptors,
      Tracing tracing) {
    ServerInterceptor traced = tracing.serverInterceptor(); // null when off
    this.services =
        List.of(
                new InferenceServiceImpl(registry, metrics, tracing),
                new ModelServiceImpl(registry),
                new OipServiceImpl(registry, metrics, tracing),
                health.service(),
                ProtoReflectionServiceV1.newInstance(),
                ProtoReflectionService.newInstance())
            .stream()
            .map(s -> wrap(s, calls, admission, interceptors, traced))
            .toList();
    CallsInFlight warmupCalls = new CallsInFlight();
    this.warmupServices =
        List.of(
            wrap(InferenceServiceImpl.uncounted(registry), warmupCalls, admission, List.of(), null),
            wrap(OipServiceImpl.uncounted(registry), warmupCalls, admission, List.of(), null));
  }

  /** Routes {@code builder}'s calls as described above and adds every service to it. */
  public void addTo(ServerBuilder<?> builder) {
    builder.directExecutor().callExecutor(new Routing(blockingCalls));
    services.forEach(builder::addService);
  }

  /** The inference and model calls in flight on every listener (the drain waits for them). */
  public CallsInFlight calls() {
    return calls;
  }

  /**
   * The services the start-up warm-up calls: the same request path, but uncounted (no metrics,
   * statistics or spans) and without the caller's interceptors.
   */
  public List<ServerServiceDefinition> warmupServices() {
    return warmupServices;
  }

  /** Shuts down the blocking pool; call once the listeners have terminated. */
  @Override
  public void close() {
    blockingCalls.shutdown();
  }

  /** {@code s} as every listener serves it (the order in the class comment). */
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
      def = AdmissionParsing.gateUnaryCalls(def, admission.receiving());
    }
    if (traced != null && (inference || s instanceof ModelServiceImpl)) {
      def = ServerInterceptors.intercept(def, traced);
    }
    return def;
  }

  /** True for the calls that stay on the transport thread. */
  static boolean onTransportThread(MethodDescriptor<?, ?> method) {
    String service = method.getServiceName();
    String name = method.getFullMethodName();
    return InferenceServiceGrpc.SERVICE_NAME.equals(service)
        || io.grpc.health.v1.HealthGrpc.SERVICE_NAME.equals(service)
        || OIP_INFER.equals(name)
        || OIP_STREAM_INFER.equals(name);
  }

  /** The supplier's null means "stay on the default", the transport thread (direct executor). */
  private record Routing(ExecutorService blocking) implements ServerCallExecutorSupplier {
    @Override
    public <ReqT, RespT> java.util.concurrent.Executor getExecutor(
        ServerCall<ReqT, RespT> call, Metadata headers) {
      return onTransportThread(call.getMethodDescriptor()) ? null : blocking;
    }
  }
}
