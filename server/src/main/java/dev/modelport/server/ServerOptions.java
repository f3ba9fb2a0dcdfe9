package dev.modelport.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Command-line flags, each with an environment twin (flag wins): {@code --port} / MODELPORT_PORT
 * (gRPC, default 8500, 0 = any free port), {@code --metrics-port} / MODELPORT_METRICS_PORT (default
 * 9500), {@code --model-store} / MODELPORT_MODEL_STORE (default: the repository's own store),
 * {@code --drain-seconds} / MODELPORT_DRAIN_SECONDS (grace for in-flight requests on shutdown,
 * default 30).
 */
public record ServerOptions(int port, int metricsPort, Path modelStore, Duration drainGrace) {
  static final String USAGE =
      """
      usage: java -jar modelport-server.jar [--port N] [--metrics-port N] [--model-store DIR]
                                            [--drain-seconds N]
        --port           gRPC port (env MODELPORT_PORT, default 8500; 0 = any free port)
        --metrics-port   Prometheus metrics port (env MODELPORT_METRICS_PORT, default 9500)
        --model-store    model store folder (env MODELPORT_MODEL_STORE, default: the bundled store)
        --drain-seconds  shutdown grace for in-flight requests (env MODELPORT_DRAIN_SECONDS, 30)
      """;

  /** Thrown for a bad flag; its message is meant for the user, followed by the usage. */
  public static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  public static ServerOptions parse(String[] args, Map<String, String> env) throws UsageException {
    String port = env.get("MODELPORT_PORT");
    String metrics = env.get("MODELPORT_METRICS_PORT");
    String store = env.get("MODELPORT_MODEL_STORE");
    String drain = env.get("MODELPORT_DRAIN_SECONDS");
    List<String> rest = new ArrayList<>(List.of(args));
    while (!rest.isEmpty()) {
      String flag = rest.remove(0);
      String value = null;
      int eq = flag.indexOf('=');
      if (flag.startsWith("--") && eq > 0) {
        value = flag.substring(eq + 1);
        flag = flag.substring(0, eq);
      }
      if (flag.equals("--help") || flag.equals("-h")) {
        throw new UsageException("");
      }
      if (value == null) {
        if (rest.isEmpty()) {
          throw new UsageException(flag + ": missing value");
        }
        value = rest.remove(0);
      }
      switch (flag) {
        case "--port" -> port = value;
        case "--metrics-port" -> metrics = value;
        case "--model-store" -> store = value;
        case "--drain-seconds" -> drain = value;
        default -> throw new UsageException("unknown flag " + flag);
      }
    }
    Path storePath = store == null || store.isBlank() ? defaultStore() : Path.of(store);
    if (!Files.isDirectory(storePath)) {
      throw new UsageException("--model-store " + storePath + ": not a directory");
    }
    return new ServerOptions(
        port("--port", port, 8500),
        port("--metrics-port", metrics, 9500),
        storePath,
        Duration.ofSeconds(number("--drain-seconds", drain, 30, 0, 3600)));
  }

  private static int port(String flag, String value, int dflt) throws UsageException {
    return (int) number(flag, value, dflt, 0, 65535);
  }

  private static long number(String flag, String value, long dflt, long min, long max)
      throws UsageException {
    if (value == null || value.isBlank()) {
      return dflt;
    }
    try {
      long n = Long.parseLong(value.strip());
      if (n < min || n > max) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new UsageException(
          flag + ": \"" + value + "\" is not a number from " + min + " to " + max);
    }
  }

  /**
   * The store shipped with the server: {@code modelport.defaultStore} if set, else {@code models/}
   * beside the jar (the container layout), else the repository's {@code model-store/models} (the
   * jar at {@code server/target/}).
   */
  static Path defaultStore() {
    String prop = System.getProperty("modelport.defaultStore");
    if (prop != null) {
      return Path.of(prop);
    }
    try {
      Path jarDir =
          Path.of(ServerOptions.class.getProtectionDomain().getCodeSource().getLocation().toURI())
              .getParent();
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
