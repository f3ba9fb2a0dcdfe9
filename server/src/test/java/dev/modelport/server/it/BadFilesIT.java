package dev.modelport.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelport.server.testing.TempStore;
import dev.modelport.v1.ListModelsRequest;
import dev.modelport.v1.ModelState;
import dev.modelport.v1.ModelStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A store full of broken models: each one fails alone, saying what is wrong and where, the good
 * model keeps serving, and nothing outside the store is loaded.
 */
class BadFilesIT {
  static ServerFixture fx;
  static Map<String, ModelStatus> models = new HashMap<>();

  @BeforeAll
  static void start() throws Exception {
    TempStore s = new TempStore().copy("iris", "iris");
    Path root = s.root;
    byte[] onnx = Files.readAllBytes(root.resolve("iris/1/model.onnx"));

    s.copy("iris", "corrupted");
    byte[] flipped = onnx.clone();
    for (int i = 0; i < flipped.length; i += 7) {
      flipped[i] = (byte) ~flipped[i];
    }
    Files.write(root.resolve("corrupted/1/model.onnx"), flipped);

    s.copy("iris", "truncated");
    Files.write(root.resolve("truncated/1/model.onnx"), Arrays.copyOf(onnx, onnx.length / 2));

    s.copy("iris-mlp", "torchscript-as-onnx");
    Files.move(
        root.resolve("torchscript-as-onnx/1/model.pt"),
        root.resolve("torchscript-as-onnx/1/model.onnx"));
    s.write("torchscript-as-onnx/config.pbtxt", "max_batch_size: 8\n");

    s.copy("iris-mlp", "garbage-torchscript");
    Files.writeString(root.resolve("garbage-torchscript/1/model.pt"), "not a zip archive");

    s.copy("iris", "syntax-error")
        .write("syntax-error/config.pbtxt", "max_batch_size: 8\ninput {\n");
    s.copy("iris", "unknown-field").write("unknown-field/config.pbtxt", "max_batchsize: 8\n");
    s.copy("iris", "wrong-type").write("wrong-type/config.pbtxt", "max_batch_size: \"eight\"\n");

    s.copy("all-minilm-l6-v2", "no-tokenizer");
    Files.delete(root.resolve("no-tokenizer/1/tokenizer.json"));

    s.copy("iris", "a..b");

    Path outside = Files.createDirectories(root.resolveSibling(root.getFileName() + "-outside"));
    new TempStore(outside).copy("iris", "iris");
    Files.createSymbolicLink(root.resolve("symlinked-folder"), outside.resolve("iris"));
    Files.createDirectories(root.resolve("symlinked-file/1"));
    Files.copy(root.resolve("iris/config.pbtxt"), root.resolve("symlinked-file/config.pbtxt"));
    Files.createSymbolicLink(
        root.resolve("symlinked-file/1/model.onnx"), outside.resolve("iris/1/model.onnx"));

    fx = new ServerFixture(root);
    fx.models()
        .listModels(ListModelsRequest.getDefaultInstance())
        .getModelsList()
        .forEach(m -> models.put(m.getName(), m));
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  /** The model's own message, or its only version's (state FAILED). */
  static String failure(String model) {
    ModelStatus m = models.get(model);
    assertThat(m).as(model + " is listed").isNotNull();
    assertThat(m.getDefaultVersion()).as(model + " has no default version").isEmpty();
    if (!m.getMessage().isEmpty()) {
      return m.getMessage();
    }
    assertThat(m.getVersions(0).getState()).as(model).isEqualTo(ModelState.MODEL_STATE_FAILED);
    return m.getVersions(0).getMessage();
  }

  @Test
  void brokenModelFiles_failTheirVersion_namingTheFile() {
    assertThat(failure("corrupted"))
        .contains("corrupted/1/model.onnx")
        .contains("OnnxRuntime cannot load it");
    assertThat(failure("truncated")).contains("truncated/1/model.onnx").contains("cannot load");
    assertThat(failure("torchscript-as-onnx"))
        .contains("torchscript-as-onnx/1/model.onnx")
        .contains("OnnxRuntime");
    assertThat(failure("garbage-torchscript"))
        .contains("garbage-torchscript/1/model.pt")
        .contains("PyTorch");
    assertThat(failure("no-tokenizer")).contains("tokenizer.json: missing");
  }

  @Test
  void brokenConfigs_failTheModel_withFileAndLine() {
    assertThat(failure("syntax-error")).startsWith("syntax-error/config.pbtxt:3:");
    assertThat(failure("unknown-field"))
        .startsWith("unknown-field/config.pbtxt:1:")
        .contains("max_batchsize");
    assertThat(failure("wrong-type")).startsWith("wrong-type/config.pbtxt:1:");
    assertThat(failure("a..b")).contains("not a valid model name");
  }

  @Test
  void symlinksOutOfTheStore_areRefused() {
    assertThat(failure("symlinked-folder")).contains("resolves outside the model store; refused");
    assertThat(failure("symlinked-file"))
        .contains("symlinked-file/1/model.onnx: resolves outside the model store");
  }

  @Test
  void theGoodModel_keepsServing() {
    assertThat(models.get("iris").getDefaultVersion()).isEqualTo("1");
    var r = fx.inference().predict(Requests.iris("iris", Requests.CLASSIC_IRIS));
    assertThat(r.getOutputs(0).getShapeList()).containsExactly(6L, 3L);
  }
}
