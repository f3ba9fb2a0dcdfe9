package dev.modelport.server.runtime;

import ai.djl.Device;
import ai.djl.repository.zoo.ZooModel;
import dev.modelport.server.batching.Batcher;
import dev.modelport.server.batching.WorkerPool;
import dev.modelport.server.tensor.Signature;
import dev.modelport.store.VersionEntry;
import dev.modelport.v1.ModelConfig;
import dev.modelport.v1.ModelState;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded, warmed-up model version: its DJL models (one per device), translator, batcher and
 * workers (one per instance). Immutable apart from its state; the registry makes it visible only
 * once READY and retires it with {@link #unload}, which lets queued requests finish first.
 */
public final class ServedVersion {
  private static final Logger log = LoggerFactory.getLogger(ServedVersion.class);

  private final String modelName;
  private final VersionEntry entry;
  private final ModelConfig config;
  private final BatchTranslator translator;
  private final List<ZooModel<?, ?>> models;
  private final List<Device> devices;
  private final Batcher<InferenceRequest> batcher;
  private final WorkerPool<InferenceRequest> pool;
  private volatile ModelState state = ModelState.MODEL_STATE_READY;

  ServedVersion(
      String modelName,
      VersionEntry entry,
      ModelConfig config,
      BatchTranslator translator,
      List<ZooModel<?, ?>> models,
      List<Device> devices,
      Batcher<InferenceRequest> batcher,
      WorkerPool<InferenceRequest> pool) {
    this.modelName = modelName;
    this.entry = entry;
    this.config = config;
    this.translator = translator;
    this.models = List.copyOf(models);
    this.devices = List.copyOf(devices);
    this.batcher = batcher;
    this.pool = pool;
  }

  public String modelName() {
    return modelName;
  }

  public long version() {
    return entry.version();
  }

  /** The store entry this was loaded from; the registry compares it to spot changed files. */
  public VersionEntry entry() {
    return entry;
  }

  /** The config this was loaded with. */
  public ModelConfig config() {
    return config;
  }

  public String engine() {
    return entry.engine();
  }

  public Signature signature() {
    return translator.signature();
  }

  /** The translator, for checking request parameters before queueing. */
  public BatchTranslator translator() {
    return translator;
  }

  /** One DJL device name per instance, e.g. "cpu()" or "gpu(1)". */
  public List<String> deviceNames() {
    return devices.stream().map(Device::toString).toList();
  }

  public ModelState state() {
    return state;
  }

  /** Requests waiting in this version's queue. */
  public int queued() {
    return batcher.queued();
  }

  /**
   * Queues {@code request}. Returns false when this version no longer takes requests (it was
   * replaced or is unloading), so the caller can resolve the model's version again; throws
   * RESOURCE_EXHAUSTED when the queue is full.
   */
  public boolean trySubmit(InferenceRequest request) {
    if (batcher.isClosed()) {
      return false;
    }
    try {
      batcher.offer(request);
      return true;
    } catch (dev.modelport.server.errors.ModelportException e) {
      if (batcher.isClosed()) {
        return false;
      }
      throw e;
    }
  }

  /**
   * Stops taking requests, lets everything queued finish (up to {@code grace}), then frees the
   * predictors, models and native memory.
   */
  public void unload(Duration grace) {
    state = ModelState.MODEL_STATE_UNLOADING;
    try {
      if (!pool.drain(grace)) {
        log.warn("{} v{}: drain exceeded {}; queued requests failed", modelName, version(), grace);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      translator.close();
      models.forEach(ZooModel::close);
      log.info("{} v{}: unloaded", modelName, version());
    }
  }
}
