package dev.modelport.server.it;

import static dev.modelport.server.it.Requests.CLASSIC_IRIS;
import static dev.modelport.server.it.Requests.dot;
import static dev.modelport.server.it.Requests.norm;
import static dev.modelport.server.it.Requests.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.modelport.v1.DataType;
import dev.modelport.v1.GetModelRequest;
import dev.modelport.v1.ListModelsRequest;
import dev.modelport.v1.ModelState;
import dev.modelport.v1.ModelStatus;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The three default models, served by the real server on a real port. */
class DefaultModelsIT {
  static ServerFixture fx;

  @BeforeAll
  static void start() throws Exception {
    fx = ServerFixture.defaultStore();
  }

  @ParameterizedTest
  @ValueSource(strings = {"iris", "iris-mlp"})
  void classicIrisRows_classifyAs001122(String model) {
    PredictResponse r = fx.inference().predict(Requests.iris(model, CLASSIC_IRIS));
    assertThat(r.getModelName()).isEqualTo(model);
    assertThat(r.getModelVersion()).isEqualTo("1");
    assertThat(r.getOutputs(0).getName()).isEqualTo("probabilities");
    assertThat(r.getOutputs(0).getShapeList()).containsExactly(6L, 3L);
    float[][] p = rows(r, 0);
    assertThat(Arrays.stream(p).mapToInt(Requests::argmax).toArray())
        .containsExactly(0, 0, 1, 1, 2, 2);
    for (float[] row : p) {
      assertThat(row[0] + row[1] + row[2]).isCloseTo(1f, within(1e-4f));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"iris", "iris-mlp"})
  void rawOutput_carriesTheSameValuesAsTypedFields(String model) {
    PredictRequest typed = Requests.iris(model, CLASSIC_IRIS);
    float[][] a = rows(fx.inference().predict(typed), 0);
    PredictResponse raw = fx.inference().predict(typed.toBuilder().setRawOutput(true).build());
    assertThat(raw.getOutputs(0).getFloatValCount()).isZero();
    assertThat(raw.getOutputs(0).getRaw().size()).isEqualTo(6 * 3 * 4);
    assertThat(rows(raw, 0)).isDeepEqualTo(a);
  }

  @Test
  void miniLm_gives384dUnitVectors_thatRankMeaning() {
    PredictResponse r =
        fx.inference()
            .predict(
                Requests.texts(
                    "A man is eating food.",
                    "A man is eating a piece of bread.",
                    "The girl is carrying a baby."));
    assertThat(r.getOutputs(0).getName()).isEqualTo("embedding");
    assertThat(r.getOutputs(0).getDtype()).isEqualTo(DataType.DATA_TYPE_FLOAT32);
    assertThat(r.getOutputs(0).getShapeList()).containsExactly(3L, 384L);
    float[][] e = rows(r, 0);
    for (float[] v : e) {
      assertThat(norm(v)).isCloseTo(1.0, within(1e-4));
    }
    assertThat(dot(e[0], e[1])).isGreaterThan(dot(e[0], e[2]) + 0.3);
  }

  @Test
  void miniLm_normalizeFalse_returnsTheRawMeanPool() {
    PredictRequest req = Requests.texts("A man is eating food.");
    float[] unit = rows(fx.inference().predict(req), 0)[0];
    float[] raw =
        rows(
            fx.inference().predict(req.toBuilder().putParameters("normalize", "false").build()), 0)[
            0];
    double n = norm(raw);
    assertThat(n).isNotCloseTo(1.0, within(0.05));
    for (int i = 0; i < raw.length; i++) {
      assertThat(raw[i] / n).isCloseTo(unit[i], within(1e-5));
    }
  }

  @Test
  void listAndGet_showEveryModelReadyWithSignatureAndDevices() {
    var list = fx.models().listModels(ListModelsRequest.getDefaultInstance()).getModelsList();
    assertThat(list)
        .extracting(ModelStatus::getName)
        .containsExactly("all-minilm-l6-v2", "iris", "iris-mlp");
    ModelStatus iris =
        fx.models().getModel(GetModelRequest.newBuilder().setModelName("iris").build()).getModel();
    assertThat(iris.getEngine()).isEqualTo("OnnxRuntime");
    assertThat(iris.getDefaultVersion()).isEqualTo("1");
    assertThat(iris.getMaxBatchSize()).isEqualTo(64);
    assertThat(iris.getInputs(0).getName()).isEqualTo("features");
    assertThat(iris.getInputs(0).getShapeList()).containsExactly(4L);
    assertThat(iris.getOutputs(0).getShapeList()).containsExactly(3L);
    assertThat(iris.getVersions(0).getState()).isEqualTo(ModelState.MODEL_STATE_READY);
    assertThat(iris.getVersions(0).getDevicesList()).containsExactly("cpu()");
    ModelStatus mlp =
        fx.models()
            .getModel(GetModelRequest.newBuilder().setModelName("iris-mlp").build())
            .getModel();
    assertThat(mlp.getEngine()).isEqualTo("PyTorch");
    ModelStatus lm =
        fx.models()
            .getModel(GetModelRequest.newBuilder().setModelName("all-minilm-l6-v2").build())
            .getModel();
    assertThat(lm.getInputs(0).getDtype()).isEqualTo(DataType.DATA_TYPE_STRING);
    assertThat(lm.getOutputs(0).getShapeList()).containsExactly(384L);
  }
}
