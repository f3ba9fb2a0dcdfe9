package dev.modelport.client;

import com.google.protobuf.ByteString;
import dev.modelport.v1.DataType;
import dev.modelport.v1.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The contract's raw tensor layout for {@link Tensors}: little-endian packed values in {@code raw},
 * the element count a shape must hold, and the dtype a reader requires.
 */
final class RawTensors {
  private RawTensors() {}

  static void checkRow(int length, int cols) {
    if (length != cols) {
      throw new IllegalArgumentException(
          "ragged rows: " + length + " values where " + cols + " expected");
    }
  }

  static void checkCount(int n, long[] shape) {
    long want = 1;
    for (long d : shape) {
      want *= d;
    }
    if (want != n) {
      throw new IllegalArgumentException(
          n + " values do not fill shape " + java.util.Arrays.toString(shape));
    }
  }

  static ByteBuffer buffer(long bytes) {
    return ByteBuffer.allocate(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
  }

  static Tensor packed(String name, DataType dtype, ByteBuffer b, long... shape) {
    b.flip();
    Tensor.Builder t =
        Tensor.newBuilder().setName(name).setDtype(dtype).setRaw(ByteString.copyFrom(b));
    for (long d : shape) {
      t.addShape(d);
    }
    return t.build();
  }

  static ByteBuffer raw(Tensor t) {
    return t.getRaw().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  static void require(Tensor t, DataType... allowed) {
    for (DataType a : allowed) {
      if (t.getDtype() == a) {
        return;
      }
    }
    throw new IllegalArgumentException(
        "tensor \"" + t.getName() + "\" is " + t.getDtype() + ", not " + List.of(allowed));
  }
}
