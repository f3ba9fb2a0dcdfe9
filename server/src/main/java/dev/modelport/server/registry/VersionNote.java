package dev.modelport.server.registry;

import dev.modelport.v1.ModelState;

/**
 * What the registry knows about a version that is not (or not only) a READY served version: it is
 * loading, failed, unloading, or its latest reload failed while an earlier load keeps serving.
 */
record VersionNote(ModelState state, String message) {
  static VersionNote loading() {
    return new VersionNote(ModelState.MODEL_STATE_LOADING, "");
  }

  static VersionNote failed(String message) {
    return new VersionNote(ModelState.MODEL_STATE_FAILED, message);
  }

  static VersionNote unloading() {
    return new VersionNote(ModelState.MODEL_STATE_UNLOADING, "");
  }
}
