package dev.modelport.server.grpc;

import dev.modelport.server.registry.ModelRegistry;
import dev.modelport.v1.InferenceServiceGrpc;
import io.grpc.BindableService;
import io.grpc.SynchronizationContext;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code grpc.health.v1.Health} in step with the registry: {@code ""} is the server; {@code
 * modelport.v1.InferenceService} and {@code inference.GRPCInferenceService} are SERVING when every
 * model has a READY version; each model name is a service of its own, SERVING while it has a READY
 * version.
 *
 * <p>No lock is held while calling out (to the registry, or to the health service, which notifies
 * its watchers): every change runs in a {@link SynchronizationContext}, one at a time and in order,
 * on whichever thread asked for it, and each re-reads the registry when it runs, so the last one to
 * run reports the newest readiness. {@code reported} is confined to that context; the two flags are
 * volatile because {@link #hold()} and {@link #shutdown()} must take effect at once.
 */
public final class HealthReporter {
  private static final Logger log = LoggerFactory.getLogger(HealthReporter.class);
  private static final String INFERENCE = InferenceServiceGrpc.SERVICE_NAME;
  private static final String OIP = dev.modelport.oip.GRPCInferenceServiceGrpc.SERVICE_NAME;

  private final HealthStatusManager health = new HealthStatusManager();
  private final ModelRegistry registry;
  private final SynchronizationContext serial =
      new SynchronizationContext((t, e) -> log.error("health: an update failed", e));

  /** Model names with a status, as last reported (only touched inside {@link #serial}). */
  private final Set<String> reported = new HashSet<>();

  private volatile boolean terminal;
  private volatile boolean held;

  public HealthReporter(ModelRegistry registry) {
    this.registry = registry;
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.NOT_SERVING);
    health.setStatus(INFERENCE, ServingStatus.NOT_SERVING);
    health.setStatus(OIP, ServingStatus.NOT_SERVING);
  }

  public BindableService service() {
    return health.getHealthService();
  }

  /** Re-reads model readiness; the server itself turns SERVING on the first call. */
  public void update() {
    serial.execute(this::report);
  }

  private void report() {
    if (terminal || held) {
      return;
    }
    Map<String, Boolean> ready = registry.readiness();
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
    boolean all = true; // vacuously true for an empty store
    for (Map.Entry<String, Boolean> e : ready.entrySet()) {
      all &= e.getValue();
      health.setStatus(
          e.getKey(), e.getValue() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
    }
    for (String gone : reported) {
      if (!ready.containsKey(gone)) {
        health.clearStatus(gone);
      }
    }
    reported.clear();
    reported.addAll(ready.keySet());
    health.setStatus(INFERENCE, all ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
    health.setStatus(OIP, all ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
  }

  /**
   * Keeps every status as it is (NOT_SERVING at start-up) until {@link #release()}: the server
   * warms up before it asks for traffic.
   */
  public void hold() {
    held = true;
  }

  /** Ends {@link #hold()} and reports the registry's readiness. */
  public void release() {
    held = false;
    update();
  }

  /**
   * Everything NOT_SERVING for good: the first step of shutdown, before the drain. Returns once the
   * health service says so (an update running on another thread finishes first, then this).
   */
  public void shutdown() {
    terminal = true; // updates that run from now on report nothing
    CountDownLatch done = new CountDownLatch(1);
    serial.execute(
        () -> {
          health.enterTerminalState();
          done.countDown();
        });
    try {
      if (!done.await(10, TimeUnit.SECONDS)) {
        log.warn("health: NOT_SERVING took more than 10 s to report");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
