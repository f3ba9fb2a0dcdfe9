package dev.modelport.server.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A scratch model store under the module's target/, seeded from the default store's models ({@code
 * modelport.defaultStore}, set by the build for every module's tests). Shared by the server's, the
 * client's and the CLI's tests through the server's test-jar.
 */
public final class TempStore {
  public final Path root;
  private final Path defaults = Path.of(System.getProperty("modelport.defaultStore"));

  public TempStore() throws IOException {
    this(Files.createDirectories(Path.of("target", "it-stores", UUID.randomUUID().toString())));
  }

  /** A store at {@code root} (created by the caller). */
  public TempStore(Path root) {
    this.root = root.toAbsolutePath();
  }

  /** Copies default model {@code name} (hard-linking big files) as {@code as}. */
  public TempStore copy(String name, String as) throws IOException {
    Path from = defaults.resolve(name);
    Path to = root.resolve(as);
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : files.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else if (Files.size(p) > 1 << 20) {
          try {
            Files.createLink(target, p);
          } catch (IOException | UnsupportedOperationException e) {
            Files.copy(p, target);
          }
        } else {
          Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    return this;
  }

  /** Copies a test fixture model from src/test/resources/fixtures/{@code name}. */
  public TempStore fixture(String name) throws IOException {
    Path from = Path.of("src", "test", "resources", "fixtures", name);
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : files.toList()) {
        Path target = root.resolve(name).resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    return this;
  }

  public TempStore write(String relative, String content) throws IOException {
    Path p = root.resolve(relative);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
    return this;
  }

  public TempStore copyFile(String fromRelative, String toRelative) throws IOException {
    Path to = root.resolve(toRelative);
    Files.createDirectories(to.getParent());
    Files.copy(root.resolve(fromRelative), to, StandardCopyOption.REPLACE_EXISTING);
    return this;
  }

  public TempStore delete(String relative) throws IOException {
    Path p = root.resolve(relative);
    try (Stream<Path> files = Files.walk(p)) {
      for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
    return this;
  }

  /** The iris config with extra text appended (e.g. a dynamic_batching block). */
  public static String irisConfig(String extra) {
    return """
        engine: "OnnxRuntime"
        max_batch_size: 64
        input  { name: "features" dtype: DATA_TYPE_FLOAT32 shape: [4] }
        output { name: "probabilities" dtype: DATA_TYPE_FLOAT32 shape: [3] }
        """
        + extra;
  }
}
