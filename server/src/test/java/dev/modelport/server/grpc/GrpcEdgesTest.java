package dev.modelport.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelport.server.ModelportServer;
import dev.modelport.server.admission.Admission;
import dev.modelport.server.admission.MemoryBudget;
import dev.modelport.server.admission.ReceiveSlots;
import dev.modelport.server.batching.Batcher;
import dev.modelport.server.registry.ModelRegistry;
import dev.modelport.server.runtime.InferenceRequest;
import dev.modelport.store.ModelStore;
import dev.modelport.v1.InferenceServiceGrpc;
import dev.modelport.v1.ModelServiceGrpc;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Receive slots, strict parsing, deadlines and metrics through the real services in process. Each
 * test names what it would catch: a slot never given back (the server stops reading), a waiting
 * call that leaves its place taken, a deadline not carried to the queue, a request not counted.
 */
class GrpcEdgesTest {
  @TempDir Path dir;
  final FakeModels models = new FakeModels();
  InProcessModelport fixture;
  ModelportServer server;
  ManagedChannel channel;
  ReceiveSlots slots;

  void start(int receiveSlots) throws Exception {
    FakeModels.store(dir);
    slots = new ReceiveSlots(receiveSlots);
    fixture = new InProcessModelport(dir, models, new Admission(new MemoryBudget(1 << 30), slots));
    server = fixture.server;
    channel = fixture.channel;
  }

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
      server.stop();
    }
  }

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      java.util.concurrent.locks.LockSupport.parkNanos(
          100_000); // poll; a spin would take the core the awaited thread needs
    }
  }

  @Test
  void aClosedVersion_isResolvedAgain_aFullQueue_isResourceExhausted() throws Exception {
    start(4);
    var stub = InferenceServiceGrpc.newFutureStub(channel);
    models.refusals.add(Batcher.Offer.CLOSED);
    models.refusals.add(Batcher.Offer.CLOSED);
    var call = stub.predict(AdmissionTest.request(1)); // third attempt is queued
    FakeModels.answer(models.submitted.poll(10, TimeUnit.SECONDS));
    assertThat(call.get(10, TimeUnit.SECONDS).getModelVersion()).isEqualTo("1");

    for (int i = 0; i < 3; i++) {
      models.refusals.add(Batcher.Offer.CLOSED);
    }
    assertThatThrownBy(
            () -> InferenceServiceGrpc.newBlockingStub(channel).predict(AdmissionTest.request(1)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE))
        .hasMessage("UNAVAILABLE: model \"m\" is being reloaded; retry");

    models.refusals.add(Batcher.Offer.FULL);
    assertThatThrownBy(
            () -> InferenceServiceGrpc.newBlockingStub(channel).predict(AdmissionTest.request(1)))
        .hasMessage("RESOURCE_EXHAUSTED: m: queue full");
    assertThat(models.submitted).isEmpty();
  }

  @Test
  void oneReceiveSlot_servesManyCallsInTurn_andEndsFree() throws Exception {
    start(1);
    List<com.google.common.util.concurrent.ListenableFuture<PredictResponse>> calls =
        new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      calls.add(InferenceServiceGrpc.newFutureStub(channel).predict(AdmissionTest.request(1)));
    }
    for (int i = 0; i < 20; i++) {
      FakeModels.answer(models.submitted.poll(10, TimeUnit.SECONDS));
    }
    for (var c : calls) {
      assertThat(c.get(10, TimeUnit.SECONDS).getOutputsCount()).isEqualTo(1);
    }
    await("the slot is free", () -> slots.inUse() == 0);
    assertThat(slots.waiting()).isZero();
  }

  @Test
  void aCallGivesItsSlotBack_assoonAsItsMessageArrived_notWhenItIsAnswered() throws Exception {
    start(1);
    var first = InferenceServiceGrpc.newFutureStub(channel).predict(AdmissionTest.request(1));
    var a = models.submitted.poll(10, TimeUnit.SECONDS); // read, and still being computed
    var second = InferenceServiceGrpc.newFutureStub(channel).predict(AdmissionTest.request(1));
    var b = models.submitted.poll(10, TimeUnit.SECONDS);
    assertThat(b).as("the second call was read while the first is computed").isNotNull();
    FakeModels.answer(a);
    FakeModels.answer(b);
    first.get(10, TimeUnit.SECONDS);
    second.get(10, TimeUnit.SECONDS);
  }

  /** Starts a Predict call that asks for its answer but never sends its message. */
  private ClientCall<PredictRequest, PredictResponse> silentCall() {
    ClientCall<PredictRequest, PredictResponse> call =
        channel.newCall(InferenceServiceGrpc.getPredictMethod(), CallOptions.DEFAULT);
    call.start(new ClientCall.Listener<>() {}, new Metadata());
    call.request(1);
    return call;
  }

  @Test
  void aCallHoldingTheOnlySlot_blocksOthers_untilItIsCancelled() throws Exception {
    start(1);
    ClientCall<PredictRequest, PredictResponse> silent = silentCall();
    await("the silent call holds the slot", () -> slots.inUse() == 1);
    var waiting = InferenceServiceGrpc.newFutureStub(channel).predict(AdmissionTest.request(1));
    await("the next call waits for it", () -> slots.waiting() == 1);
    assertThat(models.submitted).isEmpty(); // its message was never read
    silent.cancel("client gave up", null);
    FakeModels.answer(models.submitted.poll(10, TimeUnit.SECONDS));
    assertThat(waiting.get(10, TimeUnit.SECONDS).getOutputsCount()).isEqualTo(1);
    await("the slot is free", () -> slots.inUse() == 0);
  }

  @Test
  void aWaitingCallThatIsCancelled_givesUpItsPlace() throws Exception {
    start(1);
    ClientCall<PredictRequest, PredictResponse> silent = silentCall();
    await("the silent call holds the slot", () -> slots.inUse() == 1);
    ClientCall<PredictRequest, PredictResponse> queued = silentCall();
    await("the second waits", () -> slots.waiting() == 1);
    queued.cancel("gave up waiting", null);
    await("it left the queue", () -> slots.waiting() == 0);
    silent.cancel("done", null);
    await("the slot is free", () -> slots.inUse() == 0);
  }

  static final MethodDescriptor.Marshaller<byte[]> BYTES = dev.modelport.server.RawBytes.MARSHALLER;

  @Test
  void bytesThatDoNotParse_areInvalidArgument_onEveryService() throws Exception {
    start(4);
    byte[] garbage = {(byte) 0x0A, (byte) 0xFF, 1, 2}; // field 1, length 255, then too few bytes
    for (MethodDescriptor<?, ?> m :
        List.of(
            InferenceServiceGrpc.getPredictMethod(),
            ModelServiceGrpc.getListModelsMethod(),
            ModelServiceGrpc.getGetModelMethod(),
            ModelServiceGrpc.getReloadModelMethod())) {
      MethodDescriptor<byte[], byte[]> raw = m.toBuilder(BYTES, BYTES).build();
      assertThatThrownBy(
              () -> ClientCalls.blockingUnaryCall(channel, raw, CallOptions.DEFAULT, garbage))
          .as(m.getFullMethodName())
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                assertThat(e.getStatus().getDescription())
                    .startsWith("the request to " + m.getFullMethodName())
                    .contains("not a valid protobuf message");
              });
    }
  }

  @Test
  void theCallersDeadline_travelsWithTheRequestToTheQueue() throws Exception {
    start(4);
    var call =
        InferenceServiceGrpc.newFutureStub(channel)
            .withDeadlineAfter(300, TimeUnit.MILLISECONDS)
            .predict(AdmissionTest.request(1));
    InferenceRequest queued = models.submitted.poll(10, TimeUnit.SECONDS);
    assertThat(queued.dropReason()).isNull(); // not yet expired
    await("the deadline passed", () -> queued.dropReason() != null);
    assertThat(queued.dropReason().getMessage()).containsAnyOf("deadline", "cancelled");
    assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS)).hasMessageContaining("DEADLINE");
  }

  @Test
  void everyAnswer_isCountedByModelVersionAndCode_beforeTheCallerSeesIt() throws Exception {
    start(4);
    var ok = InferenceServiceGrpc.newFutureStub(channel).predict(AdmissionTest.request(2));
    FakeModels.answer(models.submitted.poll(10, TimeUnit.SECONDS));
    ok.get(10, TimeUnit.SECONDS);
    assertThatThrownBy(
            () ->
                InferenceServiceGrpc.newBlockingStub(channel)
                    .predict(AdmissionTest.request(1).toBuilder().setModelVersion("9").build()))
        .isInstanceOf(StatusRuntimeException.class);
    String body = server.metrics().scrape();
    assertThat(body)
        .contains("modelport_requests_total{code=\"OK\",model=\"m\",version=\"1\"} 1.0")
        .contains("modelport_requests_total{code=\"NOT_FOUND\",model=\"m\",version=\"\"} 1.0")
        .contains("modelport_request_duration_seconds_count{model=\"m\",version=\"1\"} 1");
  }

  /** What a health client sees of {@code reporter}, served in process. */
  @FunctionalInterface
  private interface HealthChecks {
    void run(io.grpc.health.v1.HealthGrpc.HealthBlockingStub health) throws Exception;
  }

  /** A fresh reporter over this test's registry, served in process while {@code checks} run. */
  private void withFreshHealth(java.util.function.Function<HealthReporter, HealthChecks> checks)
      throws Exception {
    start(4);
    HealthReporter fresh =
        new HealthReporter(new ModelRegistry(ModelStore.open(dir), models, Duration.ofSeconds(1)));
    String name = InProcessServerBuilder.generateName();
    io.grpc.Server s =
        InProcessServerBuilder.forName(name).addService(fresh.service()).build().start();
    ManagedChannel c = InProcessChannelBuilder.forName(name).build();
    try {
      checks.apply(fresh).run(io.grpc.health.v1.HealthGrpc.newBlockingStub(c));
    } finally {
      c.shutdownNow();
      s.shutdownNow();
    }
  }

  private static String status(
      io.grpc.health.v1.HealthGrpc.HealthBlockingStub health, String service) {
    return health
        .check(io.grpc.health.v1.HealthCheckRequest.newBuilder().setService(service).build())
        .getStatus()
        .name();
  }

  @Test
  void healthHeld_staysNotServing_untilReleased() throws Exception {
    withFreshHealth(
        held ->
            health -> {
              held.hold();
              held.update(); // what a version event does during the warm-up
              assertThat(status(health, "")).isEqualTo("NOT_SERVING");
              held.release();
              assertThat(status(health, "")).isEqualTo("SERVING");
            });
  }

  @Test
  void healthBeforeStart_andAfterStop_isNotServing() throws Exception {
    withFreshHealth(
        fresh ->
            health -> {
              for (String service : List.of("", "modelport.v1.InferenceService")) {
                assertThat(status(health, service)).isEqualTo("NOT_SERVING");
              }
              fresh.update();
              assertThat(status(health, "")).isEqualTo("SERVING");
              fresh.shutdown();
              fresh.update(); // ignored once terminal
              assertThat(status(health, "")).isEqualTo("NOT_SERVING");
            });
  }
}
