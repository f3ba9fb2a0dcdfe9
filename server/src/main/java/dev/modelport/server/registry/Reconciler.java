package dev.modelport.server.registry;

import dev.modelport.server.runtime.LoadException;
import dev.modelport.server.runtime.Loader;
import dev.modelport.server.runtime.ServedVersion;
import dev.modelport.store.ModelDefinition;
import dev.modelport.store.VersionEntry;
import dev.modelport.v1.ModelConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves one model's records towards what the store asks for, without ever leaving the model with
 * nothing to serve (TF Serving's availability-preserving policy, made stricter):
 *
 * <ul>
 *   <li>a wanted version that is new, FAILED or gone loads; one whose files or serving config
 *       changed loads beside its READY instance and replaces it only once READY (a failure keeps
 *       the earlier instance, with a note);
 *   <li>a READY version the policy no longer wants keeps serving until every wanted version is
 *       READY; while one is not, it carries a note saying which;
 *   <li>a version whose folder left the store, or a model whose folder did, unloads at once.
 * </ul>
 *
 * Callers hold the model's reload lock. Unloads run on {@code unloadPool} once no request can reach
 * the instance.
 */
final class Reconciler {
  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

  private final Loader loader;
  private final ExecutorService unloadPool;
  private final Duration drainGrace;
  private final BooleanSupplier closed;
  private final Set<CompletableFuture<Void>> unloading;

  Reconciler(
      Loader loader,
      ExecutorService unloadPool,
      Duration drainGrace,
      BooleanSupplier closed,
      Set<CompletableFuture<Void>> unloading) {
    this.loader = loader;
    this.unloadPool = unloadPool;
    this.drainGrace = drainGrace;
    this.closed = closed;
    this.unloading = unloading;
  }

  /** Applies {@code def} (just read from the store) to {@code m}. */
  void apply(ModelEntry m, ModelDefinition def) {
    m.define(def);
    Set<Long> present = Set.copyOf(def.presentVersions());
    if (def.problem() != null) {
      log.warn("{}: {}; versions already serving keep serving", m.name, def.problem());
      for (VersionRecord r : List.copyOf(m.records())) {
        if (!present.contains(r.version())) {
          remove(m, r);
        }
      }
      return;
    }
    Set<Long> folderGone = new HashSet<>();
    for (VersionRecord r : List.copyOf(m.records())) {
      if (r.state() == VersionState.READY && !present.contains(r.version())) {
        folderGone.add(r.version());
        retire(m, r); // its folder left the store: unload as asked, wanted or not
      }
    }
    Set<Long> wanted = new HashSet<>();
    List<VersionEntry> entries = def.versions();
    for (int i = entries.size() - 1; i >= 0; i--) { // newest first: the default comes up first
      wanted.add(entries.get(i).version());
      if (!folderGone.contains(entries.get(i).version())) {
        // (a version whose folder just went is unloading; the next reload reports it missing)
        bringUp(m, def.config(), entries.get(i));
      }
    }
    List<Long> notReady = new ArrayList<>();
    for (VersionEntry w : def.versions()) {
      VersionRecord r = m.record(w.version());
      if (r == null || r.state() != VersionState.READY) {
        notReady.add(w.version());
      }
    }
    for (VersionRecord r : List.copyOf(m.records())) {
      if (wanted.contains(r.version())) {
        continue;
      }
      if (r.state() != VersionState.READY || !present.contains(r.version()) || notReady.isEmpty()) {
        remove(m, r);
      } else {
        String note = "kept serving: " + describe(m, notReady);
        if (!note.equals(r.message())) {
          m.change(r, r.noted(note));
        }
      }
    }
  }

  /** The model left the store: everything goes. */
  void removeAll(ModelEntry m) {
    for (VersionRecord r : List.copyOf(m.records())) {
      remove(m, r);
    }
  }

  private void remove(ModelEntry m, VersionRecord r) {
    switch (r.state()) {
      case READY -> retire(m, r);
      case FAILED, LOADING -> m.drop(r);
      default -> {} // UNLOADING: already on its way out
    }
  }

  private void bringUp(ModelEntry m, ModelConfig config, VersionEntry w) {
    long v = w.version();
    VersionRecord current = m.record(v);
    if (current != null && current.state() == VersionState.READY) {
      ServedVersion serving = current.served();
      if (serving.entry().equals(w) && servingPart(serving.config()).equals(servingPart(config))) {
        if (!current.message().isEmpty()) {
          m.change(current, current.noted(""));
        }
        return;
      }
      replace(m, config, w, current);
      return;
    }
    VersionRecord loading = VersionRecord.loading(v);
    m.start(loading, m.event(v, VersionState.LOADING, null, ""));
    try {
      ServedVersion loaded = load(m, config, w);
      m.change(loading, loading.ready(loaded), m.event(v, VersionState.READY, loaded, ""));
    } catch (LoadException e) {
      log.warn("{} v{}: load failed: {}", m.name, v, e.getMessage());
      m.change(
          loading,
          loading.failed(e.getMessage()),
          m.event(v, VersionState.FAILED, null, e.getMessage()));
    }
  }

  /** Same version, new files or config: load beside the READY instance, swap only when READY. */
  private void replace(ModelEntry m, ModelConfig config, VersionEntry w, VersionRecord current) {
    long v = w.version();
    ServedVersion old = current.served();
    VersionRecord noted =
        current.noted("files changed; the earlier load serves until the new one is READY");
    m.change(current, noted, m.event(v, VersionState.LOADING, null, ""));
    try {
      ServedVersion loaded = load(m, config, w);
      m.change(
          noted,
          noted.ready(loaded),
          m.event(v, VersionState.READY, loaded, ""),
          m.event(v, VersionState.UNLOADING, old, ""));
      unloadLater(m, old, null);
    } catch (LoadException e) {
      log.warn(
          "{} v{}: reload failed, the earlier load keeps serving: {}", m.name, v, e.getMessage());
      m.change(
          noted,
          noted.noted("kept serving the earlier load: " + e.getMessage()),
          m.event(v, VersionState.FAILED, null, e.getMessage()));
    }
  }

  private ServedVersion load(ModelEntry m, ModelConfig config, VersionEntry w)
      throws LoadException {
    if (w.problem() != null) {
      throw new LoadException(w.problem());
    }
    ServedVersion loaded;
    try {
      loaded = loader.load(m.name, config, w);
    } catch (RuntimeException e) { // a loader bug must not leave the record LOADING for ever
      throw new LoadException(e.getMessage() == null ? e.toString() : e.getMessage(), e);
    }
    if (closed.getAsBoolean()) {
      loader.unload(loaded, Duration.ZERO);
      throw new LoadException("the server is shutting down");
    }
    return loaded;
  }

  private void retire(ModelEntry m, VersionRecord r) {
    VersionRecord out = r.unloading();
    if (m.change(r, out, m.event(r.version(), VersionState.UNLOADING, r.served(), ""))) {
      unloadLater(m, r.served(), out);
    }
  }

  /** Drains and frees {@code instance} in the background; {@code record} goes when it is done. */
  private void unloadLater(ModelEntry m, ServedVersion instance, VersionRecord record) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    unloading.add(done);
    unloadPool.execute(
        () -> {
          try {
            loader.unload(instance, drainGrace);
          } catch (RuntimeException e) {
            log.error("{} v{}: unload failed", m.name, instance.version(), e);
          } finally {
            VersionEvent gone = m.event(instance.version(), VersionState.UNLOADED, instance, "");
            if (record == null || !m.drop(record, gone)) {
              m.post(gone);
            }
            unloading.remove(done);
            done.complete(null);
          }
        });
  }

  /** E.g. "version 3 failed to load (why)" or "version 4 is LOADING". */
  private static String describe(ModelEntry m, List<Long> versions) {
    List<String> parts = new ArrayList<>();
    for (long v : versions) {
      VersionRecord r = m.record(v);
      parts.add(
          r == null
              ? "version " + v + " is not loaded"
              : r.state() == VersionState.FAILED
                  ? "version " + v + " failed to load (" + r.message() + ")"
                  : "version " + v + " is " + r.state());
    }
    return String.join("; ", parts);
  }

  /** The parts of a config that a loaded version depends on (labels and policy do not). */
  static ModelConfig servingPart(ModelConfig c) {
    return c.toBuilder().clearVersionLabels().clearVersionPolicy().build();
  }
}
