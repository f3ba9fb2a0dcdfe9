package dev.modelport.client;

import com.google.protobuf.ByteString;
import dev.modelport.v1.DataType;
import dev.modelport.v1.Tensor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds {@link Tensor}s from Java arrays and reads them back, so callers never hand-build protos.
 * Numeric tensors are written to {@code raw} (little-endian packed, the fast path); readers accept
 * either {@code raw} or the typed field.
 *
 * <pre>{@code
 * Tensor features = Tensors.of("features", new float[][] {{5.1f, 3.5f, 1.4f, 0.2f}});
 * float[][] probabilities = Tensors.toFloatMatrix(response.getOutputs(0));
 * }</pre>
 */
public final class Tensors {
  private Tensors() {}

  /** FLOAT32 {@code [rows, cols]}. */
  public static Tensor of(String name, float[][] rows) {
    return matrix(
        name,
        DataType.DATA_TYPE_FLOAT32,
        rows,
        4,
        (b, row) -> {
          for (float v : (float[]) row) {
            b.putFloat(v);
          }
        });
  }

  /** FLOAT64 {@code [rows, cols]}. */
  public static Tensor of(String name, double[][] rows) {
    return matrix(
        name,
        DataType.DATA_TYPE_FLOAT64,
        rows,
        8,
        (b, row) -> {
          for (double v : (double[]) row) {
            b.putDouble(v);
          }
        });
  }

  /** INT64 {@code [rows, cols]}. */
  public static Tensor of(String name, long[][] rows) {
    return matrix(
        name,
        DataType.DATA_TYPE_INT64,
        rows,
        8,
        (b, row) -> {
          for (long v : (long[]) row) {
            b.putLong(v);
          }
        });
  }

  /** INT32 {@code [rows, cols]}. */
  public static Tensor of(String name, int[][] rows) {
    return matrix(
        name,
        DataType.DATA_TYPE_INT32,
        rows,
        4,
        (b, row) -> {
          for (int v : (int[]) row) {
            b.putInt(v);
          }
        });
  }

  /** BOOL {@code [rows, cols]}. */
  public static Tensor of(String name, boolean[][] rows) {
    return matrix(
        name,
        DataType.DATA_TYPE_BOOL,
        rows,
        1,
        (b, row) -> {
          for (boolean v : (boolean[]) row) {
            b.put((byte) (v ? 1 : 0));
          }
        });
  }

  /**
   * Packs a 2-d primitive array ({@code rows} is a T[][]) row by row, checking it is not ragged.
   */
  private static Tensor matrix(
      String name,
      DataType dtype,
      Object[] rows,
      int elementBytes,
      java.util.function.BiConsumer<ByteBuffer, Object> row) {
    if (rows.length == 0) {
      throw new IllegalArgumentException("at least one row is needed");
    }
    int cols = java.lang.reflect.Array.getLength(rows[0]);
    ByteBuffer b = RawTensors.buffer((long) rows.length * cols * elementBytes);
    for (Object r : rows) {
      RawTensors.checkRow(java.lang.reflect.Array.getLength(r), cols);
      row.accept(b, r);
    }
    return RawTensors.packed(name, dtype, b, rows.length, cols);
  }

  /** FLOAT32 of any shape from flat row-major {@code values}. */
  public static Tensor ofFloats(String name, float[] values, long... shape) {
    RawTensors.checkCount(values.length, shape);
    ByteBuffer b = RawTensors.buffer((long) values.length * 4);
    for (float f : values) {
      b.putFloat(f);
    }
    return RawTensors.packed(name, DataType.DATA_TYPE_FLOAT32, b, shape);
  }

  /** INT64 of any shape from flat row-major {@code values}. */
  public static Tensor ofLongs(String name, long[] values, long... shape) {
    RawTensors.checkCount(values.length, shape);
    ByteBuffer b = RawTensors.buffer((long) values.length * 8);
    for (long v : values) {
      b.putLong(v);
    }
    return RawTensors.packed(name, DataType.DATA_TYPE_INT64, b, shape);
  }

  /** FLOAT64 of any shape from flat row-major {@code values}. */
  public static Tensor ofDoubles(String name, double[] values, long... shape) {
    RawTensors.checkCount(values.length, shape);
    ByteBuffer b = RawTensors.buffer((long) values.length * 8);
    for (double v : values) {
      b.putDouble(v);
    }
    return RawTensors.packed(name, DataType.DATA_TYPE_FLOAT64, b, shape);
  }

  /** INT32 of any shape from flat row-major {@code values}. */
  public static Tensor ofInts(String name, int[] values, long... shape) {
    RawTensors.checkCount(values.length, shape);
    ByteBuffer b = RawTensors.buffer((long) values.length * 4);
    for (int v : values) {
      b.putInt(v);
    }
    return RawTensors.packed(name, DataType.DATA_TYPE_INT32, b, shape);
  }

