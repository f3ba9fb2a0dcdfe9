package dev.modelport.server.grpc;

import dev.modelport.server.errors.ErrorCode;
import dev.modelport.server.errors.Failure;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become gRPC statuses. {@link #toStatus} is pure: a domain failure
 * keeps its code and message, a status thrown by gRPC code passes through, anything else is an
 * INTERNAL with a generic message (never UNKNOWN, never an engine's internals). The edges that
 * answer a call use {@link #answer} (or {@link #toException}, {@link #toRpcStatus}), which also log
 * an unexpected failure with its stack trace: each call is answered once, so it is logged once.
 */
public final class StatusMapping {
  private static final Logger log = LoggerFactory.getLogger(StatusMapping.class);

  private StatusMapping() {}

  /** The status for {@code t}; logs nothing. */
  public static Status toStatus(Throwable t) {
    Throwable cause = Failure.unwrap(t);
    if (cause instanceof StatusRuntimeException e) {
      return e.getStatus();
    }
    if (cause instanceof StatusException e) {
      return e.getStatus();
    }
    Failure f = Failure.of(cause);
    return Status.fromCode(code(f.code())).withDescription(f.message());
  }

  /** The gRPC code of each domain code: the contract's table (docs/contract.md, "Errors"). */
  static Status.Code code(ErrorCode code) {
    return switch (code) {
      case NOT_FOUND -> Status.Code.NOT_FOUND;
      case UNAVAILABLE -> Status.Code.UNAVAILABLE;
      case INVALID_ARGUMENT -> Status.Code.INVALID_ARGUMENT;
      case RESOURCE_EXHAUSTED -> Status.Code.RESOURCE_EXHAUSTED;
      case DEADLINE_EXCEEDED -> Status.Code.DEADLINE_EXCEEDED;
      case CANCELLED -> Status.Code.CANCELLED;
      case INTERNAL -> Status.Code.INTERNAL;
    };
  }

  /**
   * The status a call is answered with: {@link #toStatus}, and an unexpected failure logged here.
   * Call it where the answer is sent, once per call (or per stream item).
   */
  static Status answer(Throwable t) {
    Throwable cause = Failure.unwrap(t);
    if (!(cause instanceof StatusRuntimeException || cause instanceof StatusException)
        && Failure.of(cause).unexpected()) {
      log.error("unexpected failure, answered as INTERNAL", cause);
    }
    return toStatus(cause);
  }

  /** {@code answer(t)} as an exception to hand to {@code StreamObserver.onError}. */
  static StatusRuntimeException toException(Throwable t) {
    return answer(t).asRuntimeException();
  }

  /** The {@code google.rpc.Status} for a failed PredictStream item (logged as {@link #answer}). */
  static com.google.rpc.Status toRpcStatus(Throwable t) {
    Status s = answer(t);
    com.google.rpc.Status.Builder b =
        com.google.rpc.Status.newBuilder().setCode(s.getCode().value());
    if (s.getDescription() != null) {
      b.setMessage(s.getDescription());
    }
    return b.build();
  }
}
