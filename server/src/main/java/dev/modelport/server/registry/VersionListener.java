package dev.modelport.server.registry;

/**
 * Told about every {@link VersionEvent}, once each, in the order they happened, on one registry
 * thread that holds no registry lock. Must not call {@link ModelRegistry#reload} (the reload would
 * wait for this listener's own thread).
 */
@FunctionalInterface
public interface VersionListener {
  void onEvent(VersionEvent event);
}