  /** INT8 of any shape from flat row-major {@code values}. */
  public static Tensor ofInt8(String name, byte[] values, long... shape) {
    RawTensors.checkCount(values.length, shape);
    return RawTensors.packed(
        name, DataType.DATA_TYPE_INT8, RawTensors.buffer(values.length).put(values), shape);
  }

  /** UINT8 of any shape from flat row-major {@code values} (each 0..255; e.g. image pixels). */
  public static Tensor ofUint8(String name, int[] values, long... shape) {
    RawTensors.checkCount(values.length, shape);
    ByteBuffer b = RawTensors.buffer(values.length);
    for (int i = 0; i < values.length; i++) {
      if (values[i] < 0 || values[i] > 255) {
        throw new IllegalArgumentException(
            name + ": value [" + i + "] = " + values[i] + " is outside 0..255");
      }
      b.put((byte) values[i]);
    }
    return RawTensors.packed(name, DataType.DATA_TYPE_UINT8, b, shape);
  }

  /** FLOAT16 of any shape from flat row-major {@code values}, rounded to half precision. */
  public static Tensor ofFloat16(String name, float[] values, long... shape) {
    RawTensors.checkCount(values.length, shape);
    ByteBuffer b = RawTensors.buffer((long) values.length * 2);
    for (float v : values) {
      b.putShort(HalfFloats.floatToHalf(v));
    }
    return RawTensors.packed(name, DataType.DATA_TYPE_FLOAT16, b, shape);
  }

  /** BOOL of any shape from flat row-major {@code values}. */
  public static Tensor ofBooleans(String name, boolean[] values, long... shape) {
    RawTensors.checkCount(values.length, shape);
    ByteBuffer b = RawTensors.buffer(values.length);
    for (boolean v : values) {
      b.put((byte) (v ? 1 : 0));
    }
    return RawTensors.packed(name, DataType.DATA_TYPE_BOOL, b, shape);
  }

  /** The output named {@code name} of {@code response}; the exception lists the outputs it has. */
  public static Tensor output(dev.modelport.v1.PredictResponse response, String name) {
    for (Tensor t : response.getOutputsList()) {
      if (t.getName().equals(name)) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "no output \""
            + name
            + "\" in the answer; it has "
            + response.getOutputsList().stream().map(Tensor::getName).toList());
  }

  /** A 2-d INT64 tensor as rows. */
  public static long[][] toLongMatrix(Tensor t) {
    int[] rc = rowsCols(t);
    long[] flat = toLongs(t);
    long[][] out = new long[rc[0]][rc[1]];
    for (int i = 0; i < rc[0]; i++) {
      System.arraycopy(flat, i * rc[1], out[i], 0, rc[1]);
    }
    return out;
  }

  /** A 2-d FLOAT64 tensor as rows. */
  public static double[][] toDoubleMatrix(Tensor t) {
    int[] rc = rowsCols(t);
    double[] flat = toDoubles(t);
    double[][] out = new double[rc[0]][rc[1]];
    for (int i = 0; i < rc[0]; i++) {
      System.arraycopy(flat, i * rc[1], out[i], 0, rc[1]);
    }
    return out;
  }

  /** A STRING tensor's values as an array. */
  public static String[] toStringArray(Tensor t) {
    return toStrings(t).toArray(String[]::new);
  }

  private static int[] rowsCols(Tensor t) {
    if (t.getShapeCount() != 2) {
      throw new IllegalArgumentException(
          t.getName() + ": shape " + t.getShapeList() + " is not 2-d");
    }
    return new int[] {Math.toIntExact(t.getShape(0)), Math.toIntExact(t.getShape(1))};
  }

  /** STRING {@code [n]}: one UTF-8 string per row (e.g. texts to embed). */
  public static Tensor ofStrings(String name, String... values) {
    return Tensor.newBuilder()
        .setName(name)
        .setDtype(DataType.DATA_TYPE_STRING)
        .addShape(values.length)
        .addAllStringVal(List.of(values))
        .build();
  }

  /** BYTES {@code [n]}: one opaque value per row (e.g. encoded images). */
  public static Tensor ofBytes(String name, byte[]... values) {
    Tensor.Builder t =
        Tensor.newBuilder()
            .setName(name)
            .setDtype(DataType.DATA_TYPE_BYTES)
            .addShape(values.length);
    for (byte[] v : values) {
      t.addBytesVal(ByteString.copyFrom(v));
    }
    return t.build();
  }

