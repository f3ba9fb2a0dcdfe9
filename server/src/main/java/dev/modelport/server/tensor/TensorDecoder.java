package dev.modelport.server.tensor;

import static dev.modelport.server.errors.ModelportException.invalid;

import com.google.protobuf.ByteString;
import dev.modelport.v1.DataType;
import dev.modelport.v1.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a {@link Tensor} from the wire into a {@link HostTensor}: exactly one value field, a value
 * count that matches the shape, raw bytes of the right length, integers in range. Pure: no engine,
 * no native memory.
 */
public final class TensorDecoder {
  /** Largest tensor accepted, in bytes of packed data; gRPC's message limit is lower anyway. */
  static final long MAX_BYTES = Integer.MAX_VALUE - 8;

  private TensorDecoder() {}

  /** Decodes {@code t}, whose dtype and shape the caller has already checked against the spec. */
  public static HostTensor decode(Tensor t, DataType dtype, String what) {
    long[] shape = new long[t.getShapeCount()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = t.getShape(i);
    }
    long count = elementCount(shape, what);
    String field = populatedField(t, what);
    int elem = DataTypes.byteSize(dtype);
    if (field.equals("raw")) {
      return fromRaw(t, dtype, shape, count, what);
    }
    String expectedField = DataTypes.typedField(dtype);
    if (!field.isEmpty() && !field.equals(expectedField)) {
      throw invalid(
          what
              + ": "
              + DataTypes.shortName(dtype)
              + " values go in "
              + expectedField
              + " or raw, not "
              + field);
    }
    int got = valueCount(t, dtype);
    if (got != count) {
      throw invalid(
          what
              + ": "
              + got
              + " values in "
              + expectedField
              + " but shape "
              + RequestValidator.dims(t.getShapeList())
              + " needs "
              + count);
    }
    if (DataTypes.isVariableLength(dtype)) {
      List<ByteString> elements =
          dtype == DataType.DATA_TYPE_BYTES ? t.getBytesValList() : utf8(t.getStringValList());
      return HostTensor.elements(t.getName(), dtype, shape, elements);
    }
    ByteBuffer buf =
        ByteBuffer.allocate(Math.toIntExact(count * elem)).order(ByteOrder.LITTLE_ENDIAN);
    pack(t, dtype, buf, what);
    buf.flip();
    return HostTensor.numeric(t.getName(), dtype, shape, buf);
  }

  /** A tensor sent packed in {@code raw}: fixed-size types only, exactly the shape's bytes. */
  private static HostTensor fromRaw(
      Tensor t, DataType dtype, long[] shape, long count, String what) {
    int elem = DataTypes.byteSize(dtype);
    if (DataTypes.isVariableLength(dtype)) {
      throw invalid(
          what
              + ": raw is not for "
              + DataTypes.shortName(dtype)
              + "; send "
              + DataTypes.typedField(dtype));
    }
    long expected = count * elem;
    if (t.getRaw().size() != expected) {
      throw invalid(
          what
              + ": raw has "
              + t.getRaw().size()
              + " bytes; shape "
              + RequestValidator.dims(t.getShapeList())
              + " of "
              + DataTypes.shortName(dtype)
              + " needs "
              + expected);
    }
    return HostTensor.numeric(t.getName(), dtype, shape, t.getRaw().asReadOnlyByteBuffer());
  }

