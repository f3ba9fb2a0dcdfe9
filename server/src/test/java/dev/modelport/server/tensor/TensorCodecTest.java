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
    return SampleTensors.of("x", t);
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
