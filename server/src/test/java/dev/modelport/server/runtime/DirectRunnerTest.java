package dev.modelport.server.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import dev.modelport.server.tensor.DataTypes;
import dev.modelport.server.tensor.HostTensor;
import dev.modelport.server.tensor.RequestValidator;
import dev.modelport.server.tensor.ValidatedRequest;
import dev.modelport.store.ModelDefinition;
import dev.modelport.store.ModelStore;
import dev.modelport.v1.DataType;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.Tensor;
import dev.modelport.v1.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime on real engines, with no batcher and no gRPC: DJL loads the committed fixture and
 * default models (ONNX Runtime and PyTorch), the server's translators convert, and one engine call
 * runs a whole batch, so what a request gets back can be compared with what it gets alone. Unit
 * tests (not ITs) so that mutation testing sees the runtime package.
 */
class DirectRunnerTest {
  private static final Path DEFAULT_STORE =
      Path.of(System.getProperty("modelport.defaultStore", "../model-store/models"));
  private static final Path FIXTURES = Path.of("src/test/resources/fixtures");

  @BeforeAll
  static void offline() {
    // surefire sets these; mutation testing's JVMs do not
    System.setProperty("ai.djl.offline", "true");
    System.setProperty("ai.djl.onnx.disable_alternative", "true");
  }

  private static final List<DirectRunner> opened = new ArrayList<>();

  @AfterAll
  static void closeAll() {
    opened.forEach(DirectRunner::close);
  }

  private static DirectRunner open(Path store, String model) throws Exception {
    ModelDefinition def = ModelStore.open(store).read(model).orElseThrow();
    DirectRunner r =
        DirectRunner.open(model, def.config(), def.versions().get(def.versions().size() - 1));
    opened.add(r);
    return r;
  }

  /** A model whose outputs are its inputs, one per dtype: every byte comes back in a batch of 3. */
  @Test
  void everyDtype_comesBackUnchanged_fromOneBatchOfThree() throws Exception {
    DirectRunner identity = open(FIXTURES, "identity");
    // the signature is read from the ONNX graph: the config names no tensors
    assertThat(identity.signature().inputs())
        .extracting(TensorSpec::getName)
        .contains("in_bool", "in_float16", "in_string");
    Random random = new Random(7);
    List<PredictRequest> requests = new ArrayList<>();
    List<ValidatedRequest> batch = new ArrayList<>();
    for (int rows = 1; rows <= 3; rows++) {
      PredictRequest.Builder b = PredictRequest.newBuilder().setModelName("identity");
      for (TensorSpec spec : identity.signature().inputs()) {
        b.addInputs(randomTensor(spec, rows, random));
      }
      requests.add(b.build());
      batch.add(RequestValidator.validate(b.build(), identity.signature()));
    }
    List<List<HostTensor>> out = identity.run(batch);
    assertThat(out).hasSize(3);
    for (int i = 0; i < 3; i++) {
      List<Tensor> in = requests.get(i).getInputsList();
      assertThat(out.get(i)).hasSameSizeAs(in);
      for (int k = 0; k < in.size(); k++) {
        Tensor sent = in.get(k);
        HostTensor got = out.get(i).get(k);
        String what = "request " + i + ", " + got.name();
        assertThat(got.name()).isEqualTo(sent.getName().replace("in_", "out_"));
        assertThat(got.dtype()).as(what).isEqualTo(sent.getDtype());
        assertThat(got.shape()).as(what).containsExactly(i + 1L, 2L);
        if (sent.getDtype() == DataType.DATA_TYPE_STRING) {
          assertThat(got.elements())
              .as(what)
              .isEqualTo(sent.getStringValList().stream().map(ByteString::copyFromUtf8).toList());
        } else {
          assertThat(ByteString.copyFrom(got.data().duplicate())).as(what).isEqualTo(sent.getRaw());
        }
      }
    }
  }

  /** Rows of random values a dtype can hold exactly; strings of mixed scripts and lengths. */
  private static Tensor randomTensor(TensorSpec spec, int rows, Random random) {
    Tensor.Builder t =
        Tensor.newBuilder().setName(spec.getName()).setDtype(spec.getDtype()).addShape(rows);
    spec.getShapeList().forEach(d -> t.addShape(d < 0 ? 1 : d));
    int count = rows * 2;
    if (spec.getDtype() == DataType.DATA_TYPE_STRING) {
      String[] words = {"", "a", "héllo", "日本語のテキスト", "x".repeat(300)};
      for (int i = 0; i < count; i++) {
        t.addStringVal(words[random.nextInt(words.length)] + i);
      }
      return t.build();
    }
    int size = DataTypes.byteSize(spec.getDtype());
    byte[] raw = new byte[count * size];
    random.nextBytes(raw);
    if (spec.getDtype() == DataType.DATA_TYPE_BOOL) {
      for (int i = 0; i < raw.length; i++) {
        raw[i] &= 1;
      }
    } else if (spec.getDtype() == DataType.DATA_TYPE_FLOAT16
        || spec.getDtype() == DataType.DATA_TYPE_FLOAT32
        || spec.getDtype() == DataType.DATA_TYPE_FLOAT64) {
      // no NaN payloads (an engine may canonicalise them): clear each value's top exponent bit
      for (int i = size - 1; i < raw.length; i += size) {
        raw[i] &= 0x3F;
      }
    }
    return t.setRaw(ByteString.copyFrom(raw)).build();
  }

