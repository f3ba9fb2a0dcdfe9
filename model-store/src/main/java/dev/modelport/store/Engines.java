package dev.modelport.store;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** The DJL engine names a model may ask for, and the model-file extensions that imply them. */
public final class Engines {
  public static final String ONNX_RUNTIME = "OnnxRuntime";
  public static final String PYTORCH = "PyTorch";
  public static final Set<String> ALL = Set.of(ONNX_RUNTIME, PYTORCH);

  private Engines() {}

  /** The engine a model file's extension implies, if it implies one. */
  public static Optional<String> fromFileName(String fileName) {
    String lower = fileName.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".onnx")) {
      return Optional.of(ONNX_RUNTIME);
    }
    if (lower.endsWith(".pt") || lower.endsWith(".pth") || lower.endsWith(".torchscript")) {
      return Optional.of(PYTORCH);
    }
    return Optional.empty();
  }
}
