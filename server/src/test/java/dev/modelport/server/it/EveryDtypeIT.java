package dev.modelport.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.modelport.server.testing.TempStore;
import dev.modelport.v1.DataType;
import dev.modelport.v1.GetModelRequest;
import dev.modelport.v1.ModelStatus;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import dev.modelport.v1.Tensor;
import dev.modelport.v1.TensorSpec;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every contract dtype through a real engine: an ONNX model of Identity nodes (specs read from the
 * graph) must return each input unchanged, in typed fields and in raw.
 */
class EveryDtypeIT {
  static ServerFixture fx;

  static final Map<String, DataType> TYPES =
      Map.of(
          "bool", DataType.DATA_TYPE_BOOL,
          "uint8", DataType.DATA_TYPE_UINT8,
          "int8", DataType.DATA_TYPE_INT8,
          "int32", DataType.DATA_TYPE_INT32,
          "int64", DataType.DATA_TYPE_INT64,
          "float16", DataType.DATA_TYPE_FLOAT16,
          "float32", DataType.DATA_TYPE_FLOAT32,
          "float64", DataType.DATA_TYPE_FLOAT64,
          "string", DataType.DATA_TYPE_STRING);

  @BeforeAll
  static void start() throws Exception {
    fx = new ServerFixture(new TempStore().fixture("identity").root);
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  /** A [2, 2] tensor of {@code t} with edge values. */
  static Tensor values(String name, DataType t) {
    return dev.modelport.server.tensor.SampleTensors.of(name, t);
  }

  static PredictRequest request() {
    PredictRequest.Builder r = PredictRequest.newBuilder().setModelName("identity");
    TYPES.forEach((n, t) -> r.addInputs(values("in_" + n, t)));
    return r.build();
  }

  @Test
  void signature_isReadFromTheOnnxGraph() {
    ModelStatus s =
        fx.models()
            .getModel(GetModelRequest.newBuilder().setModelName("identity").build())
            .getModel();
    assertThat(s.getInputsList()).hasSize(9);
    for (TensorSpec in : s.getInputsList()) {
      assertThat(in.getDtype()).as(in.getName()).isEqualTo(TYPES.get(in.getName().substring(3)));
      assertThat(in.getShapeList()).as(in.getName()).containsExactly(2L);
    }
  }

  @Test
  void everyDtype_comesBackUnchanged_typedAndRaw() {
    PredictResponse typed = fx.inference().predict(request());
    assertThat(typed.getOutputsCount()).isEqualTo(9);
    for (Tensor out : typed.getOutputsList()) {
      String type = out.getName().substring(4);
      assertThat(out).as(type).isEqualTo(values(out.getName(), TYPES.get(type)));
    }
    PredictResponse raw = fx.inference().predict(request().toBuilder().setRawOutput(true).build());
    for (Tensor out : raw.getOutputsList()) {
      DataType t = out.getDtype();
      if (t == DataType.DATA_TYPE_STRING) {
        assertThat(out.getStringValCount()).isEqualTo(4); // no packed form for strings
        continue;
      }
      // send the raw bytes back in: the same values must come out typed
      PredictRequest.Builder again = request().toBuilder();
      String in = "in_" + out.getName().substring(4);
      for (int i = 0; i < again.getInputsCount(); i++) {
        if (again.getInputs(i).getName().equals(in)) {
          again.setInputs(
              i,
              Tensor.newBuilder(out)
                  .setName(in)
                  .setRaw(ByteString.copyFrom(out.getRaw().toByteArray())));
        }
      }
      Tensor back =
          fx.inference().predict(again.build()).getOutputsList().stream()
              .filter(o -> o.getName().equals(out.getName()))
              .findFirst()
              .orElseThrow();
      assertThat(back).as(t.name()).isEqualTo(values(out.getName(), t));
    }
  }

  @Test
  void nonSquareStringTensors_keepTheirOrder() {
    // Regression (found by FuzzIT): DJL's OrtNDArray.toStringArray scrambles [3, 2] strings.
    PredictRequest.Builder r = PredictRequest.newBuilder().setModelName("identity");
    TYPES.forEach(
        (n, t) -> {
          Tensor.Builder b =
              Tensor.newBuilder().setName("in_" + n).setDtype(t).addShape(3).addShape(2);
          if (t == DataType.DATA_TYPE_STRING) {
            b.addAllStringVal(java.util.List.of("r0c0", "r0c1", "r1c0", "r1c1", "r2c0", "r2c1"));
          } else {
            b.setRaw(
                ByteString.copyFrom(
                    new byte[6 * dev.modelport.server.tensor.DataTypes.byteSize(t)]));
          }
          r.addInputs(b);
        });
    Tensor out = fx.inference().predict(r.addOutputNames("out_string").build()).getOutputs(0);
    assertThat(out.getShapeList()).containsExactly(3L, 2L);
    assertThat(out.getStringValList())
        .containsExactly("r0c0", "r0c1", "r1c0", "r1c1", "r2c0", "r2c1");
  }

  @Test
  void outputNames_selectASubsetInSignatureOrder() {
    PredictResponse r =
        fx.inference()
            .predict(
                request().toBuilder()
                    .addOutputNames("out_string")
                    .addOutputNames("out_int8")
                    .build());
    assertThat(r.getOutputsList())
        .extracting(Tensor::getName)
        .containsExactly("out_int8", "out_string");
  }
}
