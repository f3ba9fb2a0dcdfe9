package dev.modelport.server.tensor;

import com.google.protobuf.ByteString;
import dev.modelport.v1.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A validated tensor on the Java heap: packed little-endian values for numeric types, or one {@link
 * ByteString} per element for STRING (UTF-8) and BYTES. Immutable; {@link #data()} hands out a
 * fresh read-only view each time.
 */
public final class HostTensor {
  private final String name;
  private final DataType dtype;
  private final long[] shape;
  private final ByteBuffer data; // little-endian, position 0; null for STRING/BYTES
  private final List<ByteString> elements; // null for numeric types

  private HostTensor(
      String name, DataType dtype, long[] shape, ByteBuffer data, List<ByteString> elements) {
    this.name = Objects.requireNonNull(name, "name");
    this.dtype = Objects.requireNonNull(dtype, "dtype");
    this.shape = shape.clone();
    this.data = data;
    this.elements = elements;
  }

  /** A numeric tensor over {@code data} (little-endian, from position 0 to limit). */
  public static HostTensor numeric(String name, DataType dtype, long[] shape, ByteBuffer data) {
    // slice() and asReadOnlyBuffer() reset the byte order: set it once, last.
    ByteBuffer view = data.slice().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    return new HostTensor(name, dtype, shape, view, null);
  }

  /** A STRING or BYTES tensor. */
  public static HostTensor elements(
      String name, DataType dtype, long[] shape, List<ByteString> elements) {
    return new HostTensor(name, dtype, shape, null, List.copyOf(elements));
  }

  public String name() {
    return name;
  }

  public DataType dtype() {
    return dtype;
  }

  public long[] shape() {
    return shape.clone();
  }

  /** Size of dimension {@code i}. */
  public long dim(int i) {
    return shape[i];
  }

  public int rank() {
    return shape.length;
  }

  /** The packed values, little-endian, read-only; throws for STRING and BYTES. */
  public ByteBuffer data() {
    if (data == null) {
      throw new IllegalStateException(name + " has no packed data (dtype " + dtype + ")");
    }
    return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** The elements of a STRING or BYTES tensor; throws for numeric types. */
  public List<ByteString> elements() {
    if (elements == null) {
      throw new IllegalStateException(name + " is numeric (dtype " + dtype + ")");
    }
    return elements;
  }

  public boolean isNumeric() {
    return data != null;
  }

  /** Number of elements: the product of the shape. */
  public long elementCount() {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  /**
   * Rows {@code [from, from + count)} along dimension 0, as a view where possible (numeric) and a
   * sub-list otherwise. Used to split a batch's outputs back per request.
   */
  public HostTensor rows(long from, long count) {
    long[] s = shape.clone();
    s[0] = count;
    long perRow = 1;
    for (int i = 1; i < shape.length; i++) {
      perRow *= shape[i];
    }
    if (data != null) {
      int elem = DataTypes.byteSize(dtype);
      ByteBuffer d = data.duplicate();
      d.position(Math.toIntExact(from * perRow * elem));
      d.limit(Math.toIntExact((from + count) * perRow * elem));
      return numeric(name, dtype, s, d);
    }
    return elements(
        name,
        dtype,
        s,
        elements.subList(Math.toIntExact(from * perRow), Math.toIntExact((from + count) * perRow)));
  }

  /** The same values under another name. */
  public HostTensor withName(String newName) {
    return new HostTensor(newName, dtype, shape, data, elements);
  }

  @Override
  public String toString() {
    return name + ":" + DataTypes.shortName(dtype) + Arrays.toString(shape);
  }
}
