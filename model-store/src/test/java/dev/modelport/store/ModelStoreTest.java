package dev.modelport.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelport.v1.DataType;
import dev.modelport.v1.InstanceGroup;
import dev.modelport.v1.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelStoreTest {
  @TempDir Path store;

  private void model(String name, String config, long... versions) throws IOException {
    Path dir = Files.createDirectories(store.resolve(name));
    Files.writeString(dir.resolve("config.pbtxt"), config);
    for (long v : versions) {
      Files.write(
          Files.createDirectories(dir.resolve(Long.toString(v))).resolve("model.onnx"),
          new byte[] {1});
    }
  }

  private ModelDefinition read(String name) throws StoreException {
    return ModelStore.open(store).read(name).orElseThrow();
  }

  @Test
  void fullConfig_parsesWithEveryContractField() throws Exception {
    model(
        "iris",
        """
        name: "iris"
        engine: "OnnxRuntime"
        model_file: "model.onnx"
        max_batch_size: 64
        input  { name: "features" dtype: DATA_TYPE_FLOAT32 shape: [4] }
        output { name: "probabilities" dtype: DATA_TYPE_FLOAT32 shape: [3] }
        dynamic_batching {
          max_queue_delay_micros: 2000
          preferred_batch_size: [16, 32]
          max_queue_size: 512
        }
        instance_group { count: 2 kind: KIND_GPU gpus: [0, 1] }
        translator { name: "tensor" options { key: "a" value: "b" } }
        version_policy { latest { num_versions: 2 } }
        version_labels { key: "stable" value: 1 }
        """,
        1,
        2,
        3);
    ModelDefinition d = read("iris");
    assertThat(d.problemIfAny()).isEmpty();
    ModelConfig c = d.config();
    assertThat(c.getMaxBatchSize()).isEqualTo(64);
    assertThat(c.getInput(0).getDtype()).isEqualTo(DataType.DATA_TYPE_FLOAT32);
    assertThat(c.getInput(0).getShapeList()).containsExactly(4L);
    assertThat(c.getDynamicBatching().getPreferredBatchSizeList()).containsExactly(16, 32);
    assertThat(c.getDynamicBatching().getMaxQueueDelayMicros()).isEqualTo(2000);
    assertThat(c.getInstanceGroup(0).getKind()).isEqualTo(InstanceGroup.Kind.KIND_GPU);
    assertThat(c.getInstanceGroup(0).getGpusList()).containsExactly(0, 1);
    assertThat(c.getVersionLabelsMap()).containsEntry("stable", 1L);
    assertThat(d.versions()).extracting(VersionEntry::version).containsExactly(2L, 3L);
    assertThat(d.versions().get(0).engine()).isEqualTo("OnnxRuntime");
  }

  @Test
  void defaults_areFilledIn() throws Exception {
    model("m", "max_batch_size: 8\n", 1, 2);
    ModelConfig c = read("m").config();
    assertThat(c.getName()).isEqualTo("m");
    assertThat(c.getDynamicBatching().getMaxQueueSize())
        .isEqualTo(ConfigValidator.DEFAULT_MAX_QUEUE_SIZE);
    assertThat(c.getDynamicBatching().getMaxQueueDelayMicros()).isZero();
    assertThat(c.getInstanceGroupList()).hasSize(1);
    assertThat(c.getInstanceGroup(0).getCount()).isEqualTo(1);
    assertThat(c.getInstanceGroup(0).getKind()).isEqualTo(InstanceGroup.Kind.KIND_UNSPECIFIED);
    assertThat(c.getTranslator().getName()).isEqualTo("tensor");
    // latest 1 by default: only the newest version is served
    assertThat(read("m").versions()).extracting(VersionEntry::version).containsExactly(2L);
  }

  @Test
  void syntaxError_reportsFileLineAndColumn() throws Exception {
    model("bad", "max_batch_size: 8\ninput { name: \"x\" dtype: }\n", 1);
    ModelDefinition d = read("bad");
    assertThat(d.problemIfAny()).get().asString().startsWith("bad/config.pbtxt:2:");
  }

  @Test
  void unknownField_isRejectedWithItsName() throws Exception {
    model("bad", "max_batch_size: 8\nmax_batch: 4\n", 1);
    assertThat(read("bad").problem()).contains("bad/config.pbtxt:2:").contains("max_batch");
  }

  @Test
  void wrongValueType_isRejected() throws Exception {
    model("bad", "max_batch_size: \"eight\"\n", 1);
    assertThat(read("bad").problem()).contains("bad/config.pbtxt:1:");
  }

  @Test
  void semanticProblems_nameFieldAndExpectation() throws Exception {
    model(
        "bad",
        """
        name: "other"
        engine: "TensorFlow"
        max_batch_size: -2
        input { name: "x" dtype: DATA_TYPE_FLOAT32 shape: [0] }
        input { name: "x" }
        dynamic_batching { preferred_batch_size: [100] }
        instance_group { kind: KIND_CPU gpus: [1] }
        version_labels { key: "stable" value: 0 }
        """,
        1);
    String p = read("bad").problem();
    assertThat(p)
        .contains("name: \"other\" must equal the folder name \"bad\"")
        .contains("engine: \"TensorFlow\" is not one of")
        .contains("max_batch_size: -2 is negative")
        .contains("input[0] \"x\": shape [0] has dimension 0")
        .contains("input[1].name: \"x\" appears twice")
        .contains("input[1] \"x\": dtype is missing")
        .contains("dynamic_batching.preferred_batch_size: 100")
        .contains("instance_group[0].gpus: [1] given with kind KIND_CPU")
        .contains("version_labels[\"stable\"]: 0 is not a version");
  }

  @Test
  void modelFileOutsideVersionFolder_isRejected() throws Exception {
    model("bad", "model_file: \"../../etc/passwd\"\n", 1);
    assertThat(read("bad").problem()).contains("model_file").contains("relative path inside");
  }

  @Test
  void symlinkOutOfStore_isRefused(@TempDir Path outside) throws Exception {
    Files.writeString(outside.resolve("config.pbtxt"), "max_batch_size: 1\n");
    Files.createDirectories(outside.resolve("1"));
    Files.write(outside.resolve("1/model.onnx"), new byte[] {1});
    Files.createSymbolicLink(store.resolve("escape"), outside);
    assertThat(read("escape").problem()).contains("resolves outside the model store");

    model("linked", "max_batch_size: 1\n");
    Path vdir = Files.createDirectories(store.resolve("linked/1"));
    Files.createSymbolicLink(vdir.resolve("model.onnx"), outside.resolve("1/model.onnx"));
    VersionEntry v = read("linked").versions().get(0);
    assertThat(v.problem()).contains("linked/1/model.onnx: resolves outside the model store");
  }

  @Test
  void invalidNames_areAbsentNotResolved() throws Exception {
    ModelStore s = ModelStore.open(store);
    assertThat(s.read("..")).isEmpty();
    assertThat(s.read("../etc")).isEmpty();
    assertThat(s.read("a/b")).isEmpty();
    assertThat(s.read(".hidden")).isEmpty();
    assertThat(s.read("")).isEmpty();
    assertThat(s.read("nope")).isEmpty();
  }

  @Test
  void folderWithAnInvalidName_isAFailedModelThatSaysWhy() throws Exception {
    model("a..b", "max_batch_size: 1\n", 1);
    model("has space", "max_batch_size: 1\n", 1);
    ModelStore s = ModelStore.open(store);
    assertThat(s.modelNames()).contains("a..b", "has space");
    assertThat(s.read("a..b").orElseThrow().problem()).contains("is not a valid model name");
    assertThat(s.readAll()).hasSize(2).allSatisfy(d -> assertThat(d.problem()).isNotNull());
  }

  @Test
  void versionPolicy_specificAndAll() throws Exception {
    model("s", "version_policy { specific { versions: [1, 3, 9] } }\n", 1, 2, 3);
    List<VersionEntry> vs = read("s").versions();
    assertThat(vs).extracting(VersionEntry::version).containsExactly(1L, 3L, 9L);
    assertThat(vs.get(2).problem()).contains("s/9: listed in version_policy.specific");
    model("a", "version_policy { all {} }\n", 1, 2, 10);
    assertThat(read("a").versions()).extracting(VersionEntry::version).containsExactly(1L, 2L, 10L);
  }

  @Test
  void nonNumericAndZeroFolders_areNotVersions() throws Exception {
    model("m", "version_policy { all {} }\n", 1);
    Files.createDirectories(store.resolve("m/0"));
    Files.createDirectories(store.resolve("m/v2"));
    Files.createDirectories(store.resolve("m/007"));
    assertThat(read("m").versions()).extracting(VersionEntry::version).containsExactly(1L);
  }

  @Test
  void engine_isInferredFromExtension_orReported() throws Exception {
    model("pt", "");
    Files.write(Files.createDirectories(store.resolve("pt/1")).resolve("model.pt"), new byte[] {1});
    assertThat(read("pt").versions().get(0).engine()).isEqualTo("PyTorch");

    model("two", "");
    Path v = Files.createDirectories(store.resolve("two/1"));
    Files.write(v.resolve("a.onnx"), new byte[] {1});
    Files.write(v.resolve("b.pt"), new byte[] {1});
    assertThat(read("two").versions().get(0).problem())
        .contains("several model files [a.onnx, b.pt]");

    model("weird", "model_file: \"weights.bin\"\n");
    Files.write(
        Files.createDirectories(store.resolve("weird/1")).resolve("weights.bin"), new byte[] {1});
    assertThat(read("weird").versions().get(0).problem()).contains("set engine");
  }

  @Test
  void missingConfigAndNoVersions_areReported() throws Exception {
    Files.createDirectories(store.resolve("noconfig/1"));
    assertThat(read("noconfig").problem()).contains("noconfig/config.pbtxt: missing");
    model("empty", "");
    assertThat(read("empty").problem()).contains("no version folders");
  }

  @Test
  void defaultStore_readsCleanly() throws Exception {
    Path defaults = Path.of("models");
    ModelStore s = ModelStore.open(defaults);
    assertThat(s.modelNames()).containsExactly("all-minilm-l6-v2", "iris", "iris-mlp");
    for (ModelDefinition d : s.readAll()) {
      assertThat(d.problemIfAny()).as(d.name()).isEmpty();
      assertThat(d.versions()).allSatisfy(v -> assertThat(v.problemIfAny()).isEmpty());
    }
  }

  @Test
  void singleModel_flatFolderWithoutConfig_isVersionOne_andNothingIsWritten() throws Exception {
    Path dir = Files.createDirectories(store.resolve("mnt-models"));
    Files.write(dir.resolve("model.onnx"), new byte[] {1, 2, 3});
    dir.toFile().setWritable(false);
    try {
      ModelStore single = ModelStore.single("fraud-scorer", dir);
      assertThat(single.modelNames()).containsExactly("fraud-scorer");
      assertThat(single.contains("fraud-scorer")).isTrue();
      assertThat(single.contains("mnt-models")).isFalse();
      ModelDefinition d = single.read("fraud-scorer").orElseThrow();
      assertThat(d.problem()).isNull();
      assertThat(d.versions()).hasSize(1);
      VersionEntry v = d.versions().get(0);
      assertThat(v.version()).isEqualTo(1);
      assertThat(v.problem()).isNull();
      assertThat(v.engine()).isEqualTo(Engines.ONNX_RUNTIME);
      assertThat(v.modelFile()).isEqualTo(dir.toRealPath().resolve("model.onnx"));
      try (var files = Files.list(dir)) {
        assertThat(files.map(p -> p.getFileName().toString())).containsExactly("model.onnx");
      }
    } finally {
      dir.toFile().setWritable(true);
    }
  }

  @Test
  void singleModel_versionedFolderWithConfig_readsItsVersions() throws Exception {
    Path dir = Files.createDirectories(store.resolve("anything"));
    Files.writeString(dir.resolve("config.pbtxt"), "max_batch_size: 8\n");
    for (String v : new String[] {"1", "2"}) {
      Files.createDirectories(dir.resolve(v));
      Files.write(dir.resolve(v).resolve("model.pt"), new byte[] {(byte) v.charAt(0)});
    }
    ModelDefinition d = ModelStore.single("ranker", dir).read("ranker").orElseThrow();
    assertThat(d.problem()).isNull();
    assertThat(d.versions()).extracting(VersionEntry::version).containsExactly(2L);
    assertThat(d.versions().get(0).engine()).isEqualTo(Engines.PYTORCH);
    assertThat(d.config().getMaxBatchSize()).isEqualTo(8);
  }

  @Test
  void singleModel_badNameIsRefused() throws Exception {
    Path dir = Files.createDirectories(store.resolve("x"));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ModelStore.single("../etc", dir))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("--model-name");
  }
}