  /**
   * TorchScript and ONNX iris: each request's rows in a batch with others equal its rows run alone
   * (contract.md: results do not depend on batch mates), and PyTorch's outputs are heap copies that
   * outlive the batch's native memory.
   */
  @Test
  void irisRows_inABatch_equalTheSameRowsAlone_onBothEngines() throws Exception {
    for (String model : List.of("iris-mlp", "iris")) {
      DirectRunner runner = open(DEFAULT_STORE, model);
      float[][] rows = {
        {5.1f, 3.5f, 1.4f, 0.2f}, {6.7f, 3.0f, 5.2f, 2.3f}, {5.9f, 3.0f, 4.2f, 1.5f}
      };
      ValidatedRequest first = iris(runner, rows[0]);
      ValidatedRequest rest = iris(runner, rows[1], rows[2]);
      List<List<HostTensor>> together = runner.run(List.of(first, rest));
      float[] alone0 = floats(runner.run(List.of(first)).get(0).get(0));
      float[] alone12 = floats(runner.run(List.of(rest)).get(0).get(0));
      float[] batched0 = floats(together.get(0).get(0));
      float[] batched12 = floats(together.get(1).get(0));
      assertThat(together.get(1).get(0).shape()).as(model).containsExactly(2L, 3L);
      for (int k = 0; k < 3; k++) {
        assertThat(batched0[k]).as(model).isCloseTo(alone0[k], within(1e-6f));
      }
      for (int k = 0; k < 6; k++) {
        assertThat(batched12[k]).as(model).isCloseTo(alone12[k], within(1e-6f));
      }
      // and they are the iris classes: setosa, virginica, versicolor
      assertThat(argmax(batched0, 0)).as(model).isEqualTo(0);
      assertThat(argmax(batched12, 0)).as(model).isEqualTo(2);
      assertThat(argmax(batched12, 3)).as(model).isEqualTo(1);
    }
  }

  /**
   * An answer is the caller's to keep: the tensors it holds are not views of the engine's memory,
   * which the next batches reuse.
   */
  @Test
  void outputsOutliveTheirBatch_onBothEngines() throws Exception {
    for (String model : List.of("iris-mlp", "iris")) {
      DirectRunner runner = open(DEFAULT_STORE, model);
      HostTensor kept =
          runner.run(List.of(iris(runner, new float[] {5.1f, 3.5f, 1.4f, 0.2f}))).get(0).get(0);
      float[] then = floats(kept);
      Random random = new Random(3);
      for (int i = 0; i < 200; i++) {
        float[][] rows = new float[1 + random.nextInt(8)][4];
        for (float[] row : rows) {
          for (int k = 0; k < 4; k++) {
            row[k] = random.nextFloat() * 8;
          }
        }
        runner.run(List.of(iris(runner, rows)));
      }
      assertThat(floats(kept)).as(model).containsExactly(then);
    }
  }

  private static ValidatedRequest iris(DirectRunner runner, float[]... rows) {
    ByteBuffer b = ByteBuffer.allocate(16 * rows.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float[] row : rows) {
      for (float v : row) {
        b.putFloat(v);
      }
    }
    b.flip();
    PredictRequest r =
        PredictRequest.newBuilder()
            .addInputs(
                Tensor.newBuilder()
                    .setName("features")
                    .setDtype(DataType.DATA_TYPE_FLOAT32)
                    .addShape(rows.length)
                    .addShape(4)
                    .setRaw(ByteString.copyFrom(b)))
            .build();
    return RequestValidator.validate(r, runner.signature());
  }

  private static float[] floats(HostTensor t) {
    ByteBuffer b = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[b.remaining() / 4];
    b.asFloatBuffer().get(out);
    return out;
  }

