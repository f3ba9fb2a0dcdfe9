package dev.modelport.server.runtime;

/** A version could not be loaded; the message says what is wrong and where, for GetModel. */
public final class LoadException extends Exception {
  private static final long serialVersionUID = 1L;

  public LoadException(String message) {
    super(message);
  }

  public LoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
