package dev.modelport.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelport.server.errors.ErrorCode;
import dev.modelport.server.errors.ModelportException;
import dev.modelport.server.metrics.ServerMetrics;
import dev.modelport.server.registry.ModelRegistry;
import dev.modelport.server.runtime.BatchTranslator;
import dev.modelport.server.runtime.InferenceRequest;
import dev.modelport.server.runtime.Loader;
import dev.modelport.server.runtime.ServedVersion;
import dev.modelport.server.tensor.HostTensor;
import dev.modelport.server.tensor.Signature;
import dev.modelport.server.tensor.ValidatedRequest;
import dev.modelport.store.ModelStore;
import dev.modelport.store.VersionEntry;
import dev.modelport.v1.DataType;
import dev.modelport.v1.ModelConfig;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.Tensor;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warm-up's synthetic requests, built from a signature; its private listener's token; a model
 * whose synthetic request fails (WarmupIT runs the warm-up on the real engines).
 */
class WarmupTest {
  @Test
  void theSyntheticRequest_followsTheSignature() throws Exception {
    var sig =
        new dev.modelport.server.tensor.Signature(
            List.of(
                spec("x", DataType.DATA_TYPE_FLOAT32, -1, 3),
                spec("t", DataType.DATA_TYPE_STRING, 2)),
            List.of(spec("y", DataType.DATA_TYPE_FLOAT32, 1)),
            8);
    PredictRequest r = Warmup.request("m", sig);
    assertThat(r.getModelName()).isEqualTo("m");
    Tensor x = r.getInputs(0);
    assertThat(x.getShapeList()).containsExactly(1L, 1L, 3L);
    assertThat(x.getRaw().size()).isEqualTo(12);
    Tensor t = r.getInputs(1);
    assertThat(t.getShapeList()).containsExactly(1L, 2L);
    assertThat(t.getStringValCount()).isEqualTo(2);
    var unbatched =
        new dev.modelport.server.tensor.Signature(
            List.of(spec("x", DataType.DATA_TYPE_INT64, 4)), List.of(), 0);
    assertThat(Warmup.request("m", unbatched).getInputs(0).getShapeList()).containsExactly(4L);
    assertThat(Warmup.request("m", unbatched).getInputs(0).getRaw().size()).isEqualTo(32);
    // the same request over OIP: every input raw; strings with their little-endian lengths
    var infer = Warmup.infer(r);
    assertThat(infer.getInputs(0).getDatatype()).isEqualTo("FP32");
    assertThat(infer.getInputs(0).getShapeList()).containsExactly(1L, 1L, 3L);
    assertThat(infer.getRawInputContents(0).size()).isEqualTo(12);
    assertThat(infer.getInputs(1).getDatatype()).isEqualTo("BYTES");
    byte[] text = infer.getRawInputContents(1).toByteArray();
    int n = t.getStringVal(0).length();
    assertThat(text).hasSize(2 * (4 + n));
    assertThat(ByteBuffer.wrap(text).order(ByteOrder.LITTLE_ENDIAN).getInt(4 + n)).isEqualTo(n);
  }

