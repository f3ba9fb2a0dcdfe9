package dev.modelport.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelport.server.ModelportServer;
import dev.modelport.server.admission.Admission;
import dev.modelport.server.admission.MemoryBudget;
import dev.modelport.server.admission.ReceiveSlots;
import dev.modelport.server.runtime.InferenceRequest;
import dev.modelport.v1.DataType;
import dev.modelport.v1.InferenceServiceGrpc;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import dev.modelport.v1.Tensor;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory budget's accounting on every way a request can end, through the real gRPC services in
 * process (a fake model answers, fails or holds each request). Each test fails when the charge is
 * not taken (in use stays 0 while a request is pending) or not given back on that path (in use
 * stays above 0 after it ended): seen with the permit's close() in the unary interceptor's
 * onCancel, and in PredictStream's answer path, commented out.
 */
class AdmissionTest {
  @TempDir Path dir;
  final FakeModels models = new FakeModels();
  ModelportServer server;
  ManagedChannel channel;
  MemoryBudget budget;

  void start(long budgetBytes, int slots) throws Exception {
    start(budgetBytes, slots, false);
  }

  /** In process, or (for compression, which the in-process transport skips) on a real port. */
  void start(long budgetBytes, int slots, boolean onAPort) throws Exception {
    FakeModels.store(dir);
    budget = new MemoryBudget(budgetBytes);
    String name = InProcessServerBuilder.generateName();
    io.grpc.ServerBuilder<?> builder =
        onAPort
            ? io.grpc.Grpc.newServerBuilderForPort(0, io.grpc.InsecureServerCredentials.create())
            : InProcessServerBuilder.forName(name);
    server =
        InProcessModelport.builder(dir, models)
            .listener(builder)
            .admission(new Admission(budget, new ReceiveSlots(slots)))
            .build()
            .start();
    channel =
        onAPort
            ? io.grpc.Grpc.newChannelBuilderForAddress(
                    "localhost", server.port(), io.grpc.InsecureChannelCredentials.create())
                .build()
            : InProcessChannelBuilder.forName(name).build();
  }

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.stop();
    }
  }

  static PredictRequest request(int rows) {
    Tensor.Builder x =
        Tensor.newBuilder()
            .setName("x")
            .setDtype(DataType.DATA_TYPE_FLOAT32)
            .addShape(rows)
            .addShape(4);
    for (int i = 0; i < rows * 4; i++) {
      x.addFloatVal(i);
    }
    return PredictRequest.newBuilder().setModelName("m").addInputs(x).build();
  }

  private InferenceServiceGrpc.InferenceServiceFutureStub stub() {
    return InferenceServiceGrpc.newFutureStub(channel);
  }

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      java.util.concurrent.locks.LockSupport.parkNanos(
          100_000); // poll; a spin would take the core the awaited thread needs
    }
  }

  private void awaitReleased() {
    await("the budget is given back", () -> budget.inUse() == 0);
  }

  private InferenceRequest awaitSubmitted() throws InterruptedException {
    InferenceRequest r = models.submitted.poll(10, TimeUnit.SECONDS);
    assertThat(r).as("a request reached the model").isNotNull();
    return r;
  }

  @Test
  void answered_chargesWhilePending_andGivesBack() throws Exception {
    start(1 << 20, 4);
    PredictRequest req = request(2);
    var call = stub().predict(req);
    InferenceRequest pending = awaitSubmitted();
    assertThat(budget.inUse()).isEqualTo(MemoryBudget.estimate(req.getSerializedSize()));
    FakeModels.answer(pending);
    assertThat(call.get(10, TimeUnit.SECONDS).getOutputs(0).getShape(0)).isEqualTo(2);
    awaitReleased();
  }

  @Test
  void failedByTheModel_givesBack() throws Exception {
    start(1 << 20, 4);
    var call = stub().predict(request(1));
    awaitSubmitted().fail(new IllegalStateException("engine exploded"));
    assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS)).hasMessageContaining("INTERNAL");
    awaitReleased();
  }

  @Test
  void invalidRequest_givesBack() throws Exception {
    start(1 << 20, 4);
    PredictRequest bad = request(1).toBuilder().setModelName("nope").build();
    assertThatThrownBy(() -> stub().predict(bad).get(10, TimeUnit.SECONDS))
        .hasMessageContaining("NOT_FOUND");
    awaitReleased();
  }

  @Test
  void cancelledByTheCaller_givesBack() throws Exception {
    start(1 << 20, 4);
    var call = stub().predict(request(1));
    awaitSubmitted(); // never answered
    assertThat(budget.inUse()).isPositive();
    call.cancel(true);
    awaitReleased();
  }

  @Test
  void deadlinePassed_givesBack() throws Exception {
    start(1 << 20, 4);
    var call = stub().withDeadlineAfter(200, TimeUnit.MILLISECONDS).predict(request(1));
    awaitSubmitted(); // never answered: the deadline ends the call on the server
    assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS))
        .hasMessageContaining("DEADLINE_EXCEEDED");
    awaitReleased();
  }

  @Test
  void serverShutdown_givesBack() throws Exception {
    start(1 << 20, 4);
    var call = stub().predict(request(1));
    awaitSubmitted(); // never answered: the drain grace (1 s) runs out and the call is cut
    assertThat(budget.inUse()).isPositive();
    CompletableFuture.runAsync(server::stop, r -> new Thread(r).start());
    assertThatThrownBy(() -> call.get(20, TimeUnit.SECONDS)).isNotNull();
    awaitReleased();
  }

  @Test
  void overBudget_isRefusedBeforeDecoding_withResourceExhausted() throws Exception {
    PredictRequest big = request(8);
    long charge = MemoryBudget.estimate(big.getSerializedSize());
    start(charge + charge / 2, 4); // room for one
    var first = stub().predict(big);
    InferenceRequest pending = awaitSubmitted();
    assertThatThrownBy(() -> stub().predict(big).get(10, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(
            java.util.concurrent.ExecutionException.class,
            e -> {
              Status s = ((StatusRuntimeException) e.getCause()).getStatus();
              assertThat(s.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
              assertThat(s.getDescription()).contains("budget").contains("retry later");
            });
    assertThat(models.submitted).isEmpty(); // the refused one never reached the model
    assertThat(budget.refusals()).isEqualTo(1);
    FakeModels.answer(pending);
    first.get(10, TimeUnit.SECONDS);
    awaitReleased();
    stub().predict(big); // fits again
    FakeModels.answer(awaitSubmitted());
  }

  @Test
  void compressedRequests_ofUnknownLength_areChargedAfterDecoding_andRefusedOverBudget()
      throws Exception {
    // Seen failing with the after-decoding charge switched off: nothing charged while pending.
    PredictRequest big = request(8);
    long charge = MemoryBudget.estimate(big.getSerializedSize());
    start(charge + charge / 2, 4, true); // room for one
    var gzip = InferenceServiceGrpc.newFutureStub(channel).withCompression("gzip");
    var first = gzip.predict(big);
    InferenceRequest pending = awaitSubmitted();
    assertThat(budget.inUse()).isEqualTo(charge);
    assertThatThrownBy(() -> gzip.predict(big).get(10, TimeUnit.SECONDS))
        .hasMessageContaining("RESOURCE_EXHAUSTED")
        .hasMessageContaining("budget");
    FakeModels.answer(pending);
    first.get(10, TimeUnit.SECONDS);
    awaitReleased();
  }

  @Test
  void streamItems_eachChargedUntilAnswered_andCancellingTheStreamLosesNothing() throws Exception {
    start(1 << 20, 4);
    Answers<PredictResponse> answers = new Answers<>();
    StreamObserver<PredictRequest> in =
        InferenceServiceGrpc.newStub(channel).predictStream(answers);
    PredictRequest item = request(1);
    in.onNext(item);
    in.onNext(item);
    List<InferenceRequest> pending = new ArrayList<>(List.of(awaitSubmitted(), awaitSubmitted()));
    assertThat(budget.inUse()).isEqualTo(2 * MemoryBudget.estimate(item.getSerializedSize()));
    FakeModels.answer(pending.remove(0));
    assertThat(answers.queue.poll(10, TimeUnit.SECONDS)).isInstanceOf(PredictResponse.class);
    await(
        "one item's charge back",
        () -> budget.inUse() == MemoryBudget.estimate(item.getSerializedSize()));
    in.onError(Status.CANCELLED.asRuntimeException()); // the client goes away
    // The batcher drops a cancelled stream's queued items (it completes their futures); the fake
    // model does what the batcher does.
    InferenceRequest left = pending.remove(0);
    await("the server saw the cancel", () -> left.dropReason() != null);
    left.fail(left.dropReason());
    awaitReleased();
  }
}
