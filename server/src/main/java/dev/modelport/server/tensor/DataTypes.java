package dev.modelport.server.tensor;

import dev.modelport.v1.DataType;

/** Facts about the contract's data types. */
public final class DataTypes {
  private DataTypes() {}

  /** Bytes per element in {@code raw}; 0 for STRING and BYTES, which have no packed form. */
  public static int byteSize(DataType t) {
    return switch (t) {
      case DATA_TYPE_BOOL, DATA_TYPE_UINT8, DATA_TYPE_INT8 -> 1;
      case DATA_TYPE_FLOAT16 -> 2;
      case DATA_TYPE_INT32, DATA_TYPE_FLOAT32 -> 4;
      case DATA_TYPE_INT64, DATA_TYPE_FLOAT64 -> 8;
      default -> 0;
    };
  }

  /** True for STRING and BYTES, whose elements are variable-length. */
  public static boolean isVariableLength(DataType t) {
    return t == DataType.DATA_TYPE_STRING || t == DataType.DATA_TYPE_BYTES;
  }

  /** The typed field that carries {@code t}, for error messages. */
  public static String typedField(DataType t) {
    return switch (t) {
      case DATA_TYPE_BOOL -> "bool_val";
      case DATA_TYPE_UINT8, DATA_TYPE_INT8, DATA_TYPE_INT32 -> "int_val";
      case DATA_TYPE_INT64 -> "int64_val";
      case DATA_TYPE_FLOAT16, DATA_TYPE_FLOAT32 -> "float_val";
      case DATA_TYPE_FLOAT64 -> "double_val";
      case DATA_TYPE_STRING -> "string_val";
      case DATA_TYPE_BYTES -> "bytes_val";
      default -> "?";
    };
  }

  /** "FLOAT32" for DATA_TYPE_FLOAT32: how types are named in messages. */
  public static String shortName(DataType t) {
    return t.name().startsWith("DATA_TYPE_") ? t.name().substring(10) : t.name();
  }

  /**
   * IEEE 754 half precision bits for {@code f}, rounding to nearest even (JDK 17 has none). The
   * client has its own copy ({@code HalfFloats}: it may not depend on server classes); the client's
   * {@code TensorsTest} checks the two agree bit for bit, NaN payloads included.
   */
  public static short floatToHalf(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int exp = (bits >>> 23) & 0xff;
    int mant = bits & 0x7fffff;
    if (exp == 0xff) { // infinity, or NaN: quiet, with the payload's top bits kept
      return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
    }
    int e = exp - 127 + 15;
    if (e >= 0x1f) { // overflow to infinity
      return (short) (sign | 0x7c00);
    }
    if (e <= 0) { // subnormal or zero
      if (e < -10) {
        return (short) sign;
      }
      mant |= 0x800000;
      int shift = 14 - e;
      int half = mant >> shift;
      int rem = mant & ((1 << shift) - 1);
      int mid = 1 << (shift - 1);
      if (rem > mid || (rem == mid && (half & 1) != 0)) {
        half++;
      }
      return (short) (sign | half);
    }
    int half = (e << 10) | (mant >> 13);
    int rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) {
      half++; // may carry into the exponent, which is still the right rounding
    }
    return (short) (sign | half);
  }

  /** The float value of IEEE 754 half precision {@code h}. */
  public static float halfToFloat(short h) {
    int sign = (h & 0x8000) << 16;
    int exp = (h >>> 10) & 0x1f;
    int mant = h & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      float v = mant * 0x1p-24f;
      return sign != 0 ? -v : v;
    }
    return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
  }
}
