package dev.modelport.server.it;

import static dev.modelport.server.it.Requests.CLASSIC_IRIS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.modelport.server.testing.TempStore;
import dev.modelport.v1.DataType;
import dev.modelport.v1.GetModelRequest;
import dev.modelport.v1.ModelState;
import dev.modelport.v1.ModelStatus;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import dev.modelport.v1.Tensor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each row of docs/contract.md's error table, over a real port; the server keeps serving after
 * each.
 */
class ErrorsIT {
  static ServerFixture fx;

  @BeforeAll
  static void start() throws Exception {
    TempStore store = new TempStore().copy("iris", "iris");
    store.write(
        "iris/config.pbtxt", TempStore.irisConfig("version_labels { key: \"stable\" value: 1 }\n"));
    // a model whose only version cannot load
    store
        .write("broken/config.pbtxt", "max_batch_size: 8\n")
        .write("broken/1/model.onnx", "not onnx");
    // a model that asks for a GPU this machine does not have
    store
        .copy("iris", "needs-gpu")
        .write(
            "needs-gpu/config.pbtxt",
            TempStore.irisConfig("instance_group { kind: KIND_GPU gpus: [0] }\n"));
    // a tiny queue, one instance, for RESOURCE_EXHAUSTED
    store.copy("all-minilm-l6-v2", "tiny-queue");
    store.write(
        "tiny-queue/config.pbtxt",
        """
        max_batch_size: 1
        output { name: "embedding" dtype: DATA_TYPE_FLOAT32 shape: [384] }
        dynamic_batching { max_queue_size: 1 }
        translator { name: "text_embedding" }
        """);
    // one instance that a batch of 32 long texts keeps busy for a while
    store.copy("all-minilm-l6-v2", "busy");
    store.write(
        "busy/config.pbtxt",
        """
        max_batch_size: 32
        output { name: "embedding" dtype: DATA_TYPE_FLOAT32 shape: [384] }
        instance_group { count: 1 kind: KIND_CPU }
        translator { name: "text_embedding" }
        """);
    fx = new ServerFixture(store.root);
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  static AbstractThrowableAssert<?, ? extends Throwable> fails(PredictRequest r, Status.Code code) {
    return assertThatThrownBy(() -> fx.inference().predict(r))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(code));
  }

  static PredictRequest iris() {
    return Requests.iris("iris", CLASSIC_IRIS);
  }

  @Test
  void unknownModelVersionOrLabel_isNotFound() {
    fails(iris().toBuilder().setModelName("nope").build(), Status.Code.NOT_FOUND)
        .hasMessageContaining("model \"nope\" is not served");
    fails(iris().toBuilder().setModelVersion("7").build(), Status.Code.NOT_FOUND)
        .hasMessageContaining("has no version 7");
    fails(iris().toBuilder().setModelVersion("canary").build(), Status.Code.NOT_FOUND)
        .hasMessageContaining("no version label \"canary\"; labels: [stable]");
    assertThat(
            fx.inference()
                .predict(iris().toBuilder().setModelVersion("stable").build())
                .getModelVersion())
        .isEqualTo("1");
  }

  @Test
  void knownModelWithoutReadyVersion_isUnavailable_withTheReason() {
    fails(Requests.iris("broken", CLASSIC_IRIS), Status.Code.UNAVAILABLE)
        .hasMessageContaining("has no READY version")
        .hasMessageContaining("broken/1/model.onnx");
    ModelStatus s =
        fx.models()
            .getModel(GetModelRequest.newBuilder().setModelName("broken").build())
            .getModel();
    assertThat(s.getVersions(0).getState()).isEqualTo(ModelState.MODEL_STATE_FAILED);
    assertThat(s.getVersions(0).getMessage()).contains("OnnxRuntime cannot load it");
  }

  @Test
  void gpuRequestOnCpuMachine_failsThatModelOnly() {
    ModelStatus s =
        fx.models()
            .getModel(GetModelRequest.newBuilder().setModelName("needs-gpu").build())
            .getModel();
    assertThat(s.getVersions(0).getState()).isEqualTo(ModelState.MODEL_STATE_FAILED);
    assertThat(s.getVersions(0).getMessage()).contains("instance_group[0]").contains("GPU");
    assertThat(fx.inference().predict(iris()).getOutputsCount()).isEqualTo(1);
  }

  @Test
  void badInputs_areInvalidArgument_namingTheInput() {
    Tensor good = iris().getInputs(0);
    fails(PredictRequest.newBuilder().setModelName("iris").build(), Status.Code.INVALID_ARGUMENT)
        .hasMessageContaining("inputs: missing [\"features\"]");
    fails(
            iris().toBuilder().addInputs(good.toBuilder().setName("extra")).build(),
            Status.Code.INVALID_ARGUMENT)
        .hasMessageContaining("input \"extra\": not an input of this model");
    fails(with(good.toBuilder().setDtype(DataType.DATA_TYPE_FLOAT64)), Status.Code.INVALID_ARGUMENT)
        .hasMessageContaining(
            "input \"features\": dtype FLOAT64 does not match the model's FLOAT32");
    fails(with(good.toBuilder().clearShape().addShape(4).addShape(6)), Status.Code.INVALID_ARGUMENT)
        .hasMessageContaining("input \"features\": shape [4,6] does not fit [-1,4]");
    fails(with(good.toBuilder().addFloatVal(1f)), Status.Code.INVALID_ARGUMENT)
        .hasMessageContaining(
            "input \"features\": 25 values in float_val but shape [6,4] needs 24");
    fails(
            with(good.toBuilder().clearFloatVal().setRaw(ByteString.copyFrom(new byte[95]))),
            Status.Code.INVALID_ARGUMENT)
        .hasMessageContaining("input \"features\": raw has 95 bytes")
        .hasMessageContaining("needs 96");
    float[][] big = new float[65][4];
    fails(Requests.iris("iris", big), Status.Code.INVALID_ARGUMENT)
        .hasMessageContaining("batch of 65 rows exceeds max_batch_size 64");
    fails(
            iris().toBuilder().putParameters("temperature", "2").build(),
            Status.Code.INVALID_ARGUMENT)
        .hasMessageContaining("parameters");
    // and the server keeps serving
    assertThat(fx.inference().predict(iris()).getOutputs(0).getShapeList()).containsExactly(6L, 3L);
  }

