package dev.modelport.server.tensor;

import com.google.protobuf.ByteString;
import dev.modelport.v1.DataType;
import dev.modelport.v1.Tensor;

/** A [2, 2] tensor of each contract dtype, typed fields, with edge values; shared by tests. */
public final class SampleTensors {
  private SampleTensors() {}

  public static Tensor of(String name, DataType t) {
    Tensor.Builder b = Tensor.newBuilder().setName(name).setDtype(t).addShape(2).addShape(2);
    switch (t) {
      case DATA_TYPE_BOOL ->
          b.addBoolVal(true).addBoolVal(false).addBoolVal(false).addBoolVal(true);
      case DATA_TYPE_UINT8 -> b.addIntVal(0).addIntVal(1).addIntVal(128).addIntVal(255);
      case DATA_TYPE_INT8 -> b.addIntVal(-128).addIntVal(-1).addIntVal(0).addIntVal(127);
      case DATA_TYPE_INT32 ->
          b.addIntVal(Integer.MIN_VALUE).addIntVal(-1).addIntVal(2).addIntVal(Integer.MAX_VALUE);
      case DATA_TYPE_INT64 ->
          b.addInt64Val(Long.MIN_VALUE).addInt64Val(-1).addInt64Val(3).addInt64Val(Long.MAX_VALUE);
      case DATA_TYPE_FLOAT16 ->
          b.addFloatVal(0.5f).addFloatVal(-2f).addFloatVal(65504f).addFloatVal(0.099975586f);
      case DATA_TYPE_FLOAT32 ->
          b.addFloatVal(0.1f).addFloatVal(-2.5f).addFloatVal(Float.MAX_VALUE).addFloatVal(1e-30f);
      case DATA_TYPE_FLOAT64 ->
          b.addDoubleVal(0.1)
              .addDoubleVal(-2.5)
              .addDoubleVal(Double.MAX_VALUE)
              .addDoubleVal(1e-300);
      case DATA_TYPE_STRING ->
          b.addStringVal("a").addStringVal("").addStringVal("ünï").addStringVal("日本");
      case DATA_TYPE_BYTES ->
          b.addBytesVal(ByteString.copyFrom(new byte[] {0, -1}))
              .addBytesVal(ByteString.EMPTY)
              .addBytesVal(ByteString.copyFromUtf8("x"))
              .addBytesVal(ByteString.copyFrom(new byte[] {7}));
      default -> throw new IllegalArgumentException();
    }
    return b.build();
  }
}
