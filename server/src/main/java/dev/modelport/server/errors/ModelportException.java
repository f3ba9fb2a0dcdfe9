package dev.modelport.server.errors;

import java.util.Objects;

/**
 * A failure with a domain {@link ErrorCode} and a message meant for the caller: it names the field,
 * the value and what was expected (e.g. {@code input "features": shape [2,5] does not fit [-1,4]}).
 */
public final class ModelportException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  public ModelportException(ErrorCode code, String message) {
    this(code, message, null);
  }

  /**
   * No stack trace is captured: these are answers to callers, made on hot paths (validation,
   * overload shedding), and the message says everything; a cause keeps its own trace.
   */
  public ModelportException(ErrorCode code, String message, Throwable cause) {
    super(message, cause, false, false);
    this.code = Objects.requireNonNull(code, "code");
  }

  public ErrorCode code() {
    return code;
  }

  public static ModelportException invalid(String message) {
    return new ModelportException(ErrorCode.INVALID_ARGUMENT, message);
  }

  public static ModelportException notFound(String message) {
    return new ModelportException(ErrorCode.NOT_FOUND, message);
  }

  public static ModelportException unavailable(String message) {
    return new ModelportException(ErrorCode.UNAVAILABLE, message);
  }

  public static ModelportException resourceExhausted(String message) {
    return new ModelportException(ErrorCode.RESOURCE_EXHAUSTED, message);
  }
}
