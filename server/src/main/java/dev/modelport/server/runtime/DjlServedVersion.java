package dev.modelport.server.runtime;

import ai.djl.Device;
import ai.djl.repository.zoo.ZooModel;
import dev.modelport.server.batching.Batcher;
import dev.modelport.server.batching.WorkerPool;
import dev.modelport.server.errors.ModelportException;
import dev.modelport.server.tensor.Signature;
import dev.modelport.store.VersionEntry;
import dev.modelport.v1.ModelConfig;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded, warmed-up model version: its DJL models (one per device), translator, batcher and
 * workers (one per instance). Immutable; the registry makes it visible only once READY and retires
 * it through {@link VersionLoader#unload}, which lets queued requests finish first.
 */
final class DjlServedVersion implements ServedVersion {
  private static final Logger log = LoggerFactory.getLogger(DjlServedVersion.class);

  private final String modelName;
  private final VersionEntry entry;
  private final ModelConfig config;
  private final BatchTranslator translator;
  private final List<ZooModel<?, ?>> models;
  private final List<Device> devices;
  private final Batcher<InferenceRequest> batcher;
  private final WorkerPool<InferenceRequest> pool;
  private final String versionName;

  DjlServedVersion(
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
    this.versionName = Long.toString(entry.version());
  }

  @Override
  public String versionName() {
    return versionName; // every answer carries it
  }

  @Override
  public String modelName() {
    return modelName;
  }

  @Override
  public long version() {
    return entry.version();
  }

  @Override
  public VersionEntry entry() {
    return entry;
  }

  @Override
  public ModelConfig config() {
    return config;
  }

  @Override
  public String engine() {
    return entry.engine();
  }

  @Override
  public Signature signature() {
    return translator.signature();
  }

  @Override
  public BatchTranslator translator() {
    return translator;
  }

  @Override
  public List<String> deviceNames() {
    return devices.stream().map(Device::toString).toList();
  }

  @Override
  public int queued() {
    return batcher.queued();
  }

  @Override
  public Batcher.Offer submit(InferenceRequest request) {
    return batcher.offer(request);
  }

  @Override
  public ModelportException queueFull() {
    return batcher.queueFull();
  }

  @Override
  public void unload(Duration grace) {
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
