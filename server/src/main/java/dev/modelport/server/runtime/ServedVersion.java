package dev.modelport.server.runtime;

import dev.modelport.server.batching.Batcher;
import dev.modelport.server.errors.ModelportException;
import dev.modelport.server.tensor.Signature;
import dev.modelport.store.VersionEntry;
import dev.modelport.v1.ModelConfig;
import java.time.Duration;
import java.util.List;

/**
 * One loaded, warmed-up instance of a model version, as requests and the registry see it. The
 * registry hands it to requests only while its record is READY; a {@link Loader} made it and
 * unloads it. {@link VersionLoader} makes the real ones (DJL predictors behind a batcher); unit
 * tests of the registry and of the gRPC services make fakes.
 */
public interface ServedVersion {
  String modelName();

  long version();

  /** {@link #version()} as answers carry it. */
  default String versionName() {
    return Long.toString(version());
  }

  /** The store entry this was loaded from; the registry compares it to spot changed files. */
  VersionEntry entry();

  /** The config this was loaded with. */
  ModelConfig config();

  /** The DJL engine name. */
  String engine();

  Signature signature();

  /** The translator, for checking request parameters before queueing. */
  BatchTranslator translator();

  /** One DJL device name per instance, e.g. "cpu()" or "gpu(1)". */
  List<String> deviceNames();

  /** Requests waiting in this version's queue. */
  int queued();

  /**
   * Queues {@code request}, never blocking. {@link Batcher.Offer#CLOSED}: this instance no longer
   * takes requests (it was replaced or is unloading), so the caller resolves the model's version
   * again; {@link Batcher.Offer#FULL}: the queue is full, answer {@link #queueFull()}.
   */
  Batcher.Offer submit(InferenceRequest request);

  /** The RESOURCE_EXHAUSTED answer for a request that found this version's queue full. */
  ModelportException queueFull();

  /**
   * Stops taking requests, lets everything queued finish (up to {@code grace}), then frees the
   * predictors, models and native memory. Called once, by the {@link Loader} that made it.
   */
  void unload(Duration grace);
}
