package dev.modelport.server.grpc;

import dev.modelport.server.registry.ModelRegistry;
import dev.modelport.v1.InferenceServiceGrpc;
import io.grpc.BindableService;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Keeps {@code grpc.health.v1.Health} in step with the registry: {@code ""} is the server; {@code
 * modelport.v1.InferenceService} and {@code inference.GRPCInferenceService} are SERVING when every
 * model has a READY version; each model name is a service of its own, SERVING while it has a READY
 * version.
 */
public final class HealthReporter {
  private static final String INFERENCE = InferenceServiceGrpc.SERVICE_NAME;
  private static final String OIP = dev.modelport.oip.GRPCInferenceServiceGrpc.SERVICE_NAME;

  private final HealthStatusManager health = new HealthStatusManager();
  private final ModelRegistry registry;
  private final Object lock = new Object();
  private final Set<String> reported = new HashSet<>();
  private boolean terminal;
  private boolean held;

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
    Map<String, Boolean> ready = registry.readiness();
    synchronized (lock) {
      if (terminal || held) {
        return;
      }
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
  }

  /**
   * Keeps every status as it is (NOT_SERVING at start-up) until {@link #release()}: the server
   * warms up before it asks for traffic.
   */
  public void hold() {
    synchronized (lock) {
      held = true;
    }
  }

  /** Ends {@link #hold()} and reports the registry's readiness. */
  public void release() {
    synchronized (lock) {
      held = false;
    }
    update();
  }

  /** Everything NOT_SERVING for good: the first step of shutdown, before the drain. */
  public void shutdown() {
    synchronized (lock) {
      terminal = true;
      health.enterTerminalState();
    }
  }
}
