package dev.modelport.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.modelport.oip.GRPCInferenceServiceGrpc;
import dev.modelport.oip.InferParameter;
import dev.modelport.oip.InferTensorContents;
import dev.modelport.oip.ModelInferRequest;
import dev.modelport.oip.ModelInferResponse;
import dev.modelport.oip.ModelMetadataRequest;
import dev.modelport.oip.ModelReadyRequest;
import dev.modelport.oip.ModelStatisticsRequest;
import dev.modelport.oip.ModelStreamInferResponse;
import dev.modelport.oip.RepositoryIndexRequest;
import dev.modelport.oip.RepositoryModelLoadRequest;
import dev.modelport.oip.RepositoryModelUnloadRequest;
import dev.modelport.oip.ServerLiveRequest;
import dev.modelport.oip.ServerMetadataRequest;
import dev.modelport.oip.ServerReadyRequest;
import dev.modelport.server.admission.Admission;
import dev.modelport.server.admission.MemoryBudget;
import dev.modelport.server.admission.ReceiveSlots;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * inference.GRPCInferenceService in process over a real registry and a fake loader: every RPC, with
 * the codes and messages an OIP client gets.
 */
class OipServiceTest {
  @TempDir Path dir;
  final FakeModels models = new FakeModels();
  InProcessModelport fixture;
  GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub oip;
  Thread answering;

  @BeforeEach
  void start() throws Exception {
    FakeModels.store(dir);
    fixture =
        new InProcessModelport(
            dir, models, new Admission(new MemoryBudget(1 << 30), new ReceiveSlots(8)));
    oip =
        GRPCInferenceServiceGrpc.newBlockingStub(fixture.channel)
            .withDeadlineAfter(30, TimeUnit.SECONDS);
    answering =
        new Thread(
            () -> {
              try {
                while (true) {
                  FakeModels.answer(models.submitted.take());
                }
              } catch (InterruptedException e) {
                // done
              }
            });
    answering.setDaemon(true);
    answering.start();
  }

  @AfterEach
  void stop() {
    answering.interrupt();
    fixture.close();
  }

