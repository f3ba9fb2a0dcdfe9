package dev.modelport.server.registry;

import dev.modelport.server.runtime.ServedVersion;

/** Told about version lifecycle events; called on loader and unloader threads. */
public interface VersionListener {
  /** {@code v} is READY and about to take requests. */
  void loaded(ServedVersion v);

  /** {@code v} drained and closed. */
  void unloaded(ServedVersion v);

  /** Version {@code version} of {@code model} failed to load. */
  void loadFailed(String model, long version, String message);
}
