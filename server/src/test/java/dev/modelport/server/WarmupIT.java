package dev.modelport.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelport.store.ModelStore;
import dev.modelport.v1.DataType;
import dev.modelport.v1.InferenceServiceGrpc;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.Tensor;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The start-up warm-up on the default store, real engines, a real port. */
class WarmupIT {
  private static final List<String> DEFAULT_MODELS =
      List.of("iris", "iris-mlp", "all-minilm-l6-v2");

  @Test
  void everyDefaultModel_answersItsSyntheticRequests_andNoMetricCountsThem() throws Exception {
    ModelportServer server =
        ModelportServer.create(
                Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()),
                ModelStore.open(Path.of(System.getProperty("modelport.defaultStore"))),
                Duration.ofSeconds(10))
            .warmup(Duration.ofSeconds(1));
    server.start();
    ManagedChannel ch =
        Grpc.newChannelBuilderForAddress(
                "localhost", server.port(), InsecureChannelCredentials.create())
            .build();
    try {
      var outcomes = server.warmedUp();
      assertThat(outcomes.keySet()).containsExactlyInAnyOrderElementsOf(DEFAULT_MODELS);
      outcomes.forEach(
          (model, o) -> {
            assertThat(o.failure()).as("%s: warm-up failure", model).isNull();
            assertThat(o.predicts()).as("%s: modelport.v1 answers", model).isPositive();
            assertThat(o.infers()).as("%s: OIP ModelInfer answers", model).isPositive();
          });
      String body = server.metrics().scrape();
      assertThat(body).doesNotContain("modelport_requests_total{");
      for (String model : DEFAULT_MODELS) {
        assertThat(body)
            .contains("modelport_batch_size_rows_count{model=\"" + model + "\",version=\"1\"} 0")
            .contains(
                "modelport_queue_wait_seconds_count{model=\"" + model + "\",version=\"1\"} 0");
      }
      // nor do the OIP statistics (Triton's clients read them)
      var stats =
          dev.modelport.oip.GRPCInferenceServiceGrpc.newBlockingStub(ch)
              .withDeadlineAfter(30, TimeUnit.SECONDS)
              .modelStatistics(
                  dev.modelport.oip.ModelStatisticsRequest.newBuilder().setName("iris").build());
      assertThat(stats.getModelStats(0).getInferenceCount()).isZero();
      assertThat(stats.getModelStats(0).getExecutionCount()).isZero();
      assertThat(stats.getModelStats(0).getInferenceStats().getSuccess().getCount()).isZero();
      // A caller's request is counted as ever.
      InferenceServiceGrpc.newBlockingStub(ch)
          .withDeadlineAfter(30, TimeUnit.SECONDS)
          .predict(iris());
      assertThat(server.metrics().scrape())
          .contains("modelport_requests_total{code=\"OK\",model=\"iris\",version=\"1\"} 1.0")
          .contains("modelport_batch_size_rows_count{model=\"iris\",version=\"1\"} 1");
    } finally {
      ch.shutdownNow();
      server.stop();
    }
  }

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

  private static dev.modelport.v1.TensorSpec spec(String name, DataType t, long... shape) {
    var b = dev.modelport.v1.TensorSpec.newBuilder().setName(name).setDtype(t);
    for (long d : shape) {
      b.addShape(d);
    }
    return b.build();
  }

  private static PredictRequest iris() {
    ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    b.putFloat(5.1f).putFloat(3.5f).putFloat(1.4f).putFloat(0.2f).flip();
    return PredictRequest.newBuilder()
        .setModelName("iris")
        .addInputs(
            Tensor.newBuilder()
                .setName("features")
                .setDtype(DataType.DATA_TYPE_FLOAT32)
                .addShape(1)
                .addShape(4)
                .setRaw(com.google.protobuf.ByteString.copyFrom(b)))
        .build();
  }
}
