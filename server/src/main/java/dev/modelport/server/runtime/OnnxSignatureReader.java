package dev.modelport.server.runtime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.modelport.v1.DataType;
import dev.modelport.v1.TensorSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads input and output specs from an ONNX file's graph, for configs that leave them out. Opens a
 * metadata-only session with graph optimisation off, so it costs a parse, not a second load.
 */
final class OnnxSignatureReader {
  private OnnxSignatureReader() {}

  record Specs(List<TensorSpec> inputs, List<TensorSpec> outputs) {}

  static Specs read(Path file, boolean batches) throws LoadException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
      opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
      try (OrtSession session = env.createSession(file.toString(), opts)) {
        return new Specs(
            specs(session.getInputInfo(), batches, "input"),
            specs(session.getOutputInfo(), batches, "output"));
      }
    } catch (OrtException e) {
      throw new LoadException(
          file.getFileName() + ": not a loadable ONNX model: " + e.getMessage(), e);
    }
  }

  private static List<TensorSpec> specs(Map<String, NodeInfo> infos, boolean batches, String kind)
      throws LoadException {
    List<TensorSpec> out = new ArrayList<>();
    for (NodeInfo info : infos.values()) {
      if (!(info.getInfo() instanceof TensorInfo t)) {
        throw new LoadException(
            kind
                + " \""
                + info.getName()
                + "\": not a tensor; declare the "
                + kind
                + "s in config.pbtxt");
      }
      TensorSpec.Builder b =
          TensorSpec.newBuilder().setName(info.getName()).setDtype(dtype(t.type, info.getName()));
      long[] shape = t.getShape();
      for (int i = batches ? 1 : 0; i < shape.length; i++) {
        b.addShape(shape[i] < 1 ? -1 : shape[i]);
      }
      out.add(b.build());
    }
    return out;
  }

  private static DataType dtype(OnnxJavaType t, String name) throws LoadException {
    return switch (t) {
      case FLOAT -> DataType.DATA_TYPE_FLOAT32;
      case DOUBLE -> DataType.DATA_TYPE_FLOAT64;
      case FLOAT16 -> DataType.DATA_TYPE_FLOAT16;
      case INT8 -> DataType.DATA_TYPE_INT8;
      case UINT8 -> DataType.DATA_TYPE_UINT8;
      case INT32 -> DataType.DATA_TYPE_INT32;
      case INT64 -> DataType.DATA_TYPE_INT64;
      case BOOL -> DataType.DATA_TYPE_BOOL;
      case STRING -> DataType.DATA_TYPE_STRING;
      default ->
          throw new LoadException("tensor \"" + name + "\": ONNX type " + t + " is not supported");
    };
  }
}
