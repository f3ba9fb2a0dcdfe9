package dev.modelport.server.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.onnxruntime.engine.OrtNDArray;
import ai.onnxruntime.OrtException;
import com.google.protobuf.ByteString;
import dev.modelport.server.tensor.DataTypes;
import dev.modelport.server.tensor.HostTensor;
import dev.modelport.v1.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Moves tensors between the Java heap and an engine's NDArrays. */
final class HostArrays {
  private HostArrays() {}

  /**
   * Concatenates the {@code index}-th input of each request along dimension 0 into one NDArray (one
   * copy, into a direct buffer the engine reads). {@code batchShape} is the result's shape.
   */
  static NDArray concat(
      NDManager manager,
      List<InferenceRequest> batch,
      int index,
      DataType dtype,
      long[] batchShape) {
    Shape shape = new Shape(batchShape);
    if (DataTypes.isVariableLength(dtype)) {
      List<String> all = new ArrayList<>();
      for (InferenceRequest r : batch) {
        for (ByteString e : r.request().inputs().get(index).elements()) {
          all.add(e.toStringUtf8());
        }
      }
      return manager.create(all.toArray(String[]::new), StandardCharsets.UTF_8, shape);
    }
    int bytes = 0;
    for (InferenceRequest r : batch) {
      bytes = Math.addExact(bytes, r.request().inputs().get(index).data().remaining());
    }
    // Host tensors are little-endian; so is every platform the engines ship natives for.
    ByteBuffer buf = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (InferenceRequest r : batch) {
      buf.put(r.request().inputs().get(index).data());
    }
    buf.flip();
    return manager.create(buf, shape, DjlTypes.toDjl(dtype));
  }

  /** A heap copy of {@code array}, named {@code name}. */
  static HostTensor toHost(NDArray array, String name) {
    long[] shape = array.getShape().getShape();
    if (array.getDataType() == ai.djl.ndarray.types.DataType.STRING) {
      List<ByteString> elements = new ArrayList<>();
      for (String s : strings(array)) {
        elements.add(ByteString.copyFromUtf8(s));
      }
      return HostTensor.elements(name, DataType.DATA_TYPE_STRING, shape, elements);
    }
    DataType dtype = DjlTypes.fromDjl(array.getDataType());
    if (dtype == DataType.DATA_TYPE_UNSPECIFIED) {
      throw new IllegalStateException(
          "output \"" + name + "\": engine type " + array.getDataType() + " is not supported");
    }
    // DJL 0.35's toByteBuffer() is a fresh heap copy on both engines, which outlives the batch's
    // native memory: ONNX Runtime's OnnxTensor.getByteBuffer, and PyTorch's
    // JniUtils.getByteBuffer without tryDirect (torchDataPtr into a byte[]; a GPU tensor is moved
    // to the CPU first). A second copy here was redundant; DirectRunnerTest.outputsOutlive… checks
    // on both engines that an answer survives the batches after it (toByteBuffer(true) would not).
    return HostTensor.numeric(
        name, dtype, shape, array.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
  }

  /**
   * A string tensor's elements, row-major. DJL 0.35's OrtNDArray.toStringArray scrambles 2-d
   * tensors that are not square (it strides rows by the row count), so ONNX Runtime tensors are
   * read from ORT's own value and flattened here.
   */
  static List<String> strings(NDArray array) {
    if (array instanceof OrtNDArray ort) {
      try {
        List<String> out = new ArrayList<>();
        flatten(ort.getTensor().getValue(), out);
        return out;
      } catch (OrtException e) {
        throw new IllegalStateException("cannot read string tensor: " + e.getMessage(), e);
      }
    }
    return List.of(array.toStringArray(StandardCharsets.UTF_8));
  }

  private static void flatten(Object value, List<String> out) {
    if (value instanceof String s) {
      out.add(s);
    } else if (value instanceof Object[] a) {
      for (Object o : a) {
        flatten(o, out);
      }
    } else {
      throw new IllegalStateException("unexpected string tensor value " + value.getClass());
    }
  }
}
