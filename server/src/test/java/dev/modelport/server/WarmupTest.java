package dev.modelport.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelport.server.grpc.FakeModels;
import dev.modelport.v1.DataType;
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
        dev.modelport.server.grpc.InProcessModelport.builder(
                store, FakeModels.answering(java.util.Set.of("bad")))
            .listener(InProcessServerBuilder.forName(name))
            // over before the first answer: each model still gets its first round, exactly
            .warmup(Duration.ofNanos(1))
            .build()
            .start();
    ManagedChannel ch = InProcessChannelBuilder.forName(name).build();
    try {
      Map<String, Warmup.Outcome> outcomes = server.warmedUp();
      Warmup.Outcome good = outcomes.get("good");
      assertThat(good.failure()).isNull();
      assertThat(good.predicts()).isEqualTo(Warmup.IN_FLIGHT / 2);
      assertThat(good.infers()).isEqualTo(Warmup.IN_FLIGHT / 2);
      Warmup.Outcome bad = outcomes.get("bad");
      // both protocols' first requests are in flight at once: whichever fails first is reported
      assertThat(bad.failure())
          .isIn(
              "Predict: INTERNAL: bad: the engine failed",
              "ModelInfer: INTERNAL: bad: the engine failed");
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

  private static dev.modelport.v1.TensorSpec spec(String name, DataType t, long... shape) {
    var b = dev.modelport.v1.TensorSpec.newBuilder().setName(name).setDtype(t);
    for (long d : shape) {
      b.addShape(d);
    }
    return b.build();
  }
}
