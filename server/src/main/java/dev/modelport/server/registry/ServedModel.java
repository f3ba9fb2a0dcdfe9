package dev.modelport.server.registry;

import dev.modelport.server.runtime.ServedVersion;
import dev.modelport.store.ModelDefinition;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * One model's serving state. Requests read it without locks: {@code ready} is a concurrent sorted
 * map (newest version last, so the default version is its last key) and the other fields are
 * volatile. Reloads of one model are serialised on {@link #reloadLock}.
 */
final class ServedModel {
  final String name;
  final Object reloadLock = new Object();

  /** READY versions, the only ones requests reach. */
  final ConcurrentSkipListMap<Long, ServedVersion> ready = new ConcurrentSkipListMap<>();

  /** Versions loading, failed or unloading, and notes on READY ones whose reload failed. */
  final Map<Long, VersionNote> notes = new ConcurrentHashMap<>();

  /** The last definition read from the store (its config may be newer than a serving version's). */
  volatile ModelDefinition definition;

  ServedModel(String name, ModelDefinition definition) {
    this.name = name;
    this.definition = definition;
  }

  /** The newest READY version. */
  Optional<ServedVersion> defaultVersion() {
    Map.Entry<Long, ServedVersion> e = ready.lastEntry();
    return e == null ? Optional.empty() : Optional.of(e.getValue());
  }
}