  static PredictRequest with(Tensor.Builder input) {
    return PredictRequest.newBuilder().setModelName("iris").addInputs(input).build();
  }

  /**
   * A request whose deadline passes while it waits behind a busy worker is dropped by the server,
   * never computed. The client's own timer also fires, so the proof is on the server: its batch
   * histogram shows the busy batch (32 rows) and the one sent after (2 rows), not the dropped
   * request's row. Seen failing with the drop switched off ({@code InferenceRequest.dropReason}
   * returning null): three batches, 35 rows.
   */
  @Test
  void deadlinePassedWhileQueued_isDroppedByTheServer_neverComputed() throws Exception {
    String[] labels = {"model=\"busy\"", "version=\"1\""};
    String[] texts = new String[32];
    java.util.Arrays.fill(texts, "modelport keeps this worker busy ".repeat(60)); // 256 tokens
    PredictRequest blocker = Requests.texts(texts).toBuilder().setModelName("busy").build();
    PredictRequest late = Requests.texts("too late").toBuilder().setModelName("busy").build();
    var async = dev.modelport.v1.InferenceServiceGrpc.newFutureStub(fx.channel);
    var busy = async.withDeadlineAfter(120, TimeUnit.SECONDS).predict(blocker);
    // Only once the server holds the blocker (its memory is charged when it is decoded and queued)
    // is the late one sent: it cannot overtake the blocker, and queues behind it.
    long held = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (MetricsIT.value(fx.server.metrics().scrape(), "modelport_request_memory_in_use_bytes")
        == 0) {
      assertThat(System.nanoTime()).as("the server took the blocker").isLessThan(held);
      java.util.concurrent.locks.LockSupport.parkNanos(
          100_000); // poll; a spin would take the core the awaited thread needs
    }
    var dropped = async.withDeadlineAfter(50, TimeUnit.MILLISECONDS).predict(late);
    assertThatThrownBy(() -> dropped.get(60, TimeUnit.SECONDS))
        .hasCauseInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("DEADLINE_EXCEEDED");
    assertThat(busy.get(120, TimeUnit.SECONDS).getOutputs(0).getShape(0)).isEqualTo(32);
    // One more request (2 rows) after both: once its batch is counted, every earlier one is too.
    fx.inference()
        .predict(Requests.texts("after", "both").toBuilder().setModelName("busy").build());
    String body = fx.server.metrics().scrape();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (MetricsIT.value(body, "modelport_batch_size_rows_sum", labels) < 34
        && System.nanoTime() < deadline) {
      java.util.concurrent.locks.LockSupport.parkNanos(
          100_000); // poll; a spin would take the core the awaited thread needs
      body = fx.server.metrics().scrape();
    }
    assertThat(MetricsIT.value(body, "modelport_batch_size_rows_count", labels)).isEqualTo(2);
    assertThat(MetricsIT.value(body, "modelport_batch_size_rows_sum", labels)).isEqualTo(34);
  }

  @Test
  void fullQueue_isResourceExhausted_andOthersStillSucceed() throws Exception {
    // One worker, a queue of one: of 64 concurrent long texts, the worker holds one, the queue
    // one more, and the rest are refused at once.
    String text = "modelport ".repeat(200);
    List<CompletableFuture<Status.Code>> calls = new ArrayList<>();
    PredictRequest req = Requests.texts(text).toBuilder().setModelName("tiny-queue").build();
    for (int i = 0; i < 64; i++) {
      CompletableFuture<Status.Code> f = new CompletableFuture<>();
      calls.add(f);
      fx.inferenceAsync()
          .withDeadlineAfter(60, TimeUnit.SECONDS)
          .predict(
              req,
              new StreamObserver<>() {
                @Override
                public void onNext(PredictResponse value) {}

                @Override
                public void onError(Throwable t) {
                  f.complete(Status.fromThrowable(t).getCode());
                }

                @Override
                public void onCompleted() {
                  f.complete(Status.Code.OK);
                }
              });
    }
    List<Status.Code> codes = new ArrayList<>();
    for (CompletableFuture<Status.Code> f : calls) {
      codes.add(f.get(60, TimeUnit.SECONDS));
    }
    assertThat(codes).containsOnly(Status.Code.OK, Status.Code.RESOURCE_EXHAUSTED);
    assertThat(codes).contains(Status.Code.OK, Status.Code.RESOURCE_EXHAUSTED);
  }
}
