package dev.modelport.cli.perf;

import com.google.protobuf.ByteString;
import dev.modelport.client.ModelportClient;
import dev.modelport.oip.GRPCInferenceServiceGrpc;
import dev.modelport.oip.ModelInferRequest;
import dev.modelport.v1.DataType;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/** {@code perf --protocol oip}: the same rows as Open Inference Protocol ModelInfer calls. */
final class OipCalls {
  private OipCalls() {}

  /** {@code request} as a ModelInferRequest with raw inputs (the fast path OIP clients use). */
  static ModelInferRequest request(PredictRequest request) {
    ModelInferRequest.Builder b =
        ModelInferRequest.newBuilder().setModelName(request.getModelName());
    for (Tensor t : request.getInputsList()) {
      b.addInputs(
          ModelInferRequest.InferInputTensor.newBuilder()
              .setName(t.getName())
              .setDatatype(datatype(t.getDtype()))
              .addAllShape(t.getShapeList()));
      b.addRawInputContents(raw(t));
    }
    return b.build();
  }

  private static String datatype(DataType d) {
    return switch (d) {
      case DATA_TYPE_FLOAT32 -> "FP32";
      case DATA_TYPE_INT64 -> "INT64";
      case DATA_TYPE_STRING, DATA_TYPE_BYTES -> "BYTES";
      default -> throw new IllegalArgumentException("perf --protocol oip: no datatype for " + d);
    };
  }

  private static ByteString raw(Tensor t) {
    if (t.getDtype() != DataType.DATA_TYPE_STRING) {
      return t.getRaw();
    }
    int size = 0;
    for (ByteString s : t.getStringValList().asByteStringList()) {
      size += 4 + s.size();
    }
    ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    for (ByteString s : t.getStringValList().asByteStringList()) {
      out.putInt(s.size());
      s.copyTo(out);
    }
    out.flip();
    return ByteString.copyFrom(out);
  }

  /** One blocking ModelInfer per call, on the client's channel, with its deadline. */
  static LoadLoop.CallFactory calls(ModelportClient client, PredictRequest request) {
    ModelInferRequest infer = request(request);
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub =
        GRPCInferenceServiceGrpc.newBlockingStub(client.channel());
    long deadline = client.deadline().toNanos();
    return () -> () -> stub.withDeadlineAfter(deadline, TimeUnit.NANOSECONDS).modelInfer(infer);
  }
}
