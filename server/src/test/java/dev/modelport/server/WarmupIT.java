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
        ModelportServer.builder()
            .listener(Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()))
            .store(ModelStore.open(Path.of(System.getProperty("modelport.defaultStore"))))
            .drainGrace(Duration.ofSeconds(10))
            .warmup(Duration.ofSeconds(1))
            .build();
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
