package dev.modelport.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelport.v1.DataType;
import dev.modelport.v1.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class TensorsTest {
  @Test
  void numericBuilders_packRawLittleEndian_andReadBack() {
    Tensor f = Tensors.of("x", new float[][] {{1.5f, -2f}, {3f, Float.MAX_VALUE}});
    assertThat(f.getDtype()).isEqualTo(DataType.DATA_TYPE_FLOAT32);
    assertThat(f.getShapeList()).containsExactly(2L, 2L);
    assertThat(f.getRaw().byteAt(0)).isEqualTo((byte) 0); // 1.5f = 0x3fc00000, little-endian
    assertThat(f.getRaw().byteAt(3)).isEqualTo((byte) 0x3f);
    assertThat(Tensors.toFloatMatrix(f))
        .isDeepEqualTo(new float[][] {{1.5f, -2f}, {3f, Float.MAX_VALUE}});
    assertThat(Tensors.toDoubles(Tensors.of("d", new double[][] {{0.1, -1e300}})))
        .containsExactly(0.1, -1e300);
    assertThat(Tensors.toLongs(Tensors.of("l", new long[][] {{Long.MIN_VALUE, 7}})))
        .containsExactly(Long.MIN_VALUE, 7L);
    assertThat(Tensors.toInts(Tensors.of("i", new int[][] {{-1, Integer.MAX_VALUE}})))
        .containsExactly(-1, Integer.MAX_VALUE);
    assertThat(Tensors.toBooleans(Tensors.of("b", new boolean[][] {{true, false}})))
        .containsExactly(true, false);
    assertThat(Tensors.toFloats(Tensors.ofFloats("f", new float[] {1, 2, 3, 4, 5, 6}, 1, 2, 3)))
        .hasSize(6);
    assertThat(Tensors.toLongs(Tensors.ofLongs("l", new long[] {4, 5}, 2))).containsExactly(4L, 5L);
  }

  @Test
  void variableLengthBuilders() {
    assertThat(Tensors.toStrings(Tensors.ofStrings("t", "héllo", ""))).containsExactly("héllo", "");
    List<byte[]> bytes =
        Tensors.toByteArrays(Tensors.ofBytes("b", new byte[] {0, -1}, new byte[0]));
    assertThat(bytes.get(0)).containsExactly(0, -1);
    assertThat(bytes.get(1)).isEmpty();
  }

  @Test
  void readers_acceptTypedFieldsToo() {
    Tensor typed =
        Tensor.newBuilder()
            .setName("y")
            .setDtype(DataType.DATA_TYPE_FLOAT32)
            .addShape(1)
            .addShape(2)
            .addFloatVal(0.25f)
            .addFloatVal(4f)
            .build();
    assertThat(Tensors.toFloatMatrix(typed)).isDeepEqualTo(new float[][] {{0.25f, 4f}});
    Tensor uint8 =
        Tensor.newBuilder()
            .setName("u")
            .setDtype(DataType.DATA_TYPE_UINT8)
            .addShape(2)
            .setRaw(com.google.protobuf.ByteString.copyFrom(new byte[] {(byte) 200, 1}))
            .build();
    assertThat(Tensors.toInts(uint8)).containsExactly(200, 1);
    Tensor half =
        Tensor.newBuilder()
            .setName("h")
            .setDtype(DataType.DATA_TYPE_FLOAT16)
            .addShape(1)
            .setRaw(com.google.protobuf.ByteString.copyFrom(new byte[] {0, 0x3c}))
            .build();
    assertThat(Tensors.toFloats(half)).containsExactly(1f);
  }

  @Test
  void mistakes_areCaughtOnTheClient() {
    assertThatThrownBy(() -> Tensors.of("x", new float[][] {{1f, 2f}, {3f}}))
        .hasMessageContaining("ragged");
    assertThatThrownBy(() -> Tensors.ofFloats("x", new float[] {1f, 2f}, 3))
        .hasMessageContaining("do not fill");
    assertThatThrownBy(() -> Tensors.toLongs(Tensors.of("x", new float[][] {{1f}})))
        .hasMessageContaining("is DATA_TYPE_FLOAT32");
  }

  @Test
  void everyDtype_roundTrips() {
    assertThat(Tensors.toInts(Tensors.ofUint8("u", new int[] {0, 7, 255}, 3)))
        .containsExactly(0, 7, 255);
    assertThat(Tensors.toInts(Tensors.ofInt8("i", new byte[] {-128, 0, 127}, 3)))
        .containsExactly(-128, 0, 127);
    assertThat(Tensors.toInts(Tensors.ofInts("i", new int[] {-5, 6}, 1, 2))).containsExactly(-5, 6);
    assertThat(Tensors.toDoubleMatrix(Tensors.ofDoubles("d", new double[] {1.5, -2}, 1, 2)))
        .isDeepEqualTo(new double[][] {{1.5, -2}});
    assertThat(Tensors.toBooleans(Tensors.ofBooleans("b", new boolean[] {true, false}, 2)))
        .containsExactly(true, false);
    assertThat(Tensors.toLongMatrix(Tensors.ofLongs("l", new long[] {1, 2, 3, 4}, 2, 2)))
        .isDeepEqualTo(new long[][] {{1, 2}, {3, 4}});
    assertThatThrownBy(() -> Tensors.ofUint8("u", new int[] {256}, 1))
        .hasMessageContaining("u: value [0] = 256 is outside 0..255");
  }

  @Test
  void float16_roundsToNearestEven() {
    float[] in = {
      0f,
      -0f,
      1f,
      -2.5f,
      65504f,
      1e-7f,
      6.1e-5f,
      70000f,
      1.0009765625f,
      1.00146484375f,
      1.00048828125f
    };
    float[] out = Tensors.toFloats(Tensors.ofFloat16("h", in, in.length));
    assertThat(out[0]).isEqualTo(0f);
    assertThat(Float.floatToRawIntBits(out[1])).isEqualTo(Float.floatToRawIntBits(-0f));
    assertThat(out[2]).isEqualTo(1f);
    assertThat(out[3]).isEqualTo(-2.5f);
    assertThat(out[4]).as("largest half").isEqualTo(65504f);
    assertThat(out[5]).as("subnormal half 2^-24 * 2").isEqualTo(0x1p-23f);
    assertThat(out[6]).isCloseTo(6.1e-5f, org.assertj.core.data.Offset.offset(1e-7f));
    assertThat(out[7]).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(out[8]).as("exactly 1 + 2^-10").isEqualTo(1.0009765625f);
    assertThat(out[9]).as("halfway between 1+2^-10 and 1+2^-9: to even").isEqualTo(1.001953125f);
    assertThat(out[10]).as("halfway between 1 and 1+2^-10: to even, down").isEqualTo(1f);
    assertThat(Float.isNaN(Tensors.toFloats(Tensors.ofFloat16("n", new float[] {Float.NaN}, 1))[0]))
        .isTrue();
  }

  @Test
  void outputByName_orAListOfWhatThereIs() {
    var r =
        dev.modelport.v1.PredictResponse.newBuilder()
            .addOutputs(Tensors.ofFloats("a", new float[] {1}, 1))
            .addOutputs(Tensors.ofFloats("b", new float[] {2}, 1))
            .build();
    assertThat(Tensors.toFloats(Tensors.output(r, "b"))).containsExactly(2f);
    assertThatThrownBy(() -> Tensors.output(r, "c"))
        .hasMessage("no output \"c\" in the answer; it has [a, b]");
  }

  /** The client's half floats and the server's are two copies of one conversion: they agree. */
  @org.junit.jupiter.api.Test
  void halfFloats_agreeWithTheServers_bitForBit_nanPayloadsIncluded() {
    java.util.Random random = new java.util.Random(11);
    java.util.List<Float> values =
        new java.util.ArrayList<>(
            java.util.List.of(
                0f,
                -0f,
                1f,
                65504f,
                65520f,
                1e-8f,
                6e-8f,
                3e-5f,
                Float.MIN_VALUE,
                Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY,
                Float.NaN,
                Float.intBitsToFloat(0x7f800001),
                Float.intBitsToFloat(0xffc12345)));
    for (int i = 0; i < 100_000; i++) {
      values.add(Float.intBitsToFloat(random.nextInt()));
    }
    for (float f : values) {
      assertThat(HalfFloats.floatToHalf(f))
          .as("0x%08x", Float.floatToRawIntBits(f))
          .isEqualTo(dev.modelport.server.tensor.DataTypes.floatToHalf(f));
    }
    for (int h = 0; h < 1 << 16; h++) {
      short bits = (short) h;
      assertThat(Float.floatToRawIntBits(HalfFloats.halfToFloat(bits)))
          .as("half 0x%04x", h)
          .isEqualTo(
              Float.floatToRawIntBits(dev.modelport.server.tensor.DataTypes.halfToFloat(bits)));
    }
  }
}
