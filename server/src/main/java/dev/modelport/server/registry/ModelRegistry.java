package dev.modelport.server.registry;

import dev.modelport.server.errors.ModelportException;
import dev.modelport.server.runtime.LoadException;
import dev.modelport.server.runtime.ServedVersion;
import dev.modelport.server.runtime.VersionLoader;
import dev.modelport.store.ModelDefinition;
import dev.modelport.store.ModelNames;
import dev.modelport.store.ModelStore;
import dev.modelport.store.StoreException;
import dev.modelport.store.VersionEntry;
import dev.modelport.v1.ModelConfig;
import dev.modelport.v1.ModelStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every served model, kept in step with the model store by {@link #reload}. A new or changed
 * version is loaded and warmed up off the request path and only then swapped in; the version it
 * replaces (or a removed one) stops taking requests, finishes what it has queued and unloads in the
 * background. A failed load leaves whatever was serving untouched.
 */
public final class ModelRegistry implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);

  private final ModelStore store;
  private final VersionLoader loader;
  private final Duration drainGrace;
  // Why concurrent: requests resolve models on gRPC threads while reloads add and remove them.
  private final Map<String, ServedModel> models = new ConcurrentHashMap<>();
  private final Map<String, Object> reloadLocks = new ConcurrentHashMap<>();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final List<VersionListener> versionListeners = new CopyOnWriteArrayList<>();
  private final ExecutorService loadPool;
  private final ExecutorService retirePool;

  public ModelRegistry(ModelStore store, VersionLoader loader, Duration drainGrace) {
    this.store = store;
    this.loader = loader;
    this.drainGrace = drainGrace;
    this.loadPool =
        Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()), daemon("modelport-load"));
    this.retirePool = Executors.newCachedThreadPool(daemon("modelport-unload"));
  }

  /** Told when versions load, unload or fail (for metrics). */
  public void addVersionListener(VersionListener listener) {
    versionListeners.add(listener);
  }

  /** Called after every change of what is served (for health). Runs outside any lock. */
  public void addListener(Runnable listener) {
    listeners.add(listener);
  }

  /**
   * Makes what is served match the store, for {@code modelName} or (empty) every model, and returns
   * the affected models' statuses. Models load in parallel.
   *
   * @throws ModelportException NOT_FOUND when {@code modelName} is neither served nor in the store
   */
  public List<ModelStatus> reload(String modelName) throws StoreException {
    List<String> names = new ArrayList<>();
    if (modelName.isEmpty()) {
      names.addAll(store.modelNames());
      models.keySet().stream().filter(n -> !names.contains(n)).forEach(names::add);
    } else {
      if (!ModelNames.isValid(modelName)
          || (store.read(modelName).isEmpty() && !models.containsKey(modelName))) {
        throw ModelportException.notFound(
            "model \"" + modelName + "\" is neither served nor in the model store");
      }
      names.add(modelName);
    }
    List<Future<?>> running = new ArrayList<>();
    for (String n : names) {
      running.add(loadPool.submit(() -> reloadOne(n)));
    }
    for (Future<?> f : running) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw ModelportException.unavailable("interrupted while reloading");
      } catch (ExecutionException e) {
        log.error("reload failed", e.getCause());
      }
    }
    listeners.forEach(Runnable::run);
    List<ModelStatus> out = new ArrayList<>();
    for (String n : names) {
      Optional.ofNullable(models.get(n)).map(StatusViews::of).ifPresent(out::add);
    }
    return out;
  }

  private void reloadOne(String name) {
    synchronized (reloadLocks.computeIfAbsent(name, k -> new Object())) {
      Optional<ModelDefinition> read = store.read(name);
      if (read.isEmpty()) {
        ServedModel gone = models.remove(name);
        if (gone != null) {
          log.info("{}: removed from the store; unloading", name);
          gone.ready.keySet().forEach(v -> retire(gone, v, gone.ready.remove(v), true));
        }
        return;
      }
      ModelDefinition def = read.get();
      ServedModel model = models.computeIfAbsent(name, n -> new ServedModel(n, def));
      model.definition = def;
      if (def.problem() != null) {
        log.warn("{}: {}", name, def.problem());
        return; // a broken config leaves the versions already serving untouched
      }
      Map<Long, VersionEntry> wanted = new HashMap<>();
      def.versions().forEach(v -> wanted.put(v.version(), v));
      for (VersionEntry entry : def.versions()) {
        loadIfChanged(model, def.config(), entry);
      }
      for (Long v : List.copyOf(model.ready.keySet())) {
        if (!wanted.containsKey(v)) {
          retire(model, v, model.ready.remove(v), true);
        }
      }
      model
          .notes
          .keySet()
          .removeIf(
              v ->
                  !wanted.containsKey(v)
                      && !model.ready.containsKey(v)
                      && model.notes.get(v).state()
                          != dev.modelport.v1.ModelState.MODEL_STATE_UNLOADING);
    }
  }

  private void loadIfChanged(ServedModel model, ModelConfig config, VersionEntry entry) {
    long v = entry.version();
    ServedVersion current = model.ready.get(v);
    if (current != null
        && current.entry().equals(entry)
        && servingPart(current.config()).equals(servingPart(config))) {
      model.notes.remove(v);
      return;
    }
    if (current == null) {
      model.notes.put(v, VersionNote.loading());
      listeners.forEach(Runnable::run);
    }
    try {
      ServedVersion loaded = loader.load(model.name, config, entry);
      versionListeners.forEach(l -> l.loaded(loaded));
      ServedVersion old = model.ready.put(v, loaded);
      model.notes.remove(v);
      if (old != null) {
        retire(model, v, old, false);
      }
    } catch (LoadException e) {
      log.warn("{} v{}: load failed: {}", model.name, v, e.getMessage());
      versionListeners.forEach(l -> l.loadFailed(model.name, v, e.getMessage()));
      model.notes.put(
          v,
          current == null
              ? VersionNote.failed(e.getMessage())
              : new VersionNote(
                  dev.modelport.v1.ModelState.MODEL_STATE_READY,
                  "reload failed, still serving the earlier load: " + e.getMessage()));
    }
  }

  /** The parts of a config that a loaded version depends on (labels and policy do not). */
  private static ModelConfig servingPart(ModelConfig c) {
    return c.toBuilder().clearVersionLabels().clearVersionPolicy().build();
  }

  private void retire(ServedModel model, long v, ServedVersion old, boolean showUnloading) {
    if (old == null) {
      return;
    }
    if (showUnloading) {
      model.notes.put(v, VersionNote.unloading());
    }
    retirePool.execute(
        () -> {
          old.unload(drainGrace);
          versionListeners.forEach(l -> l.unloaded(old));
          if (showUnloading) {
            model.notes.remove(v, VersionNote.unloading());
          }
          listeners.forEach(Runnable::run);
        });
  }

  /** The READY version a request for ({@code modelName}, {@code version}) goes to. */
  public ServedVersion resolve(String modelName, String version) {
    return Resolver.resolve(models.get(modelName), modelName, version, models.keySet());
  }

  public List<ModelStatus> statuses() {
    return models.values().stream()
        .map(StatusViews::of)
        .sorted(java.util.Comparator.comparing(ModelStatus::getName))
        .toList();
  }

  public ModelStatus status(String modelName) {
    ServedModel m = models.get(modelName);
    if (m == null) {
      throw ModelportException.notFound("model \"" + modelName + "\" is not served");
    }
    return StatusViews.of(m);
  }

  /** Whether {@code modelName} is configured (served or failed). */
  public boolean isKnown(String modelName) {
    return models.containsKey(modelName);
  }

  /** Model names with at least one READY version, and those without. */
  public Map<String, Boolean> readiness() {
    Map<String, Boolean> out = new HashMap<>();
    models.forEach((n, m) -> out.put(n, !m.ready.isEmpty()));
    return out;
  }

  /** Unloads everything, letting queued requests finish within the drain grace. */
  @Override
  public void close() {
    List<ServedVersion> all = new ArrayList<>();
    for (ServedModel m : models.values()) {
      all.addAll(m.ready.values());
      m.ready.clear();
    }
    List<Future<?>> done = new ArrayList<>();
    for (ServedVersion sv : all) {
      done.add(
          retirePool.submit(
              () -> {
                sv.unload(drainGrace);
                versionListeners.forEach(l -> l.unloaded(sv));
              }));
    }
    for (Future<?> f : done) {
      try {
        f.get(drainGrace.toMillis() + 10_000, TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        log.warn("unload did not finish cleanly", e);
      }
    }
    loadPool.shutdownNow();
    retirePool.shutdown();
  }

  private static java.util.concurrent.ThreadFactory daemon(String prefix) {
    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
