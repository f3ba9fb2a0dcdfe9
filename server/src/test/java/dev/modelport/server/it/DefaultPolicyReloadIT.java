package dev.modelport.server.it;

import static dev.modelport.server.it.Requests.CLASSIC_IRIS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelport.server.testing.TempStore;
import dev.modelport.v1.GetModelRequest;
import dev.modelport.v1.ModelState;
import dev.modelport.v1.ModelStatus;
import dev.modelport.v1.ModelVersionStatus;
import dev.modelport.v1.PredictResponse;
import dev.modelport.v1.ReloadModelRequest;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Reloads under the <b>default</b> version policy ({@code latest { num_versions: 1 }}), with the
 * real engines: a broken new version never takes the model down, and a broken tokenizer never takes
 * MiniLM down.
 *
 * <p>Seen failing with the feature off: with {@code Reconciler.apply} retiring versions the policy
 * no longer wants at once (the old behaviour), {@code brokenNewVersion…} fails: version 2 unloads,
 * the default becomes "" and the callers get UNAVAILABLE "has no READY version". With change
 * detection back on the model file's size and time, {@code garbageTokenizer…} fails: the reload
 * sees no change and the status carries no note.
 */
class DefaultPolicyReloadIT {
  TempStore store;
  ServerFixture fx;

  @AfterEach
  void stop() {
    if (fx != null) {
      fx.close();
    }
  }

  private ModelStatus reload(String model) {
    return fx.models()
        .reloadModel(ReloadModelRequest.newBuilder().setModelName(model).build())
        .getModels(0);
  }

  private ModelStatus get(String model) {
    return fx.models()
        .getModel(GetModelRequest.newBuilder().setModelName(model).build())
        .getModel();
  }

  private static ModelVersionStatus version(ModelStatus s, String v) {
    return s.getVersionsList().stream()
        .filter(x -> x.getVersion().equals(v))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no version " + v + " in " + s));
  }

  private ServingStatus health(String service) {
    return HealthGrpc.newBlockingStub(fx.channel)
        .check(HealthCheckRequest.newBuilder().setService(service).build())
        .getStatus();
  }

  /** Waits, bounded, for a condition that the callers' progress makes true. */
  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      java.util.concurrent.locks.LockSupport.parkNanos(
          100_000); // poll; a spin would take the core the awaited thread needs
    }
  }

  @Test
  void brokenNewVersion_underLoad_failsNoCall_thenTheRepairedVersionTakesOver() throws Exception {
    store = new TempStore().copy("iris", "iris");
    store.write("iris/config.pbtxt", TempStore.irisConfig("")); // the default policy: latest 1
    store.copyFile("iris/1/model.onnx", "iris/2/model.onnx");
    fx = new ServerFixture(store.root);
    assertThat(get("iris").getDefaultVersion()).isEqualTo("2");

    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong calls = new AtomicLong();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    Map<String, AtomicInteger> byVersion = new ConcurrentHashMap<>();
    List<Thread> callers = new ArrayList<>();
    for (int c = 0; c < 16; c++) {
      Thread t =
          new Thread(
              () -> {
                var stub = fx.inference();
                while (running.get()) {
                  try {
                    PredictResponse r =
                        stub.withDeadlineAfter(30, TimeUnit.SECONDS)
                            .predict(Requests.iris("iris", CLASSIC_IRIS));
                    byVersion
                        .computeIfAbsent(r.getModelVersion(), k -> new AtomicInteger())
                        .incrementAndGet();
                  } catch (RuntimeException e) {
                    failures.add(e.toString());
                  }
                  calls.incrementAndGet();
                }
              });
      callers.add(t);
      t.start();
    }
    try {
      await("callers running", () -> calls.get() > 500);

      store.write("iris/3/model.onnx", "garbage, not a protobuf");
      ModelStatus broken = reload("iris");
      assertThat(broken.getDefaultVersion()).isEqualTo("2");
      assertThat(version(broken, "3").getState()).isEqualTo(ModelState.MODEL_STATE_FAILED);
      assertThat(version(broken, "3").getMessage()).contains("iris/3/model.onnx");
      assertThat(version(broken, "2").getState()).isEqualTo(ModelState.MODEL_STATE_READY);
      assertThat(version(broken, "2").getMessage())
          .startsWith("kept serving: version 3 failed to load (iris/3/model.onnx");
      assertThat(health("iris")).isEqualTo(ServingStatus.SERVING);
      long afterBroken = calls.get();
      await("calls after the broken reload", () -> calls.get() > afterBroken + 2000);
      assertThat(failures).isEmpty();
      assertThat(byVersion.keySet()).containsExactly("2");

      store.copyFile("iris/1/model.onnx", "iris/3/model.onnx");
      ModelStatus repaired = reload("iris");
      assertThat(repaired.getDefaultVersion()).isEqualTo("3");
      assertThat(version(repaired, "3").getState()).isEqualTo(ModelState.MODEL_STATE_READY);
      assertThat(version(repaired, "3").getMessage()).isEmpty();
      await(
          "answers from version 3",
          () -> byVersion.containsKey("3") && byVersion.get("3").get() > 1000);
      await("version 2 unloaded", () -> get("iris").getVersionsCount() == 1);
    } finally {
      running.set(false);
      for (Thread t : callers) {
        t.join();
      }
    }
    System.out.printf(
        "DefaultPolicyReloadIT: %d calls, %d failed, by version %s%n",
        calls.get(), failures.size(), byVersion);
    assertThat(failures).isEmpty();
    assertThat(get("iris").getVersionsList())
        .extracting(ModelVersionStatus::getVersion)
        .containsExactly("3");
  }

  @Test
  void garbageTokenizer_isNoticed_theEarlierLoadKeepsServing_andRestoringClearsTheNote()
      throws Exception {
    store = new TempStore().copy("all-minilm-l6-v2", "all-minilm-l6-v2");
    fx = new ServerFixture(store.root);
    String model = "all-minilm-l6-v2";
    PredictResponse before = fx.inference().predict(Requests.texts("A man is eating food."));
    byte[] tokenizer =
        java.nio.file.Files.readAllBytes(store.root.resolve(model + "/1/tokenizer.json"));

    store.write(model + "/1/tokenizer.json", "{ this is not a tokenizer");
    ModelStatus s = reload(model);
    assertThat(s.getDefaultVersion()).isEqualTo("1");
    assertThat(version(s, "1").getState()).isEqualTo(ModelState.MODEL_STATE_READY);
    assertThat(version(s, "1").getMessage())
        .startsWith("kept serving the earlier load: ")
        .contains("tokenizer");
    assertThat(fx.inference().predict(Requests.texts("A man is eating food."))).isEqualTo(before);

    java.nio.file.Files.write(store.root.resolve(model + "/1/tokenizer.json"), tokenizer);
    ModelStatus restored = reload(model);
    assertThat(version(restored, "1").getMessage()).isEmpty();
    assertThat(version(restored, "1").getState()).isEqualTo(ModelState.MODEL_STATE_READY);
  }
}
