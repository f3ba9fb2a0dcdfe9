package dev.modelport.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelport.server.ModelportServer;
import dev.modelport.server.admission.Admission;
import dev.modelport.server.admission.MemoryBudget;
import dev.modelport.server.admission.ReceiveSlots;
import dev.modelport.v1.InferenceServiceGrpc;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PredictStream's flow control and end, and what the services count, in process. A stream of more
 * items than its window (256) only completes if the server asks for one more item per answer; a
 * half-closed stream ends only after its last answer.
 */
class StreamFlowTest {
  @TempDir Path dir;
  final FakeModels models = new FakeModels();
  InProcessModelport fixture;
  ModelportServer server;
  ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    FakeModels.store(dir);
    fixture =
        new InProcessModelport(
            dir, models, new Admission(new MemoryBudget(1L << 30), new ReceiveSlots(8)));
    server = fixture.server;
    channel = fixture.channel;
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  @Test
  void moreItemsThanTheWindow_allFlow_andTheStreamEndsAfterTheLastAnswer() throws Exception {
    int n = InferenceServiceImpl.STREAM_WINDOW + 100;
    ConcurrentHashMap<String, PredictResponse> got = new ConcurrentHashMap<>();
    CompletableFuture<Void> end = new CompletableFuture<>();
    StreamObserver<PredictRequest> in =
        InferenceServiceGrpc.newStub(channel)
            .predictStream(
                new StreamObserver<>() {
                  @Override
                  public void onNext(PredictResponse r) {
                    got.put(r.getRequestId(), r);
                  }

                  @Override
                  public void onError(Throwable t) {
                    end.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    end.complete(null);
                  }
                });
    for (int i = 0; i < n; i++) {
      in.onNext(AdmissionTest.request(1).toBuilder().setRequestId("r" + i).build());
    }
    in.onCompleted();
    // Answer everything the server reads; it reads past 256 only if it keeps asking for more.
    for (int i = 0; i < n; i++) {
      var r = models.submitted.poll(10, TimeUnit.SECONDS);
      assertThat(r).as("item %d reached the model", i).isNotNull();
      if (i < n - 1) {
        FakeModels.answer(r);
      } else {
        assertThat(end).as("the stream ended before its last answer").isNotDone();
        FakeModels.answer(r);
      }
    }
    end.get(10, TimeUnit.SECONDS);
    assertThat(got).hasSize(n);
  }

  @Test
  void failuresAreCounted_unaryAndStream_andBadParametersAreInvalid() throws Exception {
    var failing = InferenceServiceGrpc.newFutureStub(channel).predict(AdmissionTest.request(1));
    models.submitted.poll(10, TimeUnit.SECONDS).fail(new IllegalStateException("engine bug"));
    assertThatThrownBy(() -> failing.get(10, TimeUnit.SECONDS)).hasMessageContaining("INTERNAL");
    assertThatThrownBy(
            () ->
                InferenceServiceGrpc.newBlockingStub(channel)
                    .predict(
                        AdmissionTest.request(1).toBuilder().putParameters("bad", "1").build()))
        .hasMessageContaining("INVALID_ARGUMENT: parameters: \"bad\"");
    CompletableFuture<Void> end = new CompletableFuture<>();
    StreamObserver<PredictRequest> in =
        InferenceServiceGrpc.newStub(channel)
            .predictStream(
                new StreamObserver<>() {
                  @Override
                  public void onNext(PredictResponse r) {}

                  @Override
                  public void onError(Throwable t) {
                    end.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    end.complete(null);
                  }
                });
    in.onNext(AdmissionTest.request(1).toBuilder().setModelVersion("9").build());
    in.onNext(AdmissionTest.request(1));
    FakeModels.answer(models.submitted.poll(10, TimeUnit.SECONDS));
    in.onCompleted();
    end.get(10, TimeUnit.SECONDS);
    String body = server.metrics().scrape();
    assertThat(body)
        .contains("modelport_requests_total{code=\"INTERNAL\",model=\"m\",version=\"\"} 1.0")
        .contains(
            "modelport_requests_total{code=\"INVALID_ARGUMENT\",model=\"m\",version=\"\"} 1.0")
        .contains("modelport_requests_total{code=\"NOT_FOUND\",model=\"m\",version=\"\"} 1.0")
        .contains("modelport_requests_total{code=\"OK\",model=\"m\",version=\"1\"} 1.0");
  }
}
