package dev.modelport.server.registry;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.modelport.server.runtime.ServedVersion;
import dev.modelport.store.ModelDefinition;
import dev.modelport.v1.ModelConfig;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * One model as the registry holds it: one {@link VersionRecord} per version, the definition last
 * read from the store, and the lock that serialises this model's reloads.
 *
 * <p>Requests read records without locks: the map is a concurrent sorted map (newest version last)
 * whose values are immutable. Every record change goes through {@link #change}, which posts the
 * change's events under a short lock of its own, so listeners see this model's events in the order
 * the records changed. The reload lock is held for as long as a reload loads (seconds); nothing on
 * the request path takes either lock.
 */
final class ModelEntry {
  final String name;

  /** Serialises reloads of this model; created with the entry, like everything it guards. */
  final Object reloadLock = new Object();

  private final Object stateLock = new Object();
  private final EventDelivery events;
  private final ConcurrentSkipListMap<Long, VersionRecord> records = new ConcurrentSkipListMap<>();

  /** The definition last read from the store (its config may be newer than a serving version's). */
  private volatile ModelDefinition definition;

  /** The last config that parsed and validated: labels keep resolving while a new one is broken. */
  private volatile ModelConfig config;

  /** Set once this entry left the registry; a reload that waited for its lock must start over. */
  @GuardedBy("reloadLock")
  boolean removed;

  ModelEntry(String name, EventDelivery events) {
    this.name = name;
    this.events = events;
  }

  ModelDefinition definition() {
    return definition;
  }

  /** The last valid config, or null when none was ever read. */
  ModelConfig config() {
    return config;
  }

  void define(ModelDefinition d) {
    definition = d;
    if (d.config() != null) {
      config = d.config();
    }
  }

  VersionRecord record(long version) {
    return records.get(version);
  }

  /** Every record, oldest version first. */
  Collection<VersionRecord> records() {
    return records.values();
  }

  /** The newest READY version: the one a request without a version gets. */
  Optional<ServedVersion> defaultVersion() {
    for (VersionRecord r : records.descendingMap().values()) {
      if (r.state() == VersionState.READY) {
        return Optional.of(r.served());
      }
    }
    return Optional.empty();
  }

  boolean hasReady() {
    return defaultVersion().isPresent();
  }

  /**
   * Replaces the record of {@code next.version()} (which must still be {@code expected}, or absent
   * when {@code expected} is null) and posts {@code emitted} in the same step. Returns false, and
   * changes nothing, when the record is no longer {@code expected}.
   */
  boolean change(VersionRecord expected, VersionRecord next, VersionEvent... emitted) {
    synchronized (stateLock) {
      if (records.get(next.version()) != expected) {
        return false;
      }
      records.put(next.version(), next);
      post(emitted);
      return true;
    }
  }

  /** Puts a new attempt's record in place of whatever is there (absent, FAILED or UNLOADING). */
  void start(VersionRecord loading, VersionEvent... emitted) {
    synchronized (stateLock) {
      records.put(loading.version(), loading);
      post(emitted);
    }
  }

  /** Drops {@code expected}'s record if it is still the current one, posting {@code emitted}. */
  boolean drop(VersionRecord expected, VersionEvent... emitted) {
    synchronized (stateLock) {
      if (!records.remove(expected.version(), expected)) {
        return false;
      }
      post(emitted);
      return true;
    }
  }

  /** Posts events that change no record (an attempt that failed beside a READY instance). */
  void post(VersionEvent... emitted) {
    synchronized (stateLock) {
      for (VersionEvent e : emitted) {
        events.post(e);
      }
    }
  }

  VersionEvent event(long version, VersionState state, ServedVersion instance, String message) {
    return new VersionEvent(name, version, state, instance, message);
  }

  /** A read-only view for status rendering and tests. */
  Map<Long, VersionRecord> view() {
    return java.util.Collections.unmodifiableMap(records);
  }
}
