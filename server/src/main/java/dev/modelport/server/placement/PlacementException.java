package dev.modelport.server.placement;

/** The instance groups ask for devices this machine does not have. */
public final class PlacementException extends Exception {
  private static final long serialVersionUID = 1L;

  public PlacementException(String message) {
    super(message);
  }
}
