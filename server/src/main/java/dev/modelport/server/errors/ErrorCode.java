package dev.modelport.server.errors;

import io.grpc.Status;

/** What went wrong, in the contract's terms (docs/contract.md, "Errors"). */
public enum ErrorCode {
  /** Unknown model, version or label. */
  NOT_FOUND(Status.Code.NOT_FOUND),
  /** The model is known but no version is READY, or the server is shutting down. */
  UNAVAILABLE(Status.Code.UNAVAILABLE),
  /** The request does not fit the model's signature. */
  INVALID_ARGUMENT(Status.Code.INVALID_ARGUMENT),
  /** The model's queue is full. */
  RESOURCE_EXHAUSTED(Status.Code.RESOURCE_EXHAUSTED),
  /** The deadline passed before the batch ran; the request was never computed. */
  DEADLINE_EXCEEDED(Status.Code.DEADLINE_EXCEEDED),
  /** The caller went away before the batch ran. */
  CANCELLED(Status.Code.CANCELLED),
  /** The engine failed on a valid request. */
  INTERNAL(Status.Code.INTERNAL);

  private final Status.Code grpcCode;

  ErrorCode(Status.Code grpcCode) {
    this.grpcCode = grpcCode;
  }

  /** The gRPC status code this maps to. */
  public Status.Code grpcCode() {
    return grpcCode;
  }
}
