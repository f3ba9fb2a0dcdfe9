package dev.modelport.store;

/**
 * A problem with the model store's contents: a config that does not parse or validate, a missing
 * model file, a name that would leave the store. The message names the file (and line, where there
 * is one) and what was expected, so it can be shown to the user as it is.
 */
public final class StoreException extends Exception {
  private static final long serialVersionUID = 1L;

  public StoreException(String message) {
    super(message);
  }

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
