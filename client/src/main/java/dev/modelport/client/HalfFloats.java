package dev.modelport.client;

/**
 * IEEE 754 half precision (FLOAT16) to and from float, for {@link Tensors}. The server's {@code
 * tensor.DataTypes} holds the same conversion, because the client may not depend on server classes;
 * {@code TensorsTest} checks the two agree bit for bit, NaN payloads included.
 */
final class HalfFloats {
  private HalfFloats() {}

  /**
   * IEEE 754 half precision, rounded to nearest even (Java 17 has no Float.floatToFloat16). The
   * server's {@code DataTypes} has the same conversion (the client may not depend on server
   * classes); {@code TensorsTest} checks the two agree bit for bit.
   */
  static short floatToHalf(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int exp = (bits >>> 23) & 0xff;
    int mant = bits & 0x7fffff;
    if (exp == 0xff) { // infinity, or NaN (kept a NaN)
      return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
    }
    int e = exp - 127 + 15;
    if (e >= 0x1f) {
      return (short) (sign | 0x7c00); // too large: infinity
    }
    if (e <= 0) { // a half subnormal, or zero
      if (e < -10) {
        return (short) sign;
      }
      int full = mant | 0x800000;
      int shift = 14 - e;
      int half = full >>> shift;
      int rest = full & ((1 << shift) - 1);
      int mid = 1 << (shift - 1);
      if (rest > mid || (rest == mid && (half & 1) != 0)) {
        half++;
      }
      return (short) (sign | half);
    }
    int half = (e << 10) | (mant >>> 13);
    int rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (half & 1) != 0)) {
      half++; // a carry into the exponent is the right rounding (up to infinity at the top)
    }
    return (short) (sign | half);
  }

  static float halfToFloat(short h) {
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
