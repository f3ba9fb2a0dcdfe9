package dev.modelport.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client against an in-process stand-in server: no ports, deterministic answers. */
class ModelportClientTest {
  FakeInferenceService fake = new FakeInferenceService();
  Server server;
  ManagedChannel channel;
  ModelportClient client;

  @BeforeEach
  void start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).addService(fake).build().start();
    channel = InProcessChannelBuilder.forName(name).build();
    client =
        ModelportClient.builder().channel(channel).defaultDeadline(Duration.ofSeconds(30)).build();
  }

  @AfterEach
  void stop() {
    client.close();
    channel.shutdownNow();
    server.shutdownNow();
  }

  static PredictRequest row(String model, int i) {
    return PredictRequest.newBuilder()
        .setModelName(model)
        .addInputs(Tensors.of("x", new float[][] {{i, i + 0.5f}}))
        .build();
  }

  @Test
  void predict_blockingAndAsync() throws Exception {
    PredictResponse r = client.predict("m", Tensors.of("x", new float[][] {{1f, 2f}}));
    assertThat(Tensors.toFloatMatrix(r.getOutputs(0))).isDeepEqualTo(new float[][] {{2f, 4f}});
    assertThat(
            Tensors.toFloats(
                client.predictAsync(row("m", 3)).get(30, TimeUnit.SECONDS).getOutputs(0)))
        .containsExactly(6f, 7f);
  }

  @Test
  void serverErrors_surfaceWithTheirStatus() {
    assertThatThrownBy(() -> client.predict(row("bad", 1)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("input \"x\": bad");
  }

  @Test
  void defaultDeadline_appliesToEveryCall() {
    ModelportClient hasty =
        ModelportClient.builder().channel(channel).defaultDeadline(Duration.ofMillis(200)).build();
    assertThatThrownBy(() -> hasty.predict(row("silent", 1)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
  }

  @Test
  void session_streams10kRows_withBoundedInFlight_andMatchesEveryAnswer() throws Exception {
    int n = 10_000; // 156 windows' worth: flow control turns over many times (100k took 7 s)
    int window = 64;
    AtomicInteger maxInFlight = new AtomicInteger();
    AtomicInteger wrong = new AtomicInteger();
    AtomicInteger answered = new AtomicInteger();
    try (PredictSession s = client.openSession(window)) {
      for (int i = 0; i < n; i++) {
        int row = i;
        s.submit(row("m", row).toBuilder().setRequestId("r" + row).build())
            .whenComplete(
                (r, e) -> {
                  if (e != null
                      || !r.getRequestId().equals("r" + row)
                      || Tensors.toFloats(r.getOutputs(0))[0] != 2f * row) {
                    wrong.incrementAndGet();
                  }
                  answered.incrementAndGet();
                });
        maxInFlight.accumulateAndGet(s.inFlight(), Math::max);
      }
    }
    assertThat(answered).hasValue(n);
    assertThat(wrong).hasValue(0);
    assertThat(maxInFlight.get()).isLessThanOrEqualTo(window);
  }

  @Test
  void session_perItemErrors_failOnlyThatItem() throws Exception {
    List<CompletableFuture<PredictResponse>> fs = new ArrayList<>();
    try (PredictSession s = client.openSession(16)) {
      for (int i = 0; i < 100; i++) {
        fs.add(s.submit(row(i % 10 == 0 ? "bad" : "m", i)));
      }
    }
    for (int i = 0; i < 100; i++) {
      if (i % 10 == 0) {
        CompletableFuture<PredictResponse> f = fs.get(i);
        assertThatThrownBy(f::get)
            .isInstanceOf(ExecutionException.class)
            .cause()
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
      } else {
        assertThat(fs.get(i).get().getOutputsCount()).isEqualTo(1);
      }
    }
  }

  @Test
  void session_cancel_failsOutstandingWithCancelled() throws Exception {
    PredictSession s = client.openSession(8);
    CompletableFuture<PredictResponse> f = s.submit(row("silent", 1));
    s.cancel();
    assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS))
        .cause()
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED));
  }

  @Test
  void session_close_waitsAtMostTheDeadline_thenCancelsWhatIsLeft() throws Exception {
    PredictSession s = client.withDeadline(java.time.Duration.ofMillis(300)).openSession(8);
    CompletableFuture<PredictResponse> answered = s.submit(row("m", 1));
    CompletableFuture<PredictResponse> never = s.submit(row("silent", 2));
    long start = System.nanoTime();
    s.close();
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(tookMs).isBetween(250L, 20_000L); // held for the deadline, not a day
    assertThat(answered).isCompleted();
    assertThat(answered.get().getRequestId()).isNotEmpty();
    assertThatThrownBy(() -> never.get(10, TimeUnit.SECONDS))
        .cause()
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED));
  }

  @Test
  void predictAll_ordered_keepsRequestOrder_withErrorsInPlace() {
    Iterator<PredictRequest> source =
        IntStream.range(0, 5000).mapToObj(i -> row(i % 100 == 7 ? "bad" : "m", i)).iterator();
    int i = 0;
    try (StreamResults results = client.predictAll(source, 32, true)) {
      while (results.hasNext()) {
        StreamResult r = results.next();
        float x = Tensors.toFloats(r.request().getInputs(0))[0];
        assertThat(x).isEqualTo((float) i);
        assertThat(r.request().getRequestId()).as("ids given to every item").isNotEmpty();
        if (i % 100 == 7) {
          assertThat(r.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        } else {
          assertThat(r.ok()).isTrue();
          assertThat(Tensors.toFloats(r.response().getOutputs(0))[0]).isEqualTo(2f * i);
        }
        i++;
      }
      assertThat(results.resent()).as("items answered with an error are not re-sent").isZero();
    }
    assertThat(i).isEqualTo(5000);
    assertThat(fake.received.get()).isEqualTo(5000);
  }

  @Test
  void predictAll_whenEveryReplicaIsGone_resendsABoundedNumberOfTimes_thenFails() throws Exception {
    int items = 20;
    Iterator<PredictRequest> source =
        IntStream.range(0, items).mapToObj(i -> row("silent", i)).iterator();
    try (StreamResults results = client.predictAll(source, items, false, 2)) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (fake.received.get() < items) {
        assertThat(System.nanoTime()).as("every item reached the server").isLessThan(deadline);
        java.util.concurrent.locks.LockSupport.parkNanos(
            100_000); // poll; a spin would take the core the awaited thread needs
      }
      server.shutdownNow(); // the streams break under their unanswered items
      List<StreamResult> all = new ArrayList<>();
      results.stream().forEach(all::add);
      assertThat(all).hasSize(items);
      assertThat(all).allMatch(r -> r.status().getCode() == Status.Code.UNAVAILABLE);
      assertThat(results.resent()).isEqualTo((long) items * StreamResults.MAX_RESENDS);
    }
  }

  @Test
  void retryPolicy_refusesNonsense() {
    assertThatThrownBy(() -> RetryPolicy.DEFAULT.withMaxAttempts(0))
        .hasMessageContaining("maxAttempts");
    assertThatThrownBy(() -> RetryPolicy.DEFAULT.withCodes())
        .hasMessageContaining("at least one status code");
    assertThatThrownBy(
            () -> RetryPolicy.DEFAULT.withBackoff(Duration.ZERO, Duration.ofSeconds(1), 2))
        .hasMessageContaining("backoff");
    assertThatThrownBy(
            () -> RetryPolicy.DEFAULT.withBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 2))
        .hasMessageContaining("backoff");
    assertThatThrownBy(
            () ->
                RetryPolicy.DEFAULT.withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 0.5))
        .hasMessageContaining("multiplier");
    assertThat(RetryPolicy.NONE.withCodes().maxAttempts()).isEqualTo(1);
  }

  @Test
  void predictOptions_builderRoundTrip_andDefaultsLeaveRequestsAlone() {
    PredictOptions o =
        PredictOptions.builder().version("3").parameter("k", "v").outputNames("a", "b").build();
    PredictOptions copy = o.toBuilder().rawOutput(true).build();
    assertThat(copy.version()).isEqualTo("3");
    assertThat(copy.parameters()).containsEntry("k", "v");
    assertThat(copy.outputNames()).containsExactly("a", "b");
    assertThat(copy.rawOutput()).isTrue();
    assertThat(o.rawOutput()).isFalse();
    assertThat(copy.toString()).contains("version=3").contains("rawOutput=true");
    assertThat(PredictOptions.DEFAULTS.toString()).contains("version=default");
    PredictRequest r = row("m", 1);
    assertThat(PredictOptions.DEFAULTS.applyTo(r)).isSameAs(r);
    assertThat(PredictOptions.builder().build().applyTo(r)).isSameAs(r);
    assertThat(
            PredictOptions.builder()
                .parameter("k", "v")
                .build()
                .applyTo(r.toBuilder().putParameters("k", "mine").build())
                .getParametersMap())
        .containsEntry("k", "mine");
  }

  @Test
  void predictAll_unordered_returnsEveryResultOnce() {
    Iterator<PredictRequest> source =
        IntStream.range(0, 3000).mapToObj(i -> row("m", i)).iterator();
    Set<Float> seen = new HashSet<>();
    try (StreamResults results = client.predictAll(source, 100, false)) {
      results.forEachRemaining(
          r -> assertThat(seen.add(Tensors.toFloats(r.request().getInputs(0))[0])).isTrue());
    }
    assertThat(seen).hasSize(3000);
  }

  @Test
  void serviceConfig_retriesUnavailable_andBalancesRoundRobin() {
    var config = ModelportClientBuilder.serviceConfig(RetryPolicy.DEFAULT);
    assertThat(config.toString())
        .contains("round_robin")
        .contains("UNAVAILABLE")
        .contains("maxAttempts=5.0");
    assertThat(ModelportClientBuilder.serviceConfig(RetryPolicy.NONE).toString())
        .doesNotContain("retryPolicy");
    assertThat(
            ModelportClientBuilder.serviceConfig(
                    RetryPolicy.DEFAULT
                        .withCodes(Status.Code.UNAVAILABLE, Status.Code.RESOURCE_EXHAUSTED)
                        .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 1.5))
                .toString())
        .contains("retryableStatusCodes=[RESOURCE_EXHAUSTED, UNAVAILABLE]")
        .contains("initialBackoff=0.1s")
        .contains("maxBackoff=1s")
        .contains("backoffMultiplier=1.5");
  }

  @Test
  void withOptions_fillsWhatTheRequestLeavesUnset_andTheOriginalKeepsItsOwn() {
    ModelportClient v2 =
        client.withOptions(
            PredictOptions.builder()
                .version("2")
                .parameter("normalize", "false")
                .outputNames("y")
                .rawOutput(true)
                .build());
    v2.predict(row("m", 1));
    assertThat(fake.last.getModelVersion()).isEqualTo("2");
    assertThat(fake.last.getParametersMap()).containsEntry("normalize", "false");
    assertThat(fake.last.getOutputNamesList()).containsExactly("y");
    assertThat(fake.last.getRawOutput()).isTrue();
    v2.predict(row("m", 1).toBuilder().setModelVersion("7").build());
    assertThat(fake.last.getModelVersion()).as("the request's own version wins").isEqualTo("7");
    client.predict(row("m", 1));
    assertThat(fake.last.getModelVersion()).isEmpty();
    assertThat(fake.last.getRawOutput()).isFalse();
  }

  @Test
  void withDeadline_givesThatDeadlineToEachCall() {
    client.withDeadline(Duration.ofMillis(1500)).predict(row("m", 1));
    assertThat(fake.lastDeadline.timeRemaining(TimeUnit.MILLISECONDS)).isBetween(1L, 1500L);
    client.predict(row("m", 1));
    assertThat(fake.lastDeadline.timeRemaining(TimeUnit.MILLISECONDS)).isGreaterThan(20_000L);
  }

  @Test
  void cancellingTheFuture_cancelsTheCallOnTheServer() throws Exception {
    CompletableFuture<PredictResponse> f = client.predictAsync(row("silent", 1));
    // cancelled once the server is working on it (a call cancelled before it reached the server
    // never starts there at all)
    assertThat(fake.silentStarted.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(f.cancel(true)).isTrue();
    assertThat(fake.cancelled.await(10, TimeUnit.SECONDS))
        .as("the server saw the call cancelled")
        .isTrue();
  }

  @Test
  void failures_carryTheCallersStackAndTheStatus() {
    assertThatThrownBy(() -> client.predict(row("bad", 1)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStackTrace())
                  .anyMatch(
                      f -> f.getMethodName().equals("failures_carryTheCallersStackAndTheStatus"));
            });
  }

  @Test
  void retryPolicy_retriesTheCodesItNames_onARealPort() throws Exception {
    Server tcp =
        io.grpc.Grpc.newServerBuilderForPort(0, io.grpc.InsecureServerCredentials.create())
            .addService(fake)
            .build()
            .start();
    try (ModelportClient plain =
            ModelportClient.builder().target("localhost:" + tcp.getPort()).build();
        ModelportClient patient =
            ModelportClient.builder()
                .target("localhost:" + tcp.getPort())
                .retryPolicy(
                    RetryPolicy.DEFAULT
                        .withCodes(Status.Code.UNAVAILABLE, Status.Code.RESOURCE_EXHAUSTED)
                        .withBackoff(Duration.ofMillis(10), Duration.ofMillis(50), 2.0))
                .build()) {
      fake.busyAnswers.set(2);
      assertThatThrownBy(() -> plain.predict(row("busy", 1)))
          .hasMessageContaining("RESOURCE_EXHAUSTED");
      fake.busyAnswers.set(2);
      assertThat(patient.predict(row("busy", 1)).getOutputsCount()).isEqualTo(1);
      assertThat(fake.busyAnswers.get()).as("two refusals, then the answer").isEqualTo(-1);
    } finally {
      tcp.shutdownNow();
    }
  }
}
