package dev.modelport.server.it;

import static dev.modelport.server.it.Requests.CLASSIC_IRIS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelport.server.testing.TempStore;
import dev.modelport.v1.GetModelRequest;
import dev.modelport.v1.ModelState;
import dev.modelport.v1.ModelStatus;
import dev.modelport.v1.ModelVersionStatus;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.ReloadModelRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ReloadModel makes what is served match the store, without failing calls in flight. */
class ReloadIT {
  TempStore store;
  ServerFixture fx;

  @BeforeEach
  void start() throws Exception {
    store = new TempStore().copy("iris", "iris").copy("iris-mlp", "iris-mlp");
    store.write("iris/config.pbtxt", TempStore.irisConfig("version_policy { all {} }\n"));
    fx = new ServerFixture(store.root);
  }

  @AfterEach
  void stop() {
    fx.close();
  }

  ModelStatus reload(String model) {
    List<ModelStatus> got =
        fx.models()
            .reloadModel(ReloadModelRequest.newBuilder().setModelName(model).build())
            .getModelsList();
    return got.stream().filter(m -> m.getName().equals(model)).findFirst().orElseThrow();
  }

  ModelStatus get(String model) {
    return fx.models()
        .getModel(GetModelRequest.newBuilder().setModelName(model).build())
        .getModel();
  }

  static ModelVersionStatus version(ModelStatus s, String v) {
    return s.getVersionsList().stream()
        .filter(x -> x.getVersion().equals(v))
        .findFirst()
        .orElseThrow();
  }

  String predictVersion(String version) {
    PredictRequest r =
        Requests.iris("iris", CLASSIC_IRIS).toBuilder().setModelVersion(version).build();
    return fx.inference().predict(r).getModelVersion();
  }

  @Test
  void newVersion_loadsAndBecomesTheDefault() throws Exception {
    store.copyFile("iris/1/model.onnx", "iris/2/model.onnx");
    ModelStatus s = reload("iris");
    assertThat(s.getDefaultVersion()).isEqualTo("2");
    assertThat(version(s, "2").getState()).isEqualTo(ModelState.MODEL_STATE_READY);
    assertThat(predictVersion("")).isEqualTo("2");
    assertThat(predictVersion("1")).isEqualTo("1");
  }

  @Test
  void removedVersion_unloads_andIsThenNotFound() throws Exception {
    store.copyFile("iris/1/model.onnx", "iris/2/model.onnx");
    reload("iris");
    store.delete("iris/1");
    ModelStatus s = reload("iris");
    assertThat(s.getDefaultVersion()).isEqualTo("2");
    assertThatThrownBy(() -> predictVersion("1"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e ->
                assertThat(e.getStatus().getCode())
                    .isIn(Status.Code.NOT_FOUND, Status.Code.UNAVAILABLE));
  }

  @Test
  void changedConfig_applies() throws Exception {
    store.write(
        "iris/config.pbtxt",
        TempStore.irisConfig(
                "version_policy { all {} }\nversion_labels { key: \"stable\" value: 1 }\n")
            .replace("max_batch_size: 64", "max_batch_size: 8"));
    ModelStatus s = reload("iris");
    assertThat(s.getMaxBatchSize()).isEqualTo(8);
    assertThat(s.getVersionLabelsMap()).containsEntry("stable", "1");
    assertThat(predictVersion("stable")).isEqualTo("1");
    assertThatThrownBy(() -> fx.inference().predict(Requests.iris("iris", new float[9][4])))
        .hasMessageContaining("exceeds max_batch_size 8");
  }

  @Test
  void brokenNewVersion_failsAlone_andTheServingVersionIsUntouched() throws Exception {
    store.write("iris/2/model.onnx", "garbage, not a protobuf");
    ModelStatus s = reload("iris");
    assertThat(version(s, "2").getState()).isEqualTo(ModelState.MODEL_STATE_FAILED);
    assertThat(version(s, "2").getMessage()).contains("iris/2/model.onnx");
    assertThat(s.getDefaultVersion()).isEqualTo("1");
    assertThat(predictVersion("")).isEqualTo("1");
  }

  @Test
  void brokenReplacementOfTheServingVersion_keepsTheEarlierLoadServing() throws Exception {
    store.write("iris/1/model.onnx", "truncated");
    ModelStatus s = reload("iris");
    assertThat(version(s, "1").getState()).isEqualTo(ModelState.MODEL_STATE_READY);
    assertThat(version(s, "1").getMessage())
        .startsWith("kept serving the earlier load: iris/1/model.onnx");
    assertThat(predictVersion("1")).isEqualTo("1");
  }

  @Test
  void brokenConfig_keepsServing_andSaysWhy() throws Exception {
    store.write("iris/config.pbtxt", "max_batch_size: \"lots\"\n");
    ModelStatus s = reload("iris");
    assertThat(s.getMessage()).contains("iris/config.pbtxt:1:");
    assertThat(predictVersion("")).isEqualTo("1");
  }

  @Test
  void newAndRemovedModels_followTheStore() throws Exception {
    store.copy("iris", "iris-copy");
    fx.models().reloadModel(ReloadModelRequest.getDefaultInstance());
    assertThat(get("iris-copy").getDefaultVersion()).isEqualTo("1");
    store.delete("iris-copy");
    fx.models().reloadModel(ReloadModelRequest.getDefaultInstance());
    assertThatThrownBy(() -> get("iris-copy"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    assertThatThrownBy(() -> reload("never-existed"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }

  @Test
  void reloadsUnderLoad_failNoCall_andEveryAnswerComesFromAServedVersion() throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger ok = new AtomicInteger();
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    List<Thread> callers = new ArrayList<>();
    for (int c = 0; c < 8; c++) {
      Thread t =
          new Thread(
              () -> {
                while (running.get()) {
                  try {
                    String v =
                        fx.inference()
                            .withDeadlineAfter(30, TimeUnit.SECONDS)
                            .predict(Requests.iris("iris", CLASSIC_IRIS))
                            .getModelVersion();
                    if (!v.equals("1") && !v.equals("2") && !v.equals("3")) {
                      failures.add(new AssertionError("answered by version " + v));
                    }
                    ok.incrementAndGet();
                  } catch (Throwable e) {
                    failures.add(e);
                  }
                }
              });
      t.start();
      callers.add(t);
    }
    try {
      for (int round = 0; round < 3; round++) {
        store.copyFile("iris/1/model.onnx", "iris/2/model.onnx");
        assertThat(reload("iris").getDefaultVersion()).isEqualTo("2"); // add v2 (the new default)
        store.write("iris/3/model.onnx", "broken");
        ModelStatus broken = reload("iris"); // a broken v3 fails alone
        assertThat(version(broken, "3").getState()).isEqualTo(ModelState.MODEL_STATE_FAILED);
        assertThat(broken.getDefaultVersion()).isEqualTo("2");
        store.delete("iris/3");
        store.delete("iris/2");
        assertThat(reload("iris").getDefaultVersion()).isEqualTo("1"); // remove v2 under callers
        store.write(
            "iris/config.pbtxt",
            TempStore.irisConfig("version_policy { all {} }\n")
                .replace("64", round % 2 == 0 ? "32" : "64"));
        reload("iris"); // config change: v1 reloads and swaps
      }
    } finally {
      running.set(false);
      for (Thread t : callers) {
        t.join();
      }
    }
    assertThat(failures).isEmpty();
    assertThat(ok.get()).isPositive(); // the callers ran; what they saw is checked above
  }
}
