package dev.modelport.server.errors;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become gRPC statuses. Anything that is not a domain error is an
 * INTERNAL with a generic message (and is logged here with its stack trace), never UNKNOWN, and
 * never leaks an engine's internals to the caller.
 */
public final class StatusMapping {
  private static final Logger log = LoggerFactory.getLogger(StatusMapping.class);

  private StatusMapping() {}

  /** The status to send for {@code t}. */
  public static Status toStatus(Throwable t) {
    Throwable cause = unwrap(t);
    if (cause instanceof ModelportException e) {
      return Status.fromCode(e.code().grpcCode()).withDescription(e.getMessage());
    }
    if (cause instanceof StatusRuntimeException e) {
      return e.getStatus();
    }
    if (cause instanceof StatusException e) {
      return e.getStatus();
    }
    if (cause instanceof CancellationException) {
      return Status.CANCELLED.withDescription("cancelled");
    }
    if (cause instanceof RejectedExecutionException) {
      return Status.UNAVAILABLE.withDescription("server is shutting down");
    }
    log.error("unexpected failure, answered as INTERNAL", cause);
    return Status.INTERNAL.withDescription(
        "internal error: " + cause.getClass().getSimpleName() + " (see server log)");
  }

  /** {@code toStatus(t)} as an exception to hand to {@code StreamObserver.onError}. */
  public static StatusRuntimeException toException(Throwable t) {
    return toStatus(t).asRuntimeException();
  }

  /** The {@code google.rpc.Status} for a failed PredictStream item. */
  public static com.google.rpc.Status toRpcStatus(Throwable t) {
    Status s = toStatus(t);
    com.google.rpc.Status.Builder b =
        com.google.rpc.Status.newBuilder().setCode(s.getCode().value());
    if (s.getDescription() != null) {
      b.setMessage(s.getDescription());
    }
    return b.build();
  }

  private static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }
}
