package dev.modelport.server.registry;

import dev.modelport.v1.ModelState;

/**
 * Where one load of a model version is in its life. States only move forward (TF Serving's {@code
 * ServableState}): LOADING → READY → UNLOADING → UNLOADED, or LOADING → FAILED. A new attempt at a
 * version that FAILED is a new load with its own life.
 */
public enum VersionState {
  LOADING,
  READY,
  UNLOADING,
  /** Drained and freed; only listeners see it (the record is gone). */
  UNLOADED,
  FAILED;

  /**
   * Whether a record may move from this state to {@code next}. READY → READY is a READY record
   * whose serving instance was replaced by a newer load of the same version, or whose message
   * changed.
   */
  boolean canMoveTo(VersionState next) {
    return switch (this) {
      case LOADING -> next == READY || next == FAILED;
      case READY -> next == READY || next == UNLOADING;
      case UNLOADING -> next == UNLOADED;
      case UNLOADED, FAILED -> false;
    };
  }

  /** The contract's state (UNLOADED records are never shown). */
  ModelState toProto() {
    return switch (this) {
      case LOADING -> ModelState.MODEL_STATE_LOADING;
      case READY -> ModelState.MODEL_STATE_READY;
      case UNLOADING, UNLOADED -> ModelState.MODEL_STATE_UNLOADING;
      case FAILED -> ModelState.MODEL_STATE_FAILED;
    };
  }
}
