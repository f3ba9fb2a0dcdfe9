package dev.modelport.server.registry;

import dev.modelport.server.errors.ModelportException;
import dev.modelport.server.runtime.Loader;
import dev.modelport.server.runtime.ServedVersion;
import dev.modelport.store.ModelNames;
import dev.modelport.store.ModelStore;
import dev.modelport.store.StoreException;
import dev.modelport.v1.ModelStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every served model, kept in step with the model store by {@link #reload}. Each model holds one
 * {@link VersionRecord} per version; {@link Reconciler} moves the records towards the store without
 * leaving a model with nothing to serve. Loads run off the request path through a {@link Loader};
 * requests resolve versions without locks. See docs/architecture.md, "Lifecycle".
 */
public final class ModelRegistry implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);

  private final ModelStore store;
  private final Duration drainGrace;
  // Why concurrent: requests resolve models on gRPC threads while reloads add and remove them.
  private final Map<String, ModelEntry> models = new ConcurrentHashMap<>();
  private final EventDelivery events = new EventDelivery();
  private final Set<CompletableFuture<Void>> unloading = ConcurrentHashMap.newKeySet();
  private final ExecutorService loadPool;
  private final ExecutorService unloadPool;
  private final Reconciler reconciler;
  private volatile boolean closed;

  public ModelRegistry(ModelStore store, Loader loader, Duration drainGrace) {
    this.store = store;
    this.drainGrace = drainGrace;
    this.loadPool =
        Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()), daemon("modelport-load"));
    this.unloadPool = Executors.newCachedThreadPool(daemon("modelport-unload"));
    this.reconciler = new Reconciler(loader, unloadPool, drainGrace, () -> closed, unloading);
  }

  /** Told about every version event, in order, once each, outside any registry lock. */
  public void addListener(VersionListener listener) {
    events.add(listener);
  }

  /**
   * Makes what is served match the store, for {@code modelName} or (empty) every model, and returns
   * the affected models' statuses once the listeners have heard of every change. Models reload in
   * parallel; reloads of one model run one at a time.
   *
   * @throws ModelportException NOT_FOUND when {@code modelName} is neither served nor in the store
   */
  public List<ModelStatus> reload(String modelName) throws StoreException {
    if (closed) {
      throw ModelportException.unavailable("the server is shutting down");
    }
    Set<String> names = new LinkedHashSet<>();
    if (modelName.isEmpty()) {
      names.addAll(store.modelNames());
      names.addAll(new java.util.TreeSet<>(models.keySet()));
    } else {
      if (!ModelNames.isValid(modelName)
          || (!store.contains(modelName) && !models.containsKey(modelName))) {
        throw ModelportException.notFound(
            "model \"" + modelName + "\" is neither served nor in the model store");
      }
      names.add(modelName);
    }
    List<Future<?>> running = new ArrayList<>();
    for (String n : names) {
      running.add(loadPool.submit(() -> reloadOne(n)));
    }
    try {
      for (Future<?> f : running) {
        try {
          f.get();
        } catch (ExecutionException e) {
          log.error("reload failed", e.getCause());
        }
      }
      events.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ModelportException.unavailable("interrupted while reloading");
    }
    List<ModelStatus> out = new ArrayList<>();
    for (String n : names) {
      Optional.ofNullable(models.get(n)).map(StatusViews::of).ifPresent(out::add);
    }
    return out;
  }

  private void reloadOne(String name) {
    while (true) {
      ModelEntry entry = models.computeIfAbsent(name, n -> new ModelEntry(n, events));
      synchronized (entry.reloadLock) {
        if (entry.removed || models.get(name) != entry) {
          continue; // another reload removed this entry while we waited: start over
        }
        var read = store.read(name);
        if (read.isEmpty()) {
          if (entry.definition() != null) {
            log.info("{}: removed from the store; unloading", name);
          }
          entry.removed = true;
          models.remove(name, entry);
          reconciler.removeAll(entry);
          entry.post(entry.event(VersionEvent.WHOLE_MODEL, VersionState.UNLOADED, null, "removed"));
        } else {
          reconciler.apply(entry, read.get());
        }
        return;
      }
    }
  }

  /** The READY version a request for ({@code modelName}, {@code version}) goes to. */
  public ServedVersion resolve(String modelName, String version) {
    return Resolver.resolve(models.get(modelName), modelName, version, models.keySet());
  }

  public List<ModelStatus> statuses() {
    return models.values().stream()
        .map(StatusViews::of)
        .sorted(Comparator.comparing(ModelStatus::getName))
        .toList();
  }

  public ModelStatus status(String modelName) {
    ModelEntry m = models.get(modelName);
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
    models.forEach((n, m) -> out.put(n, m.hasReady()));
    return out;
  }

  /** The entry of {@code name}, for tests of this package. */
  ModelEntry entry(String name) {
    return models.get(name);
  }

  /** Waits until every unload started so far has finished and its events were delivered. */
  void awaitUnloads() throws InterruptedException {
    unloadsDone(Long.MAX_VALUE / 2);
    events.flush();
  }

  /** Waits until every unload started so far has finished, up to {@code nanos}; false if not. */
  private boolean unloadsDone(long nanos) throws InterruptedException {
    long deadline = System.nanoTime() + nanos;
    for (CompletableFuture<Void> f : List.copyOf(unloading)) {
      try {
        f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        return false;
      } catch (ExecutionException e) {
        throw new IllegalStateException("unload tasks complete normally", e);
      }
    }
    return true;
  }

  /**
   * Unloads everything, letting queued requests finish within the drain grace, and tells the
   * listeners. Loads still running are interrupted and their results unloaded.
   */
  @Override
  public void close() {
    closed = true;
    loadPool.shutdownNow();
    for (ModelEntry m : models.values()) {
      reconciler.removeAll(m);
    }
    try {
      if (!unloadsDone(drainGrace.toNanos() + TimeUnit.SECONDS.toNanos(10))) {
        log.warn("unloads still running {}s past the drain grace", 10);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    events.close();
    unloadPool.shutdown();
  }

  private static ThreadFactory daemon(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
