package dev.modelport.server.it;

import static dev.modelport.server.it.Requests.CLASSIC_IRIS;
import static dev.modelport.server.it.Requests.rows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelport.server.testing.TempStore;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Results do not depend on batch mates (docs/contract.md). The "-batched" models wait up to a
 * minute for a batch of exactly N rows, so N concurrent requests are certain to run as one batch;
 * the server's own batch histogram then shows that they did (one batch of N rows). Seen failing
 * with batching forced off (the batcher taking one request per batch): the histogram shows N
 * batches of one row.
 */
class BatchMatesIT {
  static ServerFixture fx;

  @BeforeAll
  static void start() throws Exception {
    String wait =
        "dynamic_batching { max_queue_delay_micros: 60000000 preferred_batch_size: [%d] }\n";
    TempStore store =
        new TempStore()
            .copy("iris", "iris")
            .copy("iris-mlp", "iris-mlp")
            .copy("all-minilm-l6-v2", "minilm")
            .copy("iris", "iris-batched")
            .copy("iris-mlp", "iris-mlp-batched")
            .copy("all-minilm-l6-v2", "minilm-batched");
    store.write("iris-batched/config.pbtxt", TempStore.irisConfig(wait.formatted(6)));
    store.write(
        "iris-mlp-batched/config.pbtxt",
        TempStore.irisConfig(wait.formatted(6)).replace("OnnxRuntime", "PyTorch"));
    store.write(
        "minilm-batched/config.pbtxt",
        """
        max_batch_size: 8
        translator { name: "text_embedding" }
        """
            + wait.formatted(5));
    fx = new ServerFixture(store.root);
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  /** Sends every request at once, returning the responses in request order. */
  static List<PredictResponse> concurrently(List<PredictRequest> reqs) throws Exception {
    List<CompletableFuture<PredictResponse>> fs = new ArrayList<>();
    for (PredictRequest r : reqs) {
      CompletableFuture<PredictResponse> f = new CompletableFuture<>();
      fs.add(f);
      fx.inferenceAsync()
          .withDeadlineAfter(120, TimeUnit.SECONDS)
          .predict(
              r,
              new StreamObserver<>() {
                @Override
                public void onNext(PredictResponse v) {
                  f.complete(v);
                }

                @Override
                public void onError(Throwable t) {
                  f.completeExceptionally(t);
                }

                @Override
                public void onCompleted() {}
              });
    }
    List<PredictResponse> out = new ArrayList<>();
    for (CompletableFuture<PredictResponse> f : fs) {
      out.add(f.get(120, TimeUnit.SECONDS));
    }
    return out;
  }

  /** Waits (bounded) for the batch histogram of {@code model} to show {@code batches} batches. */
  static void assertRanAsOneBatch(String model, int rows) {
    String[] labels = {"model=\"" + model + "\"", "version=\"1\""};
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    String body = fx.server.metrics().scrape();
    // Recorded just after the batch's answers are sent: wait until the batch shows up.
    while (MetricsIT.value(body, "modelport_batch_size_rows_sum", labels) < rows
        && System.nanoTime() < deadline) {
      java.util.concurrent.locks.LockSupport.parkNanos(
          100_000); // poll; a spin would take the core the awaited thread needs
      body = fx.server.metrics().scrape();
    }
    assertThat(MetricsIT.value(body, "modelport_batch_size_rows_count", labels))
        .as(model + ": batches run")
        .isEqualTo(1);
    assertThat(MetricsIT.value(body, "modelport_batch_size_rows_sum", labels))
        .as(model + ": rows in them")
        .isEqualTo(rows);
  }

  static void assertClose(float[] batched, float[] alone) {
    for (int i = 0; i < alone.length; i++) {
      assertThat(Math.abs(batched[i] - alone[i]))
          .isLessThanOrEqualTo(1e-5f * Math.max(1f, Math.abs(alone[i])));
    }
  }

  @Test
  void tensorModels_giveEachRowWhatItGetsAlone() throws Exception {
    for (String model : List.of("iris", "iris-mlp")) {
      List<PredictRequest> reqs = new ArrayList<>();
      for (float[] row : CLASSIC_IRIS) {
        reqs.add(Requests.iris(model + "-batched", row));
      }
      List<PredictResponse> batched = concurrently(reqs);
      assertRanAsOneBatch(model + "-batched", CLASSIC_IRIS.length);
      for (int i = 0; i < CLASSIC_IRIS.length; i++) {
        float[] alone = rows(fx.inference().predict(Requests.iris(model, CLASSIC_IRIS[i])), 0)[0];
        assertClose(rows(batched.get(i), 0)[0], alone);
      }
    }
  }

  @Test
  void textEmbedding_ofAPaddedBatch_matchesEachTextAlone() throws Exception {
    String[] texts = {
      "A man is eating food.",
      "Hi.",
      "The girl is carrying a baby, walking slowly along the river bank on a sunny afternoon.",
      "A man is eating a piece of bread.",
      "Quantized models move with their batch mates; this one must not.",
    };
    List<PredictRequest> reqs = new ArrayList<>();
    for (String t : texts) {
      reqs.add(Requests.texts(t).toBuilder().setModelName("minilm-batched").build());
    }
    List<PredictResponse> batched = concurrently(reqs);
    assertRanAsOneBatch("minilm-batched", texts.length);
    for (int i = 0; i < texts.length; i++) {
      float[] alone =
          rows(
              fx.inference()
                  .predict(Requests.texts(texts[i]).toBuilder().setModelName("minilm").build()),
              0)[0];
      float[] mate = rows(batched.get(i), 0)[0];
      double cos = Requests.dot(alone, mate) / (Requests.norm(alone) * Requests.norm(mate));
      assertThat(cos).as(texts[i]).isGreaterThanOrEqualTo(0.9999);
    }
  }
}
