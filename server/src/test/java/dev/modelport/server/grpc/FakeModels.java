package dev.modelport.server.grpc;

import dev.modelport.server.runtime.BatchTranslator;
import dev.modelport.server.runtime.InferenceRequest;
import dev.modelport.server.runtime.LoadException;
import dev.modelport.server.runtime.Loader;
import dev.modelport.server.runtime.ServedVersion;
import dev.modelport.server.tensor.HostTensor;
import dev.modelport.server.tensor.Signature;
import dev.modelport.server.tensor.ValidatedRequest;
import dev.modelport.store.VersionEntry;
import dev.modelport.v1.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A {@link Loader} whose versions queue every submitted request for the test to answer, fail or
 * leave pending: the gRPC services run for real in process, with no engine behind them.
 */
public final class FakeModels implements Loader {
  final LinkedBlockingQueue<InferenceRequest> submitted = new LinkedBlockingQueue<>();

  /** Answers the next submits give instead of queueing (FULL, CLOSED), one each, in order. */
  final LinkedBlockingQueue<dev.modelport.server.batching.Batcher.Offer> refusals =
      new LinkedBlockingQueue<>();

  /** Null: requests wait in {@link #submitted}; else answered at once, failed for these models. */
  private final java.util.Set<String> failing;

  FakeModels() {
    this(null);
  }

  private FakeModels(java.util.Set<String> failing) {
    this.failing = failing;
  }

  /**
   * Versions that answer every request at once ({@link #answer}), except those of the models in
   * {@code failing}, whose engine fails each one with INTERNAL "MODEL: the engine failed".
   */
  public static FakeModels answering(java.util.Set<String> failing) {
    return new FakeModels(java.util.Set.copyOf(failing));
  }

  /** A store at {@code dir} with model {@code m}: x FLOAT32 [4] in, y FLOAT32 [1] out. */
  static void store(Path dir) throws Exception {
    Files.createDirectories(dir.resolve("m/1"));
    Files.writeString(dir.resolve("m/1/model.onnx"), "fake");
    Files.writeString(
        dir.resolve("m/config.pbtxt"),
        """
        max_batch_size: 8
        input  { name: "x" dtype: DATA_TYPE_FLOAT32 shape: [4] }
        output { name: "y" dtype: DATA_TYPE_FLOAT32 shape: [1] }
        """);
  }

  /** Answers {@code r} with one y per row (its row count, as a float). */
  static void answer(InferenceRequest r) {
    int rows = r.rows();
    java.nio.ByteBuffer y =
        java.nio.ByteBuffer.allocate(4 * rows).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < rows; i++) {
      y.putFloat(rows);
    }
    y.flip();
    r.result()
        .complete(
            List.of(
                HostTensor.numeric(
                    "y", dev.modelport.v1.DataType.DATA_TYPE_FLOAT32, new long[] {rows, 1}, y)));
  }

  @Override
  public ServedVersion load(String modelName, ModelConfig config, VersionEntry entry)
      throws LoadException {
    try {
      if (Files.readString(entry.modelFile()).startsWith("broken")) {
        throw new LoadException(modelName + "/" + entry.version() + ": broken on purpose");
      }
    } catch (java.io.IOException e) {
      throw new LoadException(e.toString(), e);
    }
    return new Version(modelName, config, entry, submitted, refusals, failing);
  }

  @Override
  public void unload(ServedVersion version, Duration grace) {}

  private record Version(
      String modelName,
      ModelConfig config,
      VersionEntry entry,
      LinkedBlockingQueue<InferenceRequest> submitted,
      LinkedBlockingQueue<dev.modelport.server.batching.Batcher.Offer> refusals,
      java.util.Set<String> failing)
      implements ServedVersion, BatchTranslator {
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
      return this;
    }

    @Override
    public List<String> deviceNames() {
      return List.of("cpu()");
    }

    @Override
    public int queued() {
      return submitted.size();
    }

    @Override
    public dev.modelport.server.batching.Batcher.Offer submit(InferenceRequest request) {
      dev.modelport.server.batching.Batcher.Offer refused = refusals.poll();
      if (refused != null) {
        return refused;
      }
      if (failing == null) {
        submitted.add(request);
      } else if (failing.contains(modelName)) {
        request
            .result()
            .completeExceptionally(
                new dev.modelport.server.errors.ModelportException(
                    dev.modelport.server.errors.ErrorCode.INTERNAL,
                    modelName + ": the engine failed"));
      } else {
        answer(request);
      }
      return dev.modelport.server.batching.Batcher.Offer.QUEUED;
    }

    @Override
    public dev.modelport.server.errors.ModelportException queueFull() {
      return dev.modelport.server.errors.ModelportException.resourceExhausted(
          modelName() + ": queue full");
    }

    @Override
    public void unload(Duration grace) {}

    @Override
    public void checkParameters(Map<String, String> parameters) {
      if (parameters.containsKey("bad")) {
        throw dev.modelport.server.errors.ModelportException.invalid(
            "parameters: \"bad\" not understood");
      }
    }

    @Override
    public ValidatedRequest warmupRequest() {
      throw new UnsupportedOperationException();
    }

    @Override
    public ai.djl.ndarray.NDList toModelInput(
        ai.djl.ndarray.NDManager manager,
        List<InferenceRequest> batch,
        Map<String, Object> scratch) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<List<HostTensor>> fromModelOutput(
        ai.djl.ndarray.NDList output, List<InferenceRequest> batch, Map<String, Object> scratch) {
      throw new UnsupportedOperationException();
    }
  }
}
