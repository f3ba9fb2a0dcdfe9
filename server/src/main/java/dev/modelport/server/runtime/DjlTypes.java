package dev.modelport.server.runtime;

import dev.modelport.v1.DataType;

/** The contract's data types and DJL's. */
final class DjlTypes {
  private DjlTypes() {}

  static ai.djl.ndarray.types.DataType toDjl(DataType t) {
    return switch (t) {
      case DATA_TYPE_BOOL -> ai.djl.ndarray.types.DataType.BOOLEAN;
      case DATA_TYPE_UINT8 -> ai.djl.ndarray.types.DataType.UINT8;
      case DATA_TYPE_INT8 -> ai.djl.ndarray.types.DataType.INT8;
      case DATA_TYPE_INT32 -> ai.djl.ndarray.types.DataType.INT32;
      case DATA_TYPE_INT64 -> ai.djl.ndarray.types.DataType.INT64;
      case DATA_TYPE_FLOAT16 -> ai.djl.ndarray.types.DataType.FLOAT16;
      case DATA_TYPE_FLOAT32 -> ai.djl.ndarray.types.DataType.FLOAT32;
      case DATA_TYPE_FLOAT64 -> ai.djl.ndarray.types.DataType.FLOAT64;
      case DATA_TYPE_STRING, DATA_TYPE_BYTES -> ai.djl.ndarray.types.DataType.STRING;
      default -> throw new IllegalArgumentException("no DJL type for " + t);
    };
  }

  static DataType fromDjl(ai.djl.ndarray.types.DataType t) {
    return switch (t) {
      case BOOLEAN -> DataType.DATA_TYPE_BOOL;
      case UINT8 -> DataType.DATA_TYPE_UINT8;
      case INT8 -> DataType.DATA_TYPE_INT8;
      case INT32 -> DataType.DATA_TYPE_INT32;
      case INT64 -> DataType.DATA_TYPE_INT64;
      case FLOAT16 -> DataType.DATA_TYPE_FLOAT16;
      case FLOAT32 -> DataType.DATA_TYPE_FLOAT32;
      case FLOAT64 -> DataType.DATA_TYPE_FLOAT64;
      case STRING -> DataType.DATA_TYPE_STRING;
      default -> DataType.DATA_TYPE_UNSPECIFIED;
    };
  }
}
