package dev.modelport.server.registry;

import dev.modelport.server.runtime.ServedVersion;
import java.util.Objects;

/**
 * The one record the registry keeps per model version: its state, the instance that serves it while
 * READY (null otherwise), and a message (why it FAILED, or a note on a READY version, such as "kept
 * serving: version 3 failed to load"). Immutable: a change is a new record, made only through the
 * transition methods, which refuse to move a state backwards.
 */
record VersionRecord(long version, VersionState state, ServedVersion served, String message) {
  VersionRecord {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(message, "message");
    if ((state == VersionState.READY) != (served != null)) {
      throw new IllegalArgumentException("an instance exactly when READY: " + state);
    }
  }

  /** A first (or new) attempt at loading {@code version}. */
  static VersionRecord loading(long version) {
    return new VersionRecord(version, VersionState.LOADING, null, "");
  }

  VersionRecord ready(ServedVersion instance) {
    return to(VersionState.READY, instance, "");
  }

  /** Still READY on the same instance, with a new note (empty to clear it). */
  VersionRecord noted(String note) {
    return to(VersionState.READY, served, note);
  }

  VersionRecord failed(String why) {
    return to(VersionState.FAILED, null, why);
  }

  VersionRecord unloading() {
    return to(VersionState.UNLOADING, null, "");
  }

  private VersionRecord to(VersionState next, ServedVersion instance, String note) {
    if (!state.canMoveTo(next)) {
      throw new IllegalStateException(
          "version " + version + ": " + state + " cannot move to " + next);
    }
    return new VersionRecord(version, next, instance, note);
  }
}
