package dev.modelport.server.tensor;

import com.google.protobuf.ByteString;
import dev.modelport.v1.Tensor;
import java.nio.ByteBuffer;

/** Turns a {@link HostTensor} into a {@link Tensor}: packed {@code raw}, or the typed field. */
public final class TensorEncoder {
  private TensorEncoder() {}

  public static Tensor encode(HostTensor h, boolean raw) {
    Tensor.Builder b = Tensor.newBuilder().setName(h.name()).setDtype(h.dtype());
    for (int i = 0; i < h.rank(); i++) {
      b.addShape(h.dim(i));
    }
    if (!h.isNumeric()) {
      if (h.dtype() == dev.modelport.v1.DataType.DATA_TYPE_BYTES) {
        b.addAllBytesVal(h.elements());
      } else {
        h.elements().forEach(e -> b.addStringVal(e.toStringUtf8()));
      }
      return b.build();
    }
    ByteBuffer d = h.data();
    if (raw) {
      return b.setRaw(ByteString.copyFrom(d)).build();
    }
    addTyped(b, h, d);
    return b.build();
  }

  /** The elements of {@code d} into {@code h}'s typed field. */
  private static void addTyped(Tensor.Builder b, HostTensor h, ByteBuffer d) {
    switch (h.dtype()) {
      case DATA_TYPE_BOOL -> {
        while (d.hasRemaining()) {
          b.addBoolVal(d.get() != 0);
        }
      }
      case DATA_TYPE_UINT8 -> {
        while (d.hasRemaining()) {
          b.addIntVal(d.get() & 0xff);
        }
      }
      case DATA_TYPE_INT8 -> {
        while (d.hasRemaining()) {
          b.addIntVal(d.get());
        }
      }
      case DATA_TYPE_INT32 -> {
        while (d.hasRemaining()) {
          b.addIntVal(d.getInt());
        }
      }
      case DATA_TYPE_INT64 -> {
        while (d.hasRemaining()) {
          b.addInt64Val(d.getLong());
        }
      }
      case DATA_TYPE_FLOAT16 -> {
        while (d.hasRemaining()) {
          b.addFloatVal(DataTypes.halfToFloat(d.getShort()));
        }
      }
      case DATA_TYPE_FLOAT32 -> {
        while (d.hasRemaining()) {
          b.addFloatVal(d.getFloat());
        }
      }
      case DATA_TYPE_FLOAT64 -> {
        while (d.hasRemaining()) {
          b.addDoubleVal(d.getDouble());
        }
      }
      default -> throw new IllegalArgumentException("cannot encode " + h);
    }
  }
}
