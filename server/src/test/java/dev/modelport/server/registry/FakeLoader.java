package dev.modelport.server.registry;

import dev.modelport.server.runtime.BatchTranslator;
import dev.modelport.server.runtime.InferenceRequest;
import dev.modelport.server.runtime.LoadException;
import dev.modelport.server.runtime.Loader;
import dev.modelport.server.runtime.ServedVersion;
import dev.modelport.server.tensor.Signature;
import dev.modelport.store.VersionEntry;
import dev.modelport.v1.ModelConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link Loader} that loads instantly and does what the test scripts: fail every load while
 * {@link #failing} is set, or block a load of one version until the test releases it (TF Serving's
 * {@code FakeLoader} and {@code test_util/mock_loader} play this part for its manager).
 */
class FakeLoader implements Loader {
  volatile boolean failing;
  final List<String> loads = new CopyOnWriteArrayList<>();
  final List<Instance> unloaded = new CopyOnWriteArrayList<>();
  final AtomicInteger loadsRunning = new AtomicInteger();
  final AtomicInteger mostLoadsAtOnce = new AtomicInteger();
  private final AtomicInteger serial = new AtomicInteger();
  private final Map<String, Gate> gates = new ConcurrentHashMap<>();

  /** A load of {@code model} v{@code version} that waits for {@link Gate#release}. */
  static final class Gate {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
  }

  Gate block(String model, long version) {
    Gate g = new Gate();
    gates.put(model + "/" + version, g);
    return g;
  }

  @Override
  public ServedVersion load(String modelName, ModelConfig config, VersionEntry entry)
      throws LoadException {
    String key = modelName + "/" + entry.version();
    loads.add(key);
    int now = loadsRunning.incrementAndGet();
    mostLoadsAtOnce.accumulateAndGet(now, Math::max);
    try {
      Gate g = gates.remove(key);
      if (g != null) {
        g.entered.countDown();
        g.release.await();
      }
      if (failing) {
        throw new LoadException(key + ": scripted failure");
      }
      return new Instance(modelName, config, entry, serial.incrementAndGet());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LoadException("interrupted", e);
    } finally {
      loadsRunning.decrementAndGet();
    }
  }

  @Override
  public void unload(ServedVersion version, Duration grace) {
    unloaded.add((Instance) version);
    version.unload(grace);
  }

  /** A loaded fake: no engine, no queue; {@code serial} tells loads apart. */
  record Instance(String modelName, ModelConfig config, VersionEntry entry, int serial)
      implements ServedVersion {
    @Override
    public long version() {
      return entry.version();
    }

    @Override
    public String engine() {
      return entry.engine();
    }

    @Override
    public Signature signature() {
      return new Signature(config.getInputList(), config.getOutputList(), config.getMaxBatchSize());
    }

    @Override
    public BatchTranslator translator() {
      throw new UnsupportedOperationException("the registry never translates");
    }

    @Override
    public List<String> deviceNames() {
      return List.of("cpu()");
    }

    @Override
    public int queued() {
      return 0;
    }

    @Override
    public dev.modelport.server.batching.Batcher.Offer submit(InferenceRequest request) {
      throw new UnsupportedOperationException("the registry never submits");
    }

    @Override
    public dev.modelport.server.errors.ModelportException queueFull() {
      throw new UnsupportedOperationException("the registry never submits");
    }

    @Override
    public void unload(Duration grace) {}
  }
}