  /** A FLOAT32 (or FLOAT16) tensor's values, flat, row-major. */
  public static float[] toFloats(Tensor t) {
    RawTensors.require(t, DataType.DATA_TYPE_FLOAT32, DataType.DATA_TYPE_FLOAT16);
    if (t.getRaw().isEmpty()) {
      float[] out = new float[t.getFloatValCount()];
      for (int i = 0; i < out.length; i++) {
        out[i] = t.getFloatVal(i);
      }
      return out;
    }
    ByteBuffer b = RawTensors.raw(t);
    if (t.getDtype() == DataType.DATA_TYPE_FLOAT16) {
      float[] out = new float[b.remaining() / 2];
      for (int i = 0; i < out.length; i++) {
        out[i] = HalfFloats.halfToFloat(b.getShort());
      }
      return out;
    }
    float[] out = new float[b.remaining() / 4];
    b.asFloatBuffer().get(out);
    return out;
  }

  /** A 2-d FLOAT32 tensor as rows. */
  public static float[][] toFloatMatrix(Tensor t) {
    if (t.getShapeCount() != 2) {
      throw new IllegalArgumentException(
          t.getName() + ": shape " + t.getShapeList() + " is not 2-d");
    }
    float[] flat = toFloats(t);
    int rows = (int) t.getShape(0);
    int cols = (int) t.getShape(1);
    float[][] out = new float[rows][cols];
    for (int i = 0; i < rows; i++) {
      System.arraycopy(flat, i * cols, out[i], 0, cols);
    }
    return out;
  }

  /** A FLOAT64 tensor's values, flat. */
  public static double[] toDoubles(Tensor t) {
    RawTensors.require(t, DataType.DATA_TYPE_FLOAT64);
    if (t.getRaw().isEmpty()) {
      return t.getDoubleValList().stream().mapToDouble(Double::doubleValue).toArray();
    }
    ByteBuffer b = RawTensors.raw(t);
    double[] out = new double[b.remaining() / 8];
    b.asDoubleBuffer().get(out);
    return out;
  }

  /** An INT64 tensor's values, flat. */
  public static long[] toLongs(Tensor t) {
    RawTensors.require(t, DataType.DATA_TYPE_INT64);
    if (t.getRaw().isEmpty()) {
      return t.getInt64ValList().stream().mapToLong(Long::longValue).toArray();
    }
    ByteBuffer b = RawTensors.raw(t);
    long[] out = new long[b.remaining() / 8];
    b.asLongBuffer().get(out);
    return out;
  }

  /** An INT32, INT8 or UINT8 tensor's values, flat (UINT8 as 0..255). */
  public static int[] toInts(Tensor t) {
    RawTensors.require(
        t, DataType.DATA_TYPE_INT32, DataType.DATA_TYPE_INT8, DataType.DATA_TYPE_UINT8);
    if (t.getRaw().isEmpty()) {
      return t.getIntValList().stream().mapToInt(Integer::intValue).toArray();
    }
    ByteBuffer b = RawTensors.raw(t);
    if (t.getDtype() == DataType.DATA_TYPE_INT32) {
      int[] out = new int[b.remaining() / 4];
      b.asIntBuffer().get(out);
      return out;
    }
    int[] out = new int[b.remaining()];
    for (int i = 0; i < out.length; i++) {
      byte v = b.get();
      out[i] = t.getDtype() == DataType.DATA_TYPE_UINT8 ? v & 0xff : v;
    }
    return out;
  }

  /** A BOOL tensor's values, flat. */
  public static boolean[] toBooleans(Tensor t) {
    RawTensors.require(t, DataType.DATA_TYPE_BOOL);
    int n = t.getRaw().isEmpty() ? t.getBoolValCount() : t.getRaw().size();
    boolean[] out = new boolean[n];
    for (int i = 0; i < n; i++) {
      out[i] = t.getRaw().isEmpty() ? t.getBoolVal(i) : t.getRaw().byteAt(i) != 0;
    }
    return out;
  }

  /** A STRING tensor's values. */
  public static List<String> toStrings(Tensor t) {
    RawTensors.require(t, DataType.DATA_TYPE_STRING);
    return t.getStringValList();
  }

  /** A BYTES tensor's values, or a STRING tensor's as UTF-8. */
  public static List<byte[]> toByteArrays(Tensor t) {
    List<byte[]> out = new ArrayList<>();
    if (t.getDtype() == DataType.DATA_TYPE_STRING) {
      t.getStringValList().forEach(s -> out.add(s.getBytes(StandardCharsets.UTF_8)));
    } else {
      RawTensors.require(t, DataType.DATA_TYPE_BYTES);
      t.getBytesValList().forEach(b -> out.add(b.toByteArray()));
    }
    return out;
  }
}