  static ByteString floats(float... v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      b.putFloat(f);
    }
    b.flip();
    return ByteString.copyFrom(b);
  }

  static ModelInferRequest rows(int n, String id) {
    return ModelInferRequest.newBuilder()
        .setModelName("m")
        .setId(id)
        .addInputs(
            ModelInferRequest.InferInputTensor.newBuilder()
                .setName("x")
                .setDatatype("FP32")
                .addShape(n)
                .addShape(4))
        .addRawInputContents(floats(new float[4 * n]))
        .build();
  }

  static Status.Code code(Runnable call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  @Test
  void serverAndModelState() {
    assertThat(oip.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
    assertThat(oip.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
    var md = oip.serverMetadata(ServerMetadataRequest.getDefaultInstance());
    assertThat(md.getName()).isEqualTo("modelport");
    assertThat(md.getExtensionsList()).contains("model_repository", "statistics");
    assertThat(oip.modelReady(ModelReadyRequest.newBuilder().setName("m").build()).getReady())
        .isTrue();
    assertThat(
            oip.modelReady(ModelReadyRequest.newBuilder().setName("m").setVersion("1").build())
                .getReady())
        .isTrue();
    assertThat(
            oip.modelReady(ModelReadyRequest.newBuilder().setName("m").setVersion("2").build())
                .getReady())
        .isFalse();
    assertThat(code(() -> oip.modelReady(ModelReadyRequest.newBuilder().setName("z").build())))
        .isEqualTo(Status.Code.NOT_FOUND);
    var meta = oip.modelMetadata(ModelMetadataRequest.newBuilder().setName("m").build());
    assertThat(meta.getPlatform()).isEqualTo("onnxruntime_onnx");
    assertThat(meta.getVersionsList()).containsExactly("1");
    assertThat(meta.getInputs(0).getShapeList()).containsExactly(-1L, 4L);
    assertThat(meta.getOutputs(0).getDatatype()).isEqualTo("FP32");
    assertThat(meta.getPropertiesMap()).containsEntry("max_batch_size", "8");
    assertThat(
            code(
                () ->
                    oip.modelMetadata(
                        ModelMetadataRequest.newBuilder().setName("m").setVersion("5").build())))
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(OipModels.platform("PyTorch")).isEqualTo("pytorch_libtorch");
  }

  @Test
  void modelInfer_rawByDefault_typedWhenAsked_errorsWithTheirCodes() {
    ModelInferResponse r = oip.modelInfer(rows(2, "a"));
    assertThat(r.getId()).isEqualTo("a");
    assertThat(r.getModelVersion()).isEqualTo("1");
    assertThat(r.getOutputs(0).getShapeList()).containsExactly(2L, 1L);
    assertThat(r.getRawOutputContents(0)).isEqualTo(floats(2f, 2f));
    ModelInferResponse typed =
        oip.modelInfer(
            rows(1, "b").toBuilder()
                .putParameters(
                    "typed_output", InferParameter.newBuilder().setBoolParam(true).build())
                .build());
    assertThat(typed.getRawOutputContentsCount()).isZero();
    assertThat(typed.getOutputs(0).getContents().getFp32ContentsList()).containsExactly(1f);
    assertThat(code(() -> oip.modelInfer(rows(1, "c").toBuilder().setModelName("z").build())))
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThatThrownBy(
            () ->
                oip.modelInfer(
                    rows(1, "d").toBuilder()
                        .setInputs(
                            0,
                            ModelInferRequest.InferInputTensor.newBuilder()
                                .setName("x")
                                .setDatatype("FP32")
                                .addShape(1)
                                .addShape(3))
                        .build()))
        .hasMessageContaining("INVALID_ARGUMENT")
        .hasMessageContaining("input \"x\"");
    assertThat(
            code(
                () ->
                    oip.modelInfer(
                        rows(1, "e").toBuilder()
                            .putParameters(
                                "typed_output",
                                InferParameter.newBuilder().setDoubleParam(2).build())
                            .build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void modelStreamInfer_answersBadItemsInBand_andGoesOn() throws Exception {
    Answers<ModelStreamInferResponse> answers = new Answers<>();
    StreamObserver<ModelInferRequest> in =
        GRPCInferenceServiceGrpc.newStub(fixture.channel).modelStreamInfer(answers);
    in.onNext(rows(1, "ok-1"));
    in.onNext(rows(1, "bad").toBuilder().setModelName("z").build());
    in.onNext(
        rows(1, "bad-2").toBuilder()
            .setInputs(
                0,
                ModelInferRequest.InferInputTensor.newBuilder()
                    .setName("x")
                    .setDatatype("FP32")
                    .addShape(1)
                    .addShape(4)
                    .setContents(InferTensorContents.newBuilder().addFp32Contents(1)))
            .build());
    in.onNext(rows(3, "ok-2"));
    in.onCompleted();
    for (int i = 0; i < 4; i++) {
      Object next = answers.queue.poll(30, TimeUnit.SECONDS);
      assertThat(next).isInstanceOf(ModelStreamInferResponse.class);
      ModelStreamInferResponse a = (ModelStreamInferResponse) next;
      String id = a.getInferResponse().getId();
      if (id.startsWith("ok")) {
        assertThat(a.getErrorMessage()).isEmpty();
        assertThat(a.getInferResponse().getRawOutputContentsCount()).isEqualTo(1);
      } else if (id.equals("bad")) {
        assertThat(a.getErrorMessage()).startsWith("NOT_FOUND: ").contains("\"z\"");
      } else {
        assertThat(a.getErrorMessage()).startsWith("INVALID_ARGUMENT: ").contains("both");
      }
    }
    assertThat(answers.queue.poll(30, TimeUnit.SECONDS)).isEqualTo("completed");
  }

  @Test
  void statistics_countRequests() {
    oip.modelInfer(rows(1, "a"));
    assertThat(code(() -> oip.modelInfer(rows(1, "b").toBuilder().setModelVersion("9").build())))
        .isEqualTo(Status.Code.NOT_FOUND);
    var stats = oip.modelStatistics(ModelStatisticsRequest.newBuilder().setName("m").build());
    assertThat(stats.getModelStatsCount()).isEqualTo(1);
    var s = stats.getModelStats(0);
    assertThat(s.getVersion()).isEqualTo("1");
    assertThat(s.getInferenceStats().getSuccess().getCount()).isEqualTo(1);
    assertThat(s.getInferenceStats().getFail().getCount()).isEqualTo(1);
    assertThat(s.getInferenceStats().getSuccess().getNs()).isPositive();
    assertThat(
            oip.modelStatistics(ModelStatisticsRequest.getDefaultInstance()).getModelStatsCount())
        .isEqualTo(1);
    assertThat(
            oip.modelStatistics(
                    ModelStatisticsRequest.newBuilder().setName("m").setVersion("7").build())
                .getModelStatsCount())
        .isZero();
  }

  @Test
  void repository_indexLoadAndUnload() throws Exception {
    var index = oip.repositoryIndex(RepositoryIndexRequest.getDefaultInstance());
    assertThat(index.getModelsList())
        .anyMatch(
            m ->
                m.getName().equals("m")
                    && m.getVersion().equals("1")
                    && m.getState().equals("READY"));
    oip.repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("m").build());
    for (String bad : new String[] {"", "..", "a/b", "a\\\\b"}) {
      assertThat(
              code(
                  () ->
                      oip.repositoryModelLoad(
                          RepositoryModelLoadRequest.newBuilder().setModelName(bad).build())))
          .as(bad)
          .isEqualTo(Status.Code.INVALID_ARGUMENT);
    }
    assertThat(
            code(
                () ->
                    oip.repositoryModelLoad(
                        RepositoryModelLoadRequest.newBuilder().setModelName("z").build())))
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThatThrownBy(
            () ->
                oip.repositoryModelUnload(
                    RepositoryModelUnloadRequest.newBuilder().setModelName("m").build()))
        .hasMessageContaining("UNIMPLEMENTED")
        .hasMessageContaining("store");
    // a new model whose only version is broken: Load says why, the index says UNAVAILABLE
    Files.createDirectories(dir.resolve("n/1"));
    Files.writeString(dir.resolve("n/1/model.onnx"), "broken");
    Files.copy(dir.resolve("m/config.pbtxt"), dir.resolve("n/config.pbtxt"));
    assertThatThrownBy(
            () ->
                oip.repositoryModelLoad(
                    RepositoryModelLoadRequest.newBuilder().setModelName("n").build()))
        .hasMessageContaining("UNAVAILABLE")
        .hasMessageContaining("broken on purpose");
    assertThat(
            oip.repositoryIndex(RepositoryIndexRequest.newBuilder().setReady(true).build())
                .getModelsList())
        .noneMatch(m -> m.getName().equals("n"));
    assertThat(oip.repositoryIndex(RepositoryIndexRequest.getDefaultInstance()).getModelsList())
        .anyMatch(
            m ->
                m.getName().equals("n")
                    && m.getState().equals("UNAVAILABLE")
                    && m.getReason().contains("broken"));
  }
}
