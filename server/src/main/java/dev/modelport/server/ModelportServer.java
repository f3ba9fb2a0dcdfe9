package dev.modelport.server;

import com.google.common.util.concurrent.MoreExecutors;
import dev.modelport.server.grpc.HealthReporter;
import dev.modelport.server.grpc.InferenceServiceImpl;
import dev.modelport.server.grpc.ModelServiceImpl;
import dev.modelport.server.metrics.ServerMetrics;
import dev.modelport.server.placement.DeviceTopology;
import dev.modelport.server.registry.ModelRegistry;
import dev.modelport.server.registry.VersionListener;
import dev.modelport.server.runtime.ServedVersion;
import dev.modelport.server.runtime.VersionLoader;
import dev.modelport.store.ModelStore;
import dev.modelport.store.StoreException;
import dev.modelport.v1.InferenceServiceGrpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The assembled server: registry, InferenceService, ModelService, health and reflection (v1 and
 * v1alpha) on one gRPC server. Takes its {@link ServerBuilder} so tests can use the in-process
 * transport. The port opens before models load, so probes see NOT_SERVING until they are READY.
 */
public final class ModelportServer {
  private static final Logger log = LoggerFactory.getLogger(ModelportServer.class);

  private final Server server;
  private final ModelRegistry registry;
  private final ServerMetrics metrics;
  private final HealthReporter health;
  private final Duration drainGrace;
  private final Object stopLock = new Object();
  private boolean stopped;

  /**
   * A server on {@code builder} for the models in {@code store}, with metrics, loading on the
   * devices DJL sees.
   */
  public static ModelportServer create(
      ServerBuilder<?> builder, ModelStore store, Duration drainGrace) {
    return create(builder, store, drainGrace, DeviceTopology::of);
  }

  /** As {@link #create(ServerBuilder, ModelStore, Duration)}, on a given device topology. */
  public static ModelportServer create(
      ServerBuilder<?> builder,
      ModelStore store,
      Duration drainGrace,
      Function<String, DeviceTopology> topologies) {
    ServerMetrics metrics = new ServerMetrics();
    VersionLoader loader = new VersionLoader(topologies, metrics::batchObserver);
    ModelRegistry registry = new ModelRegistry(store, loader, drainGrace);
    return new ModelportServer(builder, registry, drainGrace, metrics);
  }

  @SuppressWarnings("deprecation") // v1alpha reflection: older grpcurl and IDEs still ask for it
  public ModelportServer(
      ServerBuilder<?> builder,
      ModelRegistry registry,
      Duration drainGrace,
      ServerMetrics metrics) {
    this.registry = registry;
    this.metrics = metrics;
    metrics.knownModels(registry::isKnown);
    registry.addVersionListener(
        new VersionListener() {
          @Override
          public void loaded(ServedVersion v) {
            metrics.versionLoaded(v);
          }

          @Override
          public void unloaded(ServedVersion v) {
            metrics.versionUnloaded(v);
          }

          @Override
          public void loadFailed(String model, long version, String message) {
            metrics.loadFailed(model);
          }
        });
    this.health = new HealthReporter(registry);
    this.drainGrace = drainGrace;
    registry.addListener(health::update);
    // Inference calls run their cheap part (resolve, validate, enqueue) on the transport thread
    // that read them: one thread hop fewer per request. Models never run there (workers do), and
    // ModelService calls, which may block for a reload, keep the default executor.
    builder.callExecutor(
        new ServerCallExecutorSupplier() {
          @Override
          public <ReqT, RespT> Executor getExecutor(
              ServerCall<ReqT, RespT> call, Metadata headers) {
            return InferenceServiceGrpc.SERVICE_NAME.equals(
                    call.getMethodDescriptor().getServiceName())
                ? MoreExecutors.directExecutor()
                : null;
          }
        });
    this.server =
        builder
            .addService(new InferenceServiceImpl(registry, metrics))
            .addService(new ModelServiceImpl(registry))
            .addService(health.service())
            .addService(ProtoReflectionServiceV1.newInstance())
            .addService(ProtoReflectionService.newInstance())
            .build();
  }

  /** Opens the port, then loads every model in the store; returns once all are READY or FAILED. */
  public ModelportServer start() throws IOException, StoreException {
    server.start();
    log.info("modelport listening on port {}", server.getPort());
    registry.reload("");
    health.update();
    return this;
  }

  /** The bound port (useful with port 0). */
  public int port() {
    return server.getPort();
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
  public void stop() {
    synchronized (stopLock) {
      if (stopped) {
        return;
      }
      stopped = true;
    }
    log.info("shutting down: health NOT_SERVING, draining for up to {}s", drainGrace.toSeconds());
    health.shutdown();
    server.shutdown();
    try {
      if (!server.awaitTermination(drainGrace.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("calls still running after {}s; cancelling them", drainGrace.toSeconds());
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    }
    registry.close();
    log.info("stopped");
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }
}
