package dev.modelport.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Where the model store shipped with modelport is, for a server started without one. */
public final class DefaultStore {
  private DefaultStore() {}

  /** The store shipped with the server, found from the server jar. */
  static Path find() {
    return find(DefaultStore.class);
  }

  /**
   * The store shipped with modelport: {@code modelport.defaultStore} if set, else {@code models/}
   * beside the jar holding {@code anchor} (the container layout), else the repository's {@code
   * model-store/models} for a jar at {@code <module>/target/} (the build layout).
   */
  public static Path find(Class<?> anchor) {
    String prop = System.getProperty("modelport.defaultStore");
    if (prop != null) {
      return Path.of(prop);
    }
    try {
      Path jarDir =
          Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent();
      for (Path p : List.of(jarDir.resolve("models"), jarDir.resolve("../../model-store/models"))) {
        if (Files.isDirectory(p)) {
          return p.normalize();
        }
      }
    } catch (Exception e) {
      // fall through to the working directory's copy
    }
    return Path.of("model-store/models");
  }
}