  @Test
  void aModelWhoseRequestFails_stopsAlone_andTheServerStillServes(@TempDir Path store)
      throws Exception {
    for (String model : List.of("good", "bad")) {
      Files.createDirectories(store.resolve(model + "/1"));
      Files.writeString(store.resolve(model + "/1/model.onnx"), "fake");
      Files.writeString(
          store.resolve(model + "/config.pbtxt"),
          """
          max_batch_size: 8
          input  { name: "x" dtype: DATA_TYPE_FLOAT32 shape: [4] }
          output { name: "y" dtype: DATA_TYPE_FLOAT32 shape: [1] }
          """);
    }
    String name = InProcessServerBuilder.generateName();
    ModelportServer server =
        new ModelportServer(
                List.of(InProcessServerBuilder.forName(name)),
                new ModelRegistry(ModelStore.open(store), new Answering(), Duration.ofSeconds(1)),
                Duration.ofSeconds(1),
                new ServerMetrics(),
                List.of(),
                ModelportServer.defaultAdmission())
            .warmup(Duration.ofMillis(300))
            .start();
    ManagedChannel ch = InProcessChannelBuilder.forName(name).build();
    try {
      Map<String, Warmup.Outcome> outcomes = server.warmedUp();
      Warmup.Outcome good = outcomes.get("good");
      assertThat(good.failure()).isNull();
      assertThat(good.predicts()).isPositive();
      assertThat(good.infers()).isPositive();
      Warmup.Outcome bad = outcomes.get("bad");
      assertThat(bad.failure()).isEqualTo("Predict: INTERNAL: bad: the engine failed");
      assertThat(bad.answered()).isZero();
      assertThat(
              HealthGrpc.newBlockingStub(ch)
                  .check(HealthCheckRequest.newBuilder().build())
                  .getStatus())
          .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    } finally {
      ch.shutdownNow();
      server.stop();
    }
  }

  @Test
  void thePrivateListener_refusesCallsWithoutItsToken() throws Exception {
    Warmup.Secret secret = new Warmup.Secret();
    String name = InProcessServerBuilder.generateName();
    HealthStatusManager health = new HealthStatusManager();
    Server server =
        InProcessServerBuilder.forName(name)
            .addService(ServerInterceptors.intercept(health.getHealthService(), secret.check()))
            .build()
            .start();
    ManagedChannel ch = InProcessChannelBuilder.forName(name).build();
    try {
      HealthCheckRequest ask = HealthCheckRequest.newBuilder().build();
      var none = HealthGrpc.newBlockingStub(ch);
      assertThatThrownBy(() -> none.check(ask))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                assertThat(e.getStatus().getDescription())
                    .isEqualTo("the warm-up listener is private");
              });
      // another warm-up's token (same length, other bytes) is refused too
      var other = none.withInterceptors(new Warmup.Secret().send());
      assertThatThrownBy(() -> other.check(ask))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
      assertThat(none.withInterceptors(secret.send()).check(ask).getStatus())
          .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    } finally {
      ch.shutdownNow();
      server.shutdownNow();
    }
  }

  /**
   * Versions that answer at once, one y per row, except model "bad"'s, whose engine fails every
   * request.
   */
  private static final class Answering implements Loader {
    @Override
    public ServedVersion load(String modelName, ModelConfig config, VersionEntry entry) {
      return new Version(modelName, config, entry);
    }

    @Override
    public void unload(ServedVersion version, Duration grace) {}

    private record Version(String modelName, ModelConfig config, VersionEntry entry)
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
        return new Signature(
            config.getInputList(), config.getOutputList(), config.getMaxBatchSize());
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
        return 0;
      }

      @Override
      public boolean trySubmit(InferenceRequest r) {
        if (modelName.equals("bad")) {
          r.result()
              .completeExceptionally(
                  new ModelportException(ErrorCode.INTERNAL, "bad: the engine failed"));
          return true;
        }
        ByteBuffer y = ByteBuffer.allocate(4 * r.rows()).order(ByteOrder.LITTLE_ENDIAN);
        y.position(y.limit()).flip();
        r.result()
            .complete(
                List.of(
                    HostTensor.numeric(
                        "y", DataType.DATA_TYPE_FLOAT32, new long[] {r.rows(), 1}, y)));
        return true;
      }

      @Override
      public void unload(Duration grace) {}

      @Override
      public void checkParameters(Map<String, String> parameters) {}

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

  private static dev.modelport.v1.TensorSpec spec(String name, DataType t, long... shape) {
    var b = dev.modelport.v1.TensorSpec.newBuilder().setName(name).setDtype(t);
    for (long d : shape) {
      b.addShape(d);
    }
    return b.build();
  }
}
