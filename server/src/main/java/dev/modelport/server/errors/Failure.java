package dev.modelport.server.errors;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;

/**
 * A failure as the domain sees it: its code and the message a caller may read. {@link #of} is a
 * pure function of the throwable; turning it into a transport status is the front end's job.
 *
 * @param code the contract's error code
 * @param message what the caller is told; for an unexpected failure a generic text that names only
 *     the exception's class, so an engine's internals never reach the caller
 * @param unexpected true when the throwable is not a domain error (a bug or an engine fault): the
 *     edge that answers the call logs it, once, with its stack trace
 */
public record Failure(ErrorCode code, String message, boolean unexpected) {

  /** What {@code t} means to a caller (after unwrapping completion and execution wrappers). */
  public static Failure of(Throwable t) {
    Throwable cause = unwrap(t);
    if (cause instanceof ModelportException e) {
      return new Failure(e.code(), e.getMessage(), false);
    }
    if (cause instanceof CancellationException) {
      return new Failure(ErrorCode.CANCELLED, "cancelled", false);
    }
    if (cause instanceof RejectedExecutionException) {
      return new Failure(ErrorCode.UNAVAILABLE, "server is shutting down", false);
    }
    return new Failure(
        ErrorCode.INTERNAL,
        "internal error: " + cause.getClass().getSimpleName() + " (see server log)",
        true);
  }

  /** {@code t} without the {@link CompletionException}/{@link ExecutionException} around it. */
  public static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }
}