  /** Product of {@code shape}, refusing negative or zero dimensions and overflow. */
  static long elementCount(long[] shape, String what) {
    long n = 1;
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] < 1) {
        throw invalid(
            what
                + ": shape "
                + RequestValidator.dims(java.util.Arrays.stream(shape).boxed().toList())
                + " has dimension "
                + i
                + " = "
                + shape[i]
                + "; expected 1 or more");
      }
      n = Math.multiplyExact(n, shape[i]);
      if (n > MAX_BYTES) {
        throw invalid(
            what
                + ": shape "
                + RequestValidator.dims(java.util.Arrays.stream(shape).boxed().toList())
                + " is too large");
      }
    }
    return n;
  }

  /** The one value field {@code t} uses ("" for none); more than one is an error. */
  private static String populatedField(Tensor t, String what) {
    // the common case without a list: one field set
    String only = "";
    int n = 0;
    if (!t.getRaw().isEmpty()) {
      only = "raw";
      n++;
    }
    if (t.getFloatValCount() > 0) {
      only = "float_val";
      n++;
    }
    if (t.getDoubleValCount() > 0) {
      only = "double_val";
      n++;
    }
    if (t.getIntValCount() > 0) {
      only = "int_val";
      n++;
    }
    if (t.getInt64ValCount() > 0) {
      only = "int64_val";
      n++;
    }
    if (t.getBoolValCount() > 0) {
      only = "bool_val";
      n++;
    }
    if (t.getStringValCount() > 0) {
      only = "string_val";
      n++;
    }
    if (t.getBytesValCount() > 0) {
      only = "bytes_val";
      n++;
    }
    if (n > 1) {
      throw invalid(
          what + ": values in " + String.join(" and ", populatedFields(t)) + "; send exactly one");
    }
    return only;
  }

  private static List<String> populatedFields(Tensor t) {
    List<String> out = new ArrayList<>(1);
    if (!t.getRaw().isEmpty()) {
      out.add("raw");
    }
    if (t.getFloatValCount() > 0) {
      out.add("float_val");
    }
    if (t.getDoubleValCount() > 0) {
      out.add("double_val");
    }
    if (t.getIntValCount() > 0) {
      out.add("int_val");
    }
    if (t.getInt64ValCount() > 0) {
      out.add("int64_val");
    }
    if (t.getBoolValCount() > 0) {
      out.add("bool_val");
    }
    if (t.getStringValCount() > 0) {
      out.add("string_val");
    }
    if (t.getBytesValCount() > 0) {
      out.add("bytes_val");
    }
    return out;
  }

  private static int valueCount(Tensor t, DataType dtype) {
    return switch (dtype) {
      case DATA_TYPE_BOOL -> t.getBoolValCount();
      case DATA_TYPE_UINT8, DATA_TYPE_INT8, DATA_TYPE_INT32 -> t.getIntValCount();
      case DATA_TYPE_INT64 -> t.getInt64ValCount();
      case DATA_TYPE_FLOAT16, DATA_TYPE_FLOAT32 -> t.getFloatValCount();
      case DATA_TYPE_FLOAT64 -> t.getDoubleValCount();
      case DATA_TYPE_STRING -> t.getStringValCount();
      case DATA_TYPE_BYTES -> t.getBytesValCount();
      default -> throw invalid("dtype " + dtype + " is not supported");
    };
  }

  private static void pack(Tensor t, DataType dtype, ByteBuffer buf, String what) {
    switch (dtype) {
      case DATA_TYPE_BOOL -> t.getBoolValList().forEach(b -> buf.put((byte) (b ? 1 : 0)));
      case DATA_TYPE_UINT8 -> packBytes(t.getIntValList(), 0, 255, buf, what);
      case DATA_TYPE_INT8 -> packBytes(t.getIntValList(), -128, 127, buf, what);
      case DATA_TYPE_INT32 -> t.getIntValList().forEach(buf::putInt);
      case DATA_TYPE_INT64 -> t.getInt64ValList().forEach(buf::putLong);
      case DATA_TYPE_FLOAT16 ->
          t.getFloatValList().forEach(f -> buf.putShort(DataTypes.floatToHalf(f)));
      case DATA_TYPE_FLOAT32 -> {
        for (int i = 0, n = t.getFloatValCount(); i < n; i++) {
          buf.putFloat(t.getFloatVal(i));
        }
      }
      case DATA_TYPE_FLOAT64 -> t.getDoubleValList().forEach(buf::putDouble);
      default -> throw invalid(what + ": dtype " + dtype + " has no packed form");
    }
  }

  private static void packBytes(
      List<Integer> values, int min, int max, ByteBuffer buf, String what) {
    for (int i = 0; i < values.size(); i++) {
      int v = values.get(i);
      if (v < min || v > max) {
        throw invalid(
            what + ": int_val[" + i + "] = " + v + " is outside [" + min + ", " + max + "]");
      }
      buf.put((byte) v);
    }
  }

  private static List<ByteString> utf8(List<String> strings) {
    List<ByteString> out = new ArrayList<>(strings.size());
    for (String s : strings) {
      out.add(ByteString.copyFromUtf8(s));
    }
    return out;
  }
}
