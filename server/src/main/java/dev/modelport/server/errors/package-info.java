/**
 * Domain errors and the one function that maps any {@link Throwable} to a gRPC {@link
 * io.grpc.Status}. Every other package throws {@link
 * dev.modelport.server.errors.ModelportException} with an {@link
 * dev.modelport.server.errors.ErrorCode}; only {@code grpc} turns them into statuses, through
 * {@link dev.modelport.server.errors.StatusMapping}. Depends on grpc-api only.
 */
package dev.modelport.server.errors;
