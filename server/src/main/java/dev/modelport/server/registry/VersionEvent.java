package dev.modelport.server.registry;

import dev.modelport.server.runtime.ServedVersion;

/**
 * One step in the life of one load of a model version, as listeners (health, metrics) see it. Every
 * load emits LOADING, then READY or FAILED; every instance that was READY later emits UNLOADING,
 * then UNLOADED. A changed version (same number, new files) is a new load: its READY comes before
 * the replaced instance's UNLOADING.
 *
 * @param instance the loaded instance for READY, UNLOADING and UNLOADED; null for LOADING, FAILED
 * @param message why, for FAILED; empty otherwise
 */
public record VersionEvent(
    String model, long version, VersionState state, ServedVersion instance, String message) {
  /** The version number of events about a model as a whole (versions are positive). */
  public static final long WHOLE_MODEL = 0;
}
