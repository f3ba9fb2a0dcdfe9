package dev.modelport.server.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelport.server.errors.ErrorCode;
import dev.modelport.server.errors.ModelportException;
import dev.modelport.server.runtime.LoadException;
import dev.modelport.server.runtime.ServedVersion;
import dev.modelport.store.ModelStore;
import dev.modelport.store.VersionEntry;
import dev.modelport.v1.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Closing, loader bugs, and what resolving says when it cannot. */
class RegistryEdgesTest {
  @TempDir Path dir;

  private void model(String name, long... versions) throws Exception {
    for (long v : versions) {
      Files.createDirectories(dir.resolve(name + "/" + v));
      Files.writeString(dir.resolve(name + "/" + v + "/model.onnx"), name + v);
    }
    Files.writeString(
        dir.resolve(name + "/config.pbtxt"),
        "max_batch_size: 4\nversion_policy { all {} }\n"
            + "version_labels { key: \"stable\" value: 1 }\n");
  }

  @Test
  void close_unloadsEveryInstance_tellsTheListeners_andRefusesLaterReloads() throws Exception {
    model("a", 1, 2);
    model("b", 1);
    FakeLoader loader = new FakeLoader();
    ModelRegistry registry = new ModelRegistry(ModelStore.open(dir), loader, Duration.ofSeconds(1));
    List<VersionEvent> events = new CopyOnWriteArrayList<>();
    registry.addListener(events::add);
    registry.reload("");
    assertThat(registry.isKnown("a")).isTrue();
    assertThat(registry.isKnown("zz")).isFalse();
    registry.close();
    assertThat(loader.unloaded).hasSize(3);
    assertThat(events.stream().filter(e -> e.state() == VersionState.UNLOADED)).hasSize(3);
    assertThat(registry.readiness()).containsEntry("a", false).containsEntry("b", false);
    assertThatThrownBy(() -> registry.reload(""))
        .isInstanceOfSatisfying(
            ModelportException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
  }

  @Test
  void aLoadThatEndsAfterClose_isUnloaded_notServed() throws Exception {
    model("a", 1);
    FakeLoader loader = new FakeLoader();
    ModelRegistry registry = new ModelRegistry(ModelStore.open(dir), loader, Duration.ofSeconds(1));
    FakeLoader.Gate gate = loader.block("a", 1);
    CompletableFuture<Void> reload =
        CompletableFuture.runAsync(
            () -> {
              try {
                registry.reload("");
              } catch (Exception e) {
                // closed under it
              }
            },
            r -> new Thread(r).start());
    gate.entered.await();
    // close() interrupts the load pool; the fake's gate ignores interrupts only via release
    Thread closer = new Thread(registry::close);
    closer.start();
    gate.release.countDown();
    closer.join(30_000);
    reload.get(30, TimeUnit.SECONDS);
    assertThat(registry.readiness().getOrDefault("a", false)).isFalse();
  }

  @Test
  void aLoaderBug_failsThatVersion_withItsMessage_andNothingStaysLoading() throws Exception {
    model("a", 1);
    ModelRegistry registry =
        new ModelRegistry(
            ModelStore.open(dir),
            new FakeLoader() {
              @Override
              public ServedVersion load(String m, ModelConfig c, VersionEntry e)
                  throws LoadException {
                throw new IllegalStateException("loader bug");
              }
            },
            Duration.ofSeconds(1));
    var s = registry.reload("a").get(0);
    assertThat(s.getVersions(0).getState().name()).isEqualTo("MODEL_STATE_FAILED");
    assertThat(s.getVersions(0).getMessage()).isEqualTo("loader bug");
    registry.close();
  }

  @Test
  void resolving_saysWhatIsThere() throws Exception {
    model("a", 1, 2);
    Files.writeString(dir.resolve("a/2/model.onnx"), "x");
    FakeLoader loader = new FakeLoader();
    ModelRegistry registry = new ModelRegistry(ModelStore.open(dir), loader, Duration.ofSeconds(1));
    registry.reload("");
    assertThat(registry.resolve("a", "stable").version()).isEqualTo(1);
    assertThat(registry.resolve("a", "").version()).isEqualTo(2);
    assertThatThrownBy(() -> registry.resolve("a", "7"))
        .hasMessage("model \"a\" has no version 7; versions: [1, 2]");
    assertThatThrownBy(() -> registry.resolve("a", "1234567890123456789"))
        .hasMessage("model \"a\" has no version label \"1234567890123456789\"; labels: [stable]");
    assertThatThrownBy(() -> registry.resolve("a", "123456789012345678"))
        .hasMessage("model \"a\" has no version 123456789012345678; versions: [1, 2]");
    registry.close();
  }

  @Test
  void aModelWhoseConfigNeverParsed_saysSoWhenAsked() throws Exception {
    Files.createDirectories(dir.resolve("bad/1"));
    Files.writeString(dir.resolve("bad/1/model.onnx"), "x");
    Files.writeString(dir.resolve("bad/config.pbtxt"), "max_batch_size: \"lots\"\n");
    ModelRegistry registry =
        new ModelRegistry(ModelStore.open(dir), new FakeLoader(), Duration.ofSeconds(1));
    registry.reload("");
    assertThatThrownBy(() -> registry.resolve("bad", ""))
        .hasMessageStartingWith("model \"bad\" has no READY version: bad/config.pbtxt:1:");
    registry.close();
  }
}
