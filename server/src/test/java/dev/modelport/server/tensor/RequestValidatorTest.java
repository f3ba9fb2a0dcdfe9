package dev.modelport.server.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.modelport.server.errors.ErrorCode;
import dev.modelport.server.errors.ModelportException;
import dev.modelport.v1.DataType;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.Tensor;
import dev.modelport.v1.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

class RequestValidatorTest {
  static final Signature IRIS =
      new Signature(
          List.of(spec("features", DataType.DATA_TYPE_FLOAT32, 4)),
          List.of(spec("probabilities", DataType.DATA_TYPE_FLOAT32, 3)),
          64);

  static TensorSpec spec(String name, DataType t, long... shape) {
    TensorSpec.Builder b = TensorSpec.newBuilder().setName(name).setDtype(t);
    for (long d : shape) {
      b.addShape(d);
    }
    return b.build();
  }

  static Tensor.Builder floats(String name, long rows, long cols) {
    Tensor.Builder b =
        Tensor.newBuilder()
            .setName(name)
            .setDtype(DataType.DATA_TYPE_FLOAT32)
            .addShape(rows)
            .addShape(cols);
    for (int i = 0; i < rows * cols; i++) {
      b.addFloatVal(i);
    }
    return b;
  }

  static PredictRequest req(Tensor.Builder... inputs) {
    PredictRequest.Builder b = PredictRequest.newBuilder().setModelName("iris");
    for (Tensor.Builder t : inputs) {
      b.addInputs(t);
    }
    return b.build();
  }

