/**
 * Domain errors, free of any transport: {@link dev.modelport.server.errors.ErrorCode} (a plain enum
 * of the contract's codes), {@link dev.modelport.server.errors.ModelportException} (a code and a
 * caller-readable message) and {@link dev.modelport.server.errors.Failure} (what any throwable
 * means to a caller). Every other package throws {@code ModelportException}; only the {@code grpc}
 * package turns failures into statuses ({@code grpc.StatusMapping}). Depends on the JDK only.
 */
package dev.modelport.server.errors;
