package dev.modelport.server.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.modelport.v1.DataType;
import dev.modelport.v1.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TensorCodecTest {
  static Tensor typed(DataType t) {
    Tensor.Builder b = Tensor.newBuilder().setName("x").setDtype(t).addShape(2).addShape(2);
    switch (t) {
      case DATA_TYPE_BOOL ->
          b.addBoolVal(true).addBoolVal(false).addBoolVal(false).addBoolVal(true);
      case DATA_TYPE_UINT8 -> b.addIntVal(0).addIntVal(1).addIntVal(128).addIntVal(255);
      case DATA_TYPE_INT8 -> b.addIntVal(-128).addIntVal(-1).addIntVal(0).addIntVal(127);
      case DATA_TYPE_INT32 ->
          b.addIntVal(Integer.MIN_VALUE).addIntVal(-1).addIntVal(2).addIntVal(Integer.MAX_VALUE);
      case DATA_TYPE_INT64 ->
          b.addInt64Val(Long.MIN_VALUE).addInt64Val(-1).addInt64Val(3).addInt64Val(Long.MAX_VALUE);
      case DATA_TYPE_FLOAT16 ->
          b.addFloatVal(0.5f).addFloatVal(-2f).addFloatVal(65504f).addFloatVal(0.099975586f);
      case DATA_TYPE_FLOAT32 ->
          b.addFloatVal(0.1f).addFloatVal(-2.5f).addFloatVal(Float.MAX_VALUE).addFloatVal(1e-30f);
      case DATA_TYPE_FLOAT64 ->
          b.addDoubleVal(0.1)
              .addDoubleVal(-2.5)
              .addDoubleVal(Double.MAX_VALUE)
              .addDoubleVal(1e-300);
      case DATA_TYPE_STRING ->
          b.addStringVal("a").addStringVal("").addStringVal("ünï").addStringVal("日本");
      case DATA_TYPE_BYTES ->
          b.addBytesVal(ByteString.copyFrom(new byte[] {0, -1}))
              .addBytesVal(ByteString.EMPTY)
              .addBytesVal(ByteString.copyFromUtf8("x"))
              .addBytesVal(ByteString.copyFrom(new byte[] {7}));
      default -> throw new IllegalArgumentException();
    }
    return b.build();
  }

  @ParameterizedTest
  @EnumSource(
      value = DataType.class,
      names = {"DATA_TYPE_UNSPECIFIED", "UNRECOGNIZED"},
      mode = EnumSource.Mode.EXCLUDE)
  void typedRoundTrip_everyDtype(DataType t) {
    Tensor in = typed(t);
    HostTensor h = TensorDecoder.decode(in, t, "input \"x\"");
    assertThat(TensorEncoder.encode(h, false)).isEqualTo(in);
  }

  @ParameterizedTest
  @EnumSource(
      value = DataType.class,
      names = {"DATA_TYPE_UNSPECIFIED", "UNRECOGNIZED", "DATA_TYPE_STRING", "DATA_TYPE_BYTES"},
      mode = EnumSource.Mode.EXCLUDE)
  void rawRoundTrip_matchesTypedValues(DataType t) {
    Tensor typed = typed(t);
    HostTensor h = TensorDecoder.decode(typed, t, "x");
    Tensor raw = TensorEncoder.encode(h, true);
    assertThat(raw.getRaw().size()).isEqualTo(4 * DataTypes.byteSize(t));
    HostTensor back = TensorDecoder.decode(raw, t, "x");
    assertThat(TensorEncoder.encode(back, false)).isEqualTo(typed);
  }

  @Test
  void raw_isLittleEndian() {
    ByteBuffer b =
        ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-3f);
    Tensor raw =
        Tensor.newBuilder()
            .setName("x")
            .setDtype(DataType.DATA_TYPE_FLOAT32)
            .addShape(2)
            .setRaw(ByteString.copyFrom(b.array()))
            .build();
    Tensor typed =
        TensorEncoder.encode(TensorDecoder.decode(raw, DataType.DATA_TYPE_FLOAT32, "x"), false);
    assertThat(typed.getFloatValList()).containsExactly(1.5f, -3f);
  }

  @Test
  void rows_slicesAlongDimensionZero() {
    HostTensor h =
        TensorDecoder.decode(typed(DataType.DATA_TYPE_INT64), DataType.DATA_TYPE_INT64, "x");
    Tensor second = TensorEncoder.encode(h.rows(1, 1), false);
    assertThat(second.getShapeList()).containsExactly(1L, 2L);
    assertThat(second.getInt64ValList()).containsExactly(3L, Long.MAX_VALUE);
    HostTensor s =
        TensorDecoder.decode(typed(DataType.DATA_TYPE_STRING), DataType.DATA_TYPE_STRING, "x");
    assertThat(TensorEncoder.encode(s.rows(1, 1), false).getStringValList())
        .containsExactly("ünï", "日本");
  }

  @Test
  void half_roundsToNearestEven_andCoversSpecials() {
    assertThat(DataTypes.halfToFloat(DataTypes.floatToHalf(1f))).isEqualTo(1f);
    assertThat(DataTypes.floatToHalf(1f)).isEqualTo((short) 0x3c00);
    assertThat(DataTypes.floatToHalf(65504f)).isEqualTo((short) 0x7bff);
    assertThat(DataTypes.floatToHalf(1e6f)).isEqualTo((short) 0x7c00);
    assertThat(DataTypes.floatToHalf(5.9604645e-8f)).isEqualTo((short) 0x0001);
    assertThat(Float.isNaN(DataTypes.halfToFloat(DataTypes.floatToHalf(Float.NaN)))).isTrue();
    // 1 + 2^-11 is exactly halfway between 1 and the next half: rounds to even (1).
    assertThat(DataTypes.floatToHalf(1f + 0x1p-11f)).isEqualTo((short) 0x3c00);
    assertThat(DataTypes.floatToHalf(1f + 0x1p-11f + 0x1p-20f)).isEqualTo((short) 0x3c01);
  }
}
