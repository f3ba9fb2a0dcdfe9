package dev.modelport.server.errors;

/**
 * What went wrong, in the contract's terms (docs/contract.md, "Errors"). A plain enum: the gRPC
 * front end maps each code to a status in one switch ({@code grpc.StatusMapping}); nothing here
 * knows a transport. A new code is added here and there, nowhere else.
 */
public enum ErrorCode {
  /** Unknown model, version or label. */
  NOT_FOUND,
  /** The model is known but no version is READY, or the server is shutting down. */
  UNAVAILABLE,
  /** The request does not fit the model's signature. */
  INVALID_ARGUMENT,
  /** The model's queue is full. */
  RESOURCE_EXHAUSTED,
  /** The deadline passed before the batch ran; the request was never computed. */
  DEADLINE_EXCEEDED,
  /** The caller went away before the batch ran. */
  CANCELLED,
  /** The engine failed on a valid request, or a failure nobody expected. */
  INTERNAL
}
