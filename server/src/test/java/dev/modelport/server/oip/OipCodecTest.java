package dev.modelport.server.oip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.modelport.oip.InferParameter;
import dev.modelport.oip.InferTensorContents;
import dev.modelport.oip.ModelInferRequest;
import dev.modelport.oip.ModelInferRequest.InferInputTensor;
import dev.modelport.oip.ModelInferResponse;
import dev.modelport.server.errors.ModelportException;
import dev.modelport.v1.DataType;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import dev.modelport.v1.Tensor;
import dev.modelport.v1.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class OipCodecTest {
  static final List<TensorSpec> TEXT =
      List.of(TensorSpec.newBuilder().setName("text").setDtype(DataType.DATA_TYPE_STRING).build());
  static final List<TensorSpec> BLOB =
      List.of(TensorSpec.newBuilder().setName("img").setDtype(DataType.DATA_TYPE_BYTES).build());

  static InferInputTensor.Builder input(String name, String datatype, long... shape) {
    InferInputTensor.Builder b = InferInputTensor.newBuilder().setName(name).setDatatype(datatype);
    for (long d : shape) {
      b.addShape(d);
    }
    return b;
  }

  static ByteString prefixed(String... items) {
    ByteString out = ByteString.EMPTY;
    for (String s : items) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      ByteBuffer len = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length);
      out = out.concat(ByteString.copyFrom(len.array())).concat(ByteString.copyFrom(b));
    }
    return out;
  }

  static String invalid(ModelInferRequest r, List<TensorSpec> specs) {
    try {
      OipCodec.toPredict(r, specs);
    } catch (ModelportException e) {
      assertThat(e.code()).isEqualTo(dev.modelport.server.errors.ErrorCode.INVALID_ARGUMENT);
      return e.getMessage();
    }
    throw new AssertionError("not refused: " + r);
  }

  @Test
  void datatypes_mapBothWays() {
    assertThat(OipCodec.datatype(DataType.DATA_TYPE_FLOAT32)).isEqualTo("FP32");
    assertThat(OipCodec.datatype(DataType.DATA_TYPE_FLOAT16)).isEqualTo("FP16");
    assertThat(OipCodec.datatype(DataType.DATA_TYPE_FLOAT64)).isEqualTo("FP64");
    assertThat(OipCodec.datatype(DataType.DATA_TYPE_INT8)).isEqualTo("INT8");
    assertThat(OipCodec.datatype(DataType.DATA_TYPE_UINT8)).isEqualTo("UINT8");
    assertThat(OipCodec.datatype(DataType.DATA_TYPE_INT32)).isEqualTo("INT32");
    assertThat(OipCodec.datatype(DataType.DATA_TYPE_INT64)).isEqualTo("INT64");
    assertThat(OipCodec.datatype(DataType.DATA_TYPE_BOOL)).isEqualTo("BOOL");
    assertThat(OipCodec.datatype(DataType.DATA_TYPE_STRING)).isEqualTo("BYTES");
    assertThat(OipCodec.datatype(DataType.DATA_TYPE_BYTES)).isEqualTo("BYTES");
    for (String t :
        new String[] {"BOOL", "UINT8", "INT8", "INT32", "INT64", "FP16", "FP32", "FP64"}) {
      assertThat(OipCodec.datatype(OipCodec.dtype(t, DataType.DATA_TYPE_FLOAT32, "x")))
          .isEqualTo(t);
    }
    assertThat(OipCodec.dtype("BYTES", DataType.DATA_TYPE_STRING, "x"))
        .isEqualTo(DataType.DATA_TYPE_STRING);
    assertThat(OipCodec.dtype("BYTES", DataType.DATA_TYPE_BYTES, "x"))
        .isEqualTo(DataType.DATA_TYPE_BYTES);
    assertThatThrownBy(() -> OipCodec.dtype("BF16", DataType.DATA_TYPE_FLOAT32, "input \"x\""))
        .hasMessage(
            "input \"x\": datatype BF16 is not supported by modelport; the model expects FP32");
    assertThatThrownBy(() -> OipCodec.dtype("fp32", DataType.DATA_TYPE_FLOAT32, "input \"x\""))
        .hasMessageContaining("\"fp32\" is not an OIP datatype");
  }

  @Test
  void rawNumericInputs_passThrough_andOutputsAreAskedRaw() {
    ByteString raw = ByteString.copyFrom(new byte[16]);
    PredictRequest p =
        OipCodec.toPredict(
            ModelInferRequest.newBuilder()
                .setModelName("iris")
                .setModelVersion("2")
                .setId("r1")
                .addInputs(input("features", "FP32", 1, 4))
                .addRawInputContents(raw)
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("p"))
                .putParameters("normalize", InferParameter.newBuilder().setBoolParam(false).build())
                .putParameters("priority", InferParameter.newBuilder().setInt64Param(3).build())
                .putParameters("triton_x", InferParameter.newBuilder().setStringParam("y").build())
                .build(),
            List.of());
    assertThat(p.getModelName()).isEqualTo("iris");
    assertThat(p.getModelVersion()).isEqualTo("2");
    assertThat(p.getRequestId()).isEqualTo("r1");
    assertThat(p.getRawOutput()).isTrue();
    assertThat(p.getOutputNamesList()).containsExactly("p");
    assertThat(p.getParametersMap()).containsExactly(java.util.Map.entry("normalize", "false"));
    Tensor t = p.getInputs(0);
    assertThat(t.getDtype()).isEqualTo(DataType.DATA_TYPE_FLOAT32);
    assertThat(t.getShapeList()).containsExactly(1L, 4L);
    assertThat(t.getRaw()).isEqualTo(raw);
  }

  @Test
  void typedInputs_goToTheirFields() {
    PredictRequest p =
        OipCodec.toPredict(
            ModelInferRequest.newBuilder()
                .addInputs(
                    input("a", "UINT8", 2)
                        .setContents(
                            InferTensorContents.newBuilder()
                                .addUintContents(7)
                                .addUintContents(255)))
                .addInputs(
                    input("b", "INT64", 1)
                        .setContents(InferTensorContents.newBuilder().addInt64Contents(-4)))
                .addInputs(
                    input("c", "BOOL", 1)
                        .setContents(InferTensorContents.newBuilder().addBoolContents(true)))
                .addInputs(
                    input("d", "FP64", 1)
                        .setContents(InferTensorContents.newBuilder().addFp64Contents(2.5)))
                .addInputs(
                    input("e", "INT32", 1)
                        .setContents(InferTensorContents.newBuilder().addIntContents(-9)))
                .putParameters(
                    OipCodec.TYPED_OUTPUT, InferParameter.newBuilder().setBoolParam(true).build())
                .build(),
            List.of());
    assertThat(p.getRawOutput()).isFalse();
    assertThat(p.getInputs(0).getIntValList()).containsExactly(7, 255);
    assertThat(p.getInputs(1).getInt64ValList()).containsExactly(-4L);
    assertThat(p.getInputs(2).getBoolValList()).containsExactly(true);
    assertThat(p.getInputs(3).getDoubleValList()).containsExactly(2.5);
    assertThat(p.getInputs(4).getIntValList()).containsExactly(-9);
    assertThat(p.getParametersMap()).isEmpty();
  }

  @Test
  void bytes_rawWithPrefixesAndTyped_toTextOrBytesAsTheModelTakes() {
    PredictRequest text =
        OipCodec.toPredict(
            ModelInferRequest.newBuilder()
                .addInputs(input("text", "BYTES", 2))
                .addRawInputContents(prefixed("héllo", ""))
                .build(),
            TEXT);
    assertThat(text.getInputs(0).getDtype()).isEqualTo(DataType.DATA_TYPE_STRING);
    assertThat(text.getInputs(0).getStringValList()).containsExactly("héllo", "");
    PredictRequest blob =
        OipCodec.toPredict(
            ModelInferRequest.newBuilder()
                .addInputs(
                    input("img", "BYTES", 1)
                        .setContents(
                            InferTensorContents.newBuilder()
                                .addBytesContents(ByteString.copyFrom(new byte[] {(byte) 0xff}))))
                .build(),
            BLOB);
    assertThat(blob.getInputs(0).getDtype()).isEqualTo(DataType.DATA_TYPE_BYTES);
    assertThat(blob.getInputs(0).getBytesVal(0).byteAt(0)).isEqualTo((byte) 0xff);
    assertThat(
            invalid(
                ModelInferRequest.newBuilder()
                    .addInputs(input("text", "BYTES", 1))
                    .addRawInputContents(prefixed("abc").substring(0, 6))
                    .build(),
                TEXT))
        .isEqualTo("input \"text\": raw BYTES element 0 says 3 bytes but 2 remain");
    assertThat(
            invalid(
                ModelInferRequest.newBuilder()
                    .addInputs(input("text", "BYTES", 1))
                    .addRawInputContents(ByteString.copyFrom(new byte[] {1, 0}))
                    .build(),
                TEXT))
        .contains("truncated length prefix");
    assertThat(
            invalid(
                ModelInferRequest.newBuilder()
                    .addInputs(
                        input("text", "BYTES", 1)
                            .setContents(
                                InferTensorContents.newBuilder()
                                    .addBytesContents(
                                        ByteString.copyFrom(new byte[] {(byte) 0xc3}))))
                    .build(),
                TEXT))
        .contains("not valid UTF-8");
  }

  @Test
  void malformedRequests_nameTheInput() {
    assertThat(
            invalid(
                ModelInferRequest.newBuilder()
                    .addInputs(input("x", "FP32", 1))
                    .addInputs(input("y", "FP32", 1))
                    .addRawInputContents(ByteString.copyFrom(new byte[4]))
                    .build(),
                List.of()))
        .isEqualTo(
            "raw_input_contents: 1 entries for 2 inputs; send one per input, in input order");
    assertThat(
            invalid(
                ModelInferRequest.newBuilder()
                    .addInputs(
                        input("x", "FP32", 1)
                            .setContents(InferTensorContents.newBuilder().addFp32Contents(1)))
                    .addRawInputContents(ByteString.copyFrom(new byte[4]))
                    .build(),
                List.of()))
        .contains("input \"x\": data in both contents and raw_input_contents");
    assertThat(
            invalid(
                ModelInferRequest.newBuilder().addInputs(input("x", "FP32", 2)).build(), List.of()))
        .isEqualTo("input \"x\": no data; send contents or raw_input_contents");
    assertThat(
            invalid(
                ModelInferRequest.newBuilder()
                    .addInputs(
                        input("x", "FP16", 1)
                            .setContents(InferTensorContents.newBuilder().addFp32Contents(1)))
                    .build(),
                List.of()))
        .isEqualTo("input \"x\": FP16 is sent raw only (raw_input_contents)");
    assertThat(
            invalid(
                ModelInferRequest.newBuilder()
                    .addInputs(
                        input("x", "FP32", 1)
                            .setContents(InferTensorContents.newBuilder().addIntContents(1)))
                    .build(),
                List.of()))
        .isEqualTo("input \"x\": FP32 values go in contents.fp32_contents, not other fields");
    assertThat(
            invalid(
                ModelInferRequest.newBuilder()
                    .putParameters(
                        OipCodec.TYPED_OUTPUT,
                        InferParameter.newBuilder().setDoubleParam(1).build())
                    .build(),
                List.of()))
        .contains("typed_output");
  }

  @Test
  void answers_rawByDefault_typedWhenAsked_bytesWithPrefixes() {
    PredictResponse r =
        PredictResponse.newBuilder()
            .setModelName("m")
            .setModelVersion("3")
            .setRequestId("q")
            .addOutputs(
                Tensor.newBuilder()
                    .setName("y")
                    .setDtype(DataType.DATA_TYPE_FLOAT32)
                    .addShape(1)
                    .setRaw(ByteString.copyFrom(new byte[] {0, 0, (byte) 0x80, 0x3f})))
            .addOutputs(
                Tensor.newBuilder()
                    .setName("label")
                    .setDtype(DataType.DATA_TYPE_STRING)
                    .addShape(1)
                    .addStringVal("ok"))
            .build();
    ModelInferResponse raw = OipCodec.toInfer(r, false);
    assertThat(raw.getModelName()).isEqualTo("m");
    assertThat(raw.getModelVersion()).isEqualTo("3");
    assertThat(raw.getId()).isEqualTo("q");
    assertThat(raw.getOutputs(0).getDatatype()).isEqualTo("FP32");
    assertThat(raw.getOutputs(1).getDatatype()).isEqualTo("BYTES");
    assertThat(raw.getRawOutputContents(0)).isEqualTo(r.getOutputs(0).getRaw());
    assertThat(raw.getRawOutputContents(1)).isEqualTo(prefixed("ok"));
    assertThat(raw.getOutputs(0).hasContents()).isFalse();
    PredictResponse typedAnswer =
        r.toBuilder()
            .setOutputs(
                0,
                Tensor.newBuilder()
                    .setName("y")
                    .setDtype(DataType.DATA_TYPE_FLOAT32)
                    .addShape(1)
                    .addFloatVal(1f))
            .build();
    ModelInferResponse typed = OipCodec.toInfer(typedAnswer, true);
    assertThat(typed.getRawOutputContentsCount()).isZero();
    assertThat(typed.getOutputs(0).getContents().getFp32ContentsList()).containsExactly(1f);
    assertThat(typed.getOutputs(1).getContents().getBytesContents(0).toStringUtf8())
        .isEqualTo("ok");
  }
}
