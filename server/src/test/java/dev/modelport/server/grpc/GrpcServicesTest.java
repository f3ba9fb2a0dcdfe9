package dev.modelport.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelport.server.ModelportServer;
import dev.modelport.server.admission.Admission;
import dev.modelport.server.admission.MemoryBudget;
import dev.modelport.server.admission.ReceiveSlots;
import dev.modelport.v1.GetModelRequest;
import dev.modelport.v1.InferenceServiceGrpc;
import dev.modelport.v1.ListModelsRequest;
import dev.modelport.v1.ModelServiceGrpc;
import dev.modelport.v1.ModelState;
import dev.modelport.v1.ModelStatus;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import dev.modelport.v1.ReloadModelRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gRPC services in process over a real registry and a fake loader: what ListModels, GetModel,
 * ReloadModel, Health and Predict answer, and with which codes and messages (docs/contract.md).
 */
class GrpcServicesTest {
  @TempDir Path dir;
  final FakeModels models = new FakeModels();
  InProcessModelport fixture;
  ModelportServer server;
  ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    FakeModels.store(dir);
    Files.writeString(
        dir.resolve("m/config.pbtxt"),
        Files.readString(dir.resolve("m/config.pbtxt"))
            + "version_policy { all {} }\nversion_labels { key: \"stable\" value: 1 }\n");
    fixture =
        new InProcessModelport(
            dir, models, new Admission(new MemoryBudget(1 << 30), new ReceiveSlots(8)));
    server = fixture.server;
    channel = fixture.channel;
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  ModelServiceGrpc.ModelServiceBlockingStub admin() {
    return ModelServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  ServingStatus health(String service) {
    return HealthGrpc.newBlockingStub(channel)
        .check(HealthCheckRequest.newBuilder().setService(service).build())
        .getStatus();
  }

  static void assertStatus(Throwable t, Status.Code code, String messageStart) {
    assertThat(t).isInstanceOf(StatusRuntimeException.class);
    Status s = ((StatusRuntimeException) t).getStatus();
    assertThat(s.getCode()).isEqualTo(code);
    assertThat(s.getDescription()).startsWith(messageStart);
  }

  /** Predicts on a thread of its own and answers the request the fake model receives. */
  PredictResponse predictAnswered(PredictRequest req) throws Exception {
    var call = InferenceServiceGrpc.newFutureStub(channel).predict(req);
    FakeModels.answer(models.submitted.poll(10, TimeUnit.SECONDS));
    return call.get(10, TimeUnit.SECONDS);
  }

  @Test
  void listAndGet_showStatesSignatureAndLabels() {
    ModelStatus m = admin().listModels(ListModelsRequest.getDefaultInstance()).getModels(0);
    assertThat(m.getName()).isEqualTo("m");
    assertThat(m.getDefaultVersion()).isEqualTo("1");
    assertThat(m.getVersions(0).getState()).isEqualTo(ModelState.MODEL_STATE_READY);
    assertThat(m.getVersions(0).getDevicesList()).containsExactly("cpu()");
    assertThat(m.getInputs(0).getName()).isEqualTo("x");
    assertThat(m.getMaxBatchSize()).isEqualTo(8);
    assertThat(m.getVersionLabelsMap()).containsEntry("stable", "1");
    assertThat(admin().getModel(GetModelRequest.newBuilder().setModelName("m").build()).getModel())
        .isEqualTo(m);
    assertThatThrownBy(
            () -> admin().getModel(GetModelRequest.newBuilder().setModelName("nope").build()))
        .satisfies(t -> assertStatus(t, Status.Code.NOT_FOUND, "model \"nope\" is not served"));
  }

  @Test
  void reload_newVersion_brokenVersion_unknownAndInvalidNames() throws Exception {
    Files.createDirectories(dir.resolve("m/2"));
    Files.writeString(dir.resolve("m/2/model.onnx"), "fake 2");
    ModelStatus s =
        admin().reloadModel(ReloadModelRequest.newBuilder().setModelName("m").build()).getModels(0);
    assertThat(s.getDefaultVersion()).isEqualTo("2");
    assertThat(predictAnswered(AdmissionTest.request(1)).getModelVersion()).isEqualTo("2");
    assertThat(
            predictAnswered(AdmissionTest.request(1).toBuilder().setModelVersion("stable").build())
                .getModelVersion())
        .isEqualTo("1");
    Files.createDirectories(dir.resolve("m/3"));
    Files.writeString(dir.resolve("m/3/model.onnx"), "broken");
    s = admin().reloadModel(ReloadModelRequest.newBuilder().setModelName("m").build()).getModels(0);
    assertThat(s.getVersions(2).getState()).isEqualTo(ModelState.MODEL_STATE_FAILED);
    assertThat(s.getVersions(2).getMessage()).isEqualTo("m/3: broken on purpose");
    assertThatThrownBy(
            () ->
                InferenceServiceGrpc.newBlockingStub(channel)
                    .predict(AdmissionTest.request(1).toBuilder().setModelVersion("3").build()))
        .satisfies(
            t -> assertStatus(t, Status.Code.UNAVAILABLE, "model \"m\" version 3 is FAILED: m/3"));
    for (String bad : List.of("nope", "../m", "")) {
      if (bad.isEmpty()) {
        assertThat(admin().reloadModel(ReloadModelRequest.getDefaultInstance()).getModelsCount())
            .isEqualTo(1);
        continue;
      }
      assertThatThrownBy(
              () -> admin().reloadModel(ReloadModelRequest.newBuilder().setModelName(bad).build()))
          .satisfies(
              t ->
                  assertStatus(
                      t,
                      Status.Code.NOT_FOUND,
                      "model \"" + bad + "\" is neither served nor in the model store"));
    }
  }

  @Test
  void resolving_unknownModelsVersionsAndLabels() {
    var stub = InferenceServiceGrpc.newBlockingStub(channel);
    PredictRequest req = AdmissionTest.request(1);
    assertThatThrownBy(() -> stub.predict(req.toBuilder().setModelName("zz").build()))
        .satisfies(
            t -> assertStatus(t, Status.Code.NOT_FOUND, "model \"zz\" is not served; models: [m]"));
    assertThatThrownBy(() -> stub.predict(req.toBuilder().setModelVersion("7").build()))
        .satisfies(t -> assertStatus(t, Status.Code.NOT_FOUND, "model \"m\" has no version 7"));
    assertThatThrownBy(() -> stub.predict(req.toBuilder().setModelVersion("canary").build()))
        .satisfies(
            t ->
                assertStatus(
                    t,
                    Status.Code.NOT_FOUND,
                    "model \"m\" has no version label \"canary\"; labels: [stable]"));
    assertThatThrownBy(() -> stub.predict(req.toBuilder().clearInputs().build()))
        .satisfies(t -> assertStatus(t, Status.Code.INVALID_ARGUMENT, "inputs: missing [\"x\"]"));
  }

  @Test
  void health_followsEachModel_andTheServiceNeedsThemAll() throws Exception {
    assertThat(health("")).isEqualTo(ServingStatus.SERVING);
    assertThat(health("modelport.v1.InferenceService")).isEqualTo(ServingStatus.SERVING);
    assertThat(health("m")).isEqualTo(ServingStatus.SERVING);
    Files.createDirectories(dir.resolve("n/1"));
    Files.writeString(dir.resolve("n/1/model.onnx"), "broken");
    Files.copy(dir.resolve("m/config.pbtxt"), dir.resolve("n/config.pbtxt"));
    admin().reloadModel(ReloadModelRequest.getDefaultInstance());
    assertThat(health("n")).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(health("m")).isEqualTo(ServingStatus.SERVING);
    assertThat(health("modelport.v1.InferenceService")).isEqualTo(ServingStatus.NOT_SERVING);
    assertThatThrownBy(
            () ->
                InferenceServiceGrpc.newBlockingStub(channel)
                    .predict(AdmissionTest.request(1).toBuilder().setModelName("n").build()))
        .satisfies(
            t ->
                assertStatus(
                    t,
                    Status.Code.UNAVAILABLE,
                    "model \"n\" has no READY version: version 1 FAILED (n/1: broken on purpose)"));
    Files.walk(dir.resolve("n"))
        .sorted(java.util.Comparator.reverseOrder())
        .forEach(p -> p.toFile().delete());
    admin().reloadModel(ReloadModelRequest.getDefaultInstance());
    assertThat(health("modelport.v1.InferenceService")).isEqualTo(ServingStatus.SERVING);
    assertThatThrownBy(() -> health("n"))
        .satisfies(
            t -> assertThat(Status.fromThrowable(t).getCode()).isEqualTo(Status.Code.NOT_FOUND));
    server.stop();
    // after stop: everything NOT_SERVING for good (checked before the channel closes)
  }

  @Test
  void stream_answersEachItem_andAFailedItemDoesNotEndTheStream() throws Exception {
    Answers<PredictResponse> answers = new Answers<>();
    StreamObserver<PredictRequest> in =
        InferenceServiceGrpc.newStub(channel).predictStream(answers);
    in.onNext(AdmissionTest.request(1).toBuilder().setRequestId("bad").setModelName("zz").build());
    in.onNext(AdmissionTest.request(2).toBuilder().setRequestId("good").build());
    FakeModels.answer(models.submitted.poll(10, TimeUnit.SECONDS));
    in.onCompleted();
    PredictResponse first = (PredictResponse) answers.queue.poll(10, TimeUnit.SECONDS);
    PredictResponse second = (PredictResponse) answers.queue.poll(10, TimeUnit.SECONDS);
    assertThat(answers.queue.poll(10, TimeUnit.SECONDS)).isEqualTo("completed");
    PredictResponse bad = first.getRequestId().equals("bad") ? first : second;
    PredictResponse good = first.getRequestId().equals("bad") ? second : first;
    assertThat(bad.getError().getCode()).isEqualTo(Status.Code.NOT_FOUND.value());
    assertThat(bad.getError().getMessage()).startsWith("model \"zz\" is not served");
    assertThat(bad.getModelName()).isEqualTo("zz");
    assertThat(good.hasError()).isFalse();
    assertThat(good.getModelVersion()).isEqualTo("1");
    assertThat(good.getOutputs(0).getShapeList()).containsExactly(2L, 1L);
  }
}