  static AbstractThrowableAssert<?, ? extends Throwable> rejects(PredictRequest r, Signature s) {
    return assertThatThrownBy(() -> RequestValidator.validate(r, s))
        .isInstanceOfSatisfying(
            ModelportException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
  }

  @Test
  void validRequest_decodesInSignatureOrderWithRows() {
    ValidatedRequest v = RequestValidator.validate(req(floats("features", 2, 4)), IRIS);
    assertThat(v.rows()).isEqualTo(2);
    assertThat(v.outputNames()).containsExactly("probabilities");
    ByteBuffer d = v.inputs().get(0).data();
    assertThat(d.remaining()).isEqualTo(32);
    assertThat(d.getFloat(4 * 7)).isEqualTo(7f);
  }

  @Test
  void wrongShape_namesInputAndExpectation() {
    rejects(req(floats("features", 2, 5)), IRIS)
        .hasMessage("input \"features\": shape [2,5] does not fit [-1,4]");
    rejects(req(floats("features", 2, 4).clearShape().addShape(8)), IRIS)
        .hasMessage("input \"features\": shape [8] does not fit [-1,4]");
  }

  @Test
  void missingExtraAndDuplicateInputs_areRejected() {
    rejects(req(), IRIS).hasMessageContaining("inputs: missing [\"features\"]");
    rejects(req(floats("features", 1, 4), floats("extra", 1, 4)), IRIS)
        .hasMessageContaining("input \"extra\": not an input of this model; expected [features]");
    rejects(req(floats("features", 1, 4), floats("features", 1, 4)), IRIS)
        .hasMessageContaining("input \"features\": sent twice");
  }

  @Test
  void wrongDtype_isRejected_unspecifiedTakesTheSpecs() {
    rejects(req(floats("features", 1, 4).setDtype(DataType.DATA_TYPE_INT64)), IRIS)
        .hasMessage("input \"features\": dtype INT64 does not match the model's FLOAT32");
    ValidatedRequest v =
        RequestValidator.validate(
            req(floats("features", 1, 4).setDtype(DataType.DATA_TYPE_UNSPECIFIED)), IRIS);
    assertThat(v.inputs().get(0).dtype()).isEqualTo(DataType.DATA_TYPE_FLOAT32);
  }

  @Test
  void valueCountMismatch_isRejected() {
    rejects(req(floats("features", 2, 4).addFloatVal(1f)), IRIS)
        .hasMessage("input \"features\": 9 values in float_val but shape [2,4] needs 8");
  }

  @Test
  void rawOfWrongLength_isRejected() {
    Tensor.Builder t =
        floats("features", 2, 4).clearFloatVal().setRaw(ByteString.copyFrom(new byte[31]));
    rejects(req(t), IRIS)
        .hasMessage("input \"features\": raw has 31 bytes; shape [2,4] of FLOAT32 needs 32");
  }

  @Test
  void rawAndTypedTogether_orWrongTypedField_isRejected() {
    rejects(req(floats("features", 1, 4).setRaw(ByteString.copyFrom(new byte[16]))), IRIS)
        .hasMessageContaining("values in raw and float_val; send exactly one");
    rejects(
            req(floats("features", 1, 4).clearFloatVal().addAllDoubleVal(List.of(1d, 2d, 3d, 4d))),
            IRIS)
        .hasMessageContaining("FLOAT32 values go in float_val or raw, not double_val");
  }

  @Test
  void batchLargerThanMax_isRejected() {
    rejects(req(floats("features", 65, 4)), IRIS)
        .hasMessage("input \"features\": batch of 65 rows exceeds max_batch_size 64");
  }

  @Test
  void zeroOrNegativeDims_areRejected() {
    rejects(req(floats("features", 0, 4).clearFloatVal()), IRIS)
        .hasMessageContaining("shape [0,4] does not fit");
  }

  @Test
  void batchSizesMustAgreeAcrossInputs() {
    Signature two =
        new Signature(
            List.of(
                spec("a", DataType.DATA_TYPE_FLOAT32, 4), spec("b", DataType.DATA_TYPE_FLOAT32, 4)),
            List.of(spec("y", DataType.DATA_TYPE_FLOAT32, 1)),
            8);
    rejects(req(floats("a", 2, 4), floats("b", 3, 4)), two)
        .hasMessage("input \"b\": batch size 3 differs from input \"a\" (2)");
  }

  @Test
  void outputNames_unknownOrDuplicate_areRejected_andKnownOnesKept() {
    PredictRequest bad = req(floats("features", 1, 4)).toBuilder().addOutputNames("logits").build();
    rejects(bad, IRIS)
        .hasMessageContaining("output_names: \"logits\" is not an output of this model");
    PredictRequest dup =
        req(floats("features", 1, 4)).toBuilder()
            .addOutputNames("probabilities")
            .addOutputNames("probabilities")
            .build();
    rejects(dup, IRIS).hasMessageContaining("asked twice");
  }

  @Test
  void int8OutOfRange_isRejected() {
    Signature s =
        new Signature(
            List.of(spec("x", DataType.DATA_TYPE_INT8, 2)),
            List.of(spec("y", DataType.DATA_TYPE_INT8, 2)),
            0);
    Tensor.Builder t =
        Tensor.newBuilder()
            .setName("x")
            .setDtype(DataType.DATA_TYPE_INT8)
            .addShape(2)
            .addIntVal(1)
            .addIntVal(200);
    rejects(req(t), s).hasMessage("input \"x\": int_val[1] = 200 is outside [-128, 127]");
  }

  @Test
  void nonBatchingModel_takesExactShape() {
    Signature s =
        new Signature(
            List.of(spec("x", DataType.DATA_TYPE_INT64, 3)),
            List.of(spec("y", DataType.DATA_TYPE_INT64, 3)),
            0);
    Tensor.Builder t =
        Tensor.newBuilder()
            .setName("x")
            .setDtype(DataType.DATA_TYPE_INT64)
            .addShape(3)
            .addInt64Val(1)
            .addInt64Val(2)
            .addInt64Val(3);
    ValidatedRequest v = RequestValidator.validate(req(t), s);
    assertThat(v.rows()).isEqualTo(1);
    assertThat(v.inputs().get(0).data().order(ByteOrder.LITTLE_ENDIAN).getLong(16)).isEqualTo(3L);
  }

  @Test
  void stringInputs_areDecodedAsUtf8Elements() {
    Signature s =
        new Signature(
            List.of(spec("text", DataType.DATA_TYPE_STRING)),
            List.of(spec("embedding", DataType.DATA_TYPE_FLOAT32, 384)),
            32);
    Tensor.Builder t =
        Tensor.newBuilder()
            .setName("text")
            .setDtype(DataType.DATA_TYPE_STRING)
            .addShape(2)
            .addStringVal("héllo")
            .addStringVal("b");
    ValidatedRequest v = RequestValidator.validate(req(t), s);
    assertThat(v.rows()).isEqualTo(2);
    assertThat(v.inputs().get(0).elements().get(0).toStringUtf8()).isEqualTo("héllo");
    rejects(req(t.clone().setRaw(ByteString.copyFromUtf8("x")).clearStringVal()), s)
        .hasMessageContaining("raw is not for STRING; send string_val");
  }
}