  private static int argmax(float[] v, int from) {
    int best = from;
    for (int i = from; i < from + 3; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best - from;
  }

  /**
   * MiniLM through the text_embedding translator: a short text padded in a batch with a long one
   * gets its embedding alone (the padding is masked out of the mean), unit length by default,
   * unnormalised on request, and similar sentences are nearer than unrelated ones.
   */
  @Test
  void miniLm_embeddingsIgnorePadding_areNormalised_andMeanSomething() throws Exception {
    DirectRunner minilm = open(DEFAULT_STORE, "all-minilm-l6-v2");
    String cat = "A cat sits on the mat.";
    String longer =
        "A small cat is sitting on a mat in the kitchen, watching the rain fall outside the"
            + " window for the whole afternoon.";
    String markets = "Stock markets fell sharply after the central bank raised rates.";
    ValidatedRequest short1 = text(minilm, Map.of(), cat);
    ValidatedRequest long2 = text(minilm, Map.of(), longer, markets);
    List<List<HostTensor>> together = minilm.run(List.of(short1, long2));
    float[] alone = floats(minilm.run(List.of(short1)).get(0).get(0));
    float[] padded = floats(together.get(0).get(0));
    float[] others = floats(together.get(1).get(0));
    assertThat(together.get(1).get(0).shape()).containsExactly(2L, 384L);
    assertThat(padded).hasSize(384);
    for (int k = 0; k < 384; k++) {
      assertThat(padded[k]).isCloseTo(alone[k], within(1e-5f));
    }
    assertThat(dot(alone, 0, alone, 0)).isCloseTo(1.0, within(1e-5));
    double near = dot(alone, 0, others, 0);
    double far = dot(alone, 0, others, 384);
    assertThat(near).isGreaterThan(far + 0.3);

    float[] raw =
        floats(minilm.run(List.of(text(minilm, Map.of("normalize", "false"), cat))).get(0).get(0));
    double norm = Math.sqrt(dot(raw, 0, raw, 0));
    assertThat(norm).isNotCloseTo(1.0, within(0.05));
    for (int k = 0; k < 384; k++) {
      assertThat(raw[k] / norm).isCloseTo(alone[k], within(1e-5));
    }
  }

  private static ValidatedRequest text(
      DirectRunner runner, Map<String, String> parameters, String... texts) {
    Tensor.Builder t =
        Tensor.newBuilder()
            .setName("text")
            .setDtype(DataType.DATA_TYPE_STRING)
            .addShape(texts.length);
    for (String s : texts) {
      t.addStringVal(s);
    }
    PredictRequest r =
        PredictRequest.newBuilder().addInputs(t).putAllParameters(parameters).build();
    ValidatedRequest v = RequestValidator.validate(r, runner.signature());
    return v;
  }

  private static double dot(float[] a, int at, float[] b, int bt) {
    double s = 0;
    for (int k = 0; k < 384; k++) {
      s += (double) a[at + k] * b[bt + k];
    }
    return s;
  }

  /**
   * Each translator's warm-up request (what the loader runs once per instance) runs on its engine,
   * and its per-request parameters are checked with messages that name them.
   */
  @Test
  void warmupRequests_run_andParametersAreChecked() throws Exception {
    DirectRunner identity = open(FIXTURES, "identity");
    DirectRunner minilm = open(DEFAULT_STORE, "all-minilm-l6-v2");
    List<HostTensor> warm = identity.run(List.of(identity.translator().warmupRequest())).get(0);
    assertThat(warm).hasSize(identity.signature().outputs().size());
    assertThat(warm).allSatisfy(t -> assertThat(t.shape()).containsExactly(1L, 2L));
    List<HostTensor> text = minilm.run(List.of(minilm.translator().warmupRequest())).get(0);
    assertThat(text.get(0).shape()).containsExactly(1L, 384L);

    identity.translator().checkParameters(Map.of());
    assertThatThrownBy(() -> identity.translator().checkParameters(Map.of("normalize", "true")))
        .hasMessage("parameters: [normalize] not understood; the \"tensor\" translator takes none");
    minilm.translator().checkParameters(Map.of("normalize", "false"));
    minilm.translator().checkParameters(Map.of("normalize", "true"));
    assertThatThrownBy(() -> minilm.translator().checkParameters(Map.of("normalize", "yes")))
        .hasMessage("parameters[\"normalize\"]: \"yes\"; expected \"true\" or \"false\"");
    assertThatThrownBy(() -> minilm.translator().checkParameters(Map.of("pooling", "cls")))
        .hasMessage("parameters: \"pooling\" not understood; text_embedding takes [normalize]");
  }

  /** A model file an engine cannot read: the error names the file, the engine and the device. */
  @Test
  void aCorruptModelFile_failsToLoad_withAMessageNamingIt(@TempDir Path store) throws Exception {
    Files.createDirectories(store.resolve("m/1"));
    Files.write(store.resolve("m/1/model.onnx"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
    Files.writeString(
        store.resolve("m/config.pbtxt"),
        """
        max_batch_size: 8
        input  { name: "x" dtype: DATA_TYPE_FLOAT32 shape: [4] }
        output { name: "y" dtype: DATA_TYPE_FLOAT32 shape: [1] }
        """);
    assertThatThrownBy(() -> open(store, "m"))
        .isInstanceOf(LoadException.class)
        .hasMessageStartingWith("m/1/model.onnx: OnnxRuntime cannot load it on cpu(): ");
  }
}
