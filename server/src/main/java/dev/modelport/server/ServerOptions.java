package dev.modelport.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The server's options, read from the command line and the environment. Each flag is declared once,
 * with its default, range and help, in {@link Flags}; this record holds the typed values.
 *
 * @param port gRPC TCP port (0 = any free port)
 * @param metricsPort Prometheus HTTP port (0 = any free port)
 * @param modelStore the model store folder
 * @param drainGrace on SIGTERM, how long calls in flight may take to finish
 * @param tlsCert PEM certificate chain for TLS, or null for plaintext
 * @param tlsKey PEM private key (PKCS#8) for TLS
 * @param tlsClientCa PEM CA for mutual TLS (clients must present a certificate), or null
 * @param tlsReload how often the TLS files are read again (0 = never)
 * @param authTokens token file (see TokenStore), or null for no authentication
 * @param maxMessageBytes largest request accepted; larger ones get RESOURCE_EXHAUSTED
 * @param uds Unix domain socket path to listen on as well, or null
 * @param udsOnly listen on the Unix socket only (no TCP)
 * @param keepalive how often the server pings an idle connection (0 = gRPC's default, 2 h)
 * @param permitKeepalive how often clients may ping
 * @param maxConnectionAge connections are closed gracefully after this long (0 = never), so clients
 *     behind L4 balancers spread over new replicas
 * @param checkStore load every model, print their states and exit
 * @param requestMemoryPercent the share of the max heap that requests in flight may hold (0 = no
 *     limit); requests beyond it get RESOURCE_EXHAUSTED before they are decoded
 * @param maxCallsPerConnection concurrent calls one HTTP/2 connection may have open; more wait in
 *     the client (HTTP/2 MAX_CONCURRENT_STREAMS)
 * @param torchThreads PyTorch's process-wide intra-op threads (0 = the default, see EngineThreads)
 * @param torchInteropThreads PyTorch's inter-op threads (0 = the default)
 * @param eventLoopThreads gRPC transport (Netty event loop) threads for TCP (0 = gRPC's default, 2
 *     x cores)
 * @param warmup how long the start-up warm-up runs before health turns SERVING (0 = none)
 */
public record ServerOptions(
    int port,
    int metricsPort,
    Path modelStore,
    Duration drainGrace,
    Path tlsCert,
    Path tlsKey,
    Path tlsClientCa,
    Duration tlsReload,
    Path authTokens,
    int maxMessageBytes,
    Path uds,
    boolean udsOnly,
    Duration keepalive,
    Duration permitKeepalive,
    Duration maxConnectionAge,
    boolean checkStore,
    int requestMemoryPercent,
    int maxCallsPerConnection,
    int torchThreads,
    int torchInteropThreads,
    int eventLoopThreads,
    String modelName,
    Path modelDir,
    String logFormat,
    String logLevel,
    boolean accessLog,
    Map<String, String> otel,
    Duration warmup) {

  /**
   * The HTTP/2 flow-control window per stream, fixed (gRPC's default grows it with the measured
   * bandwidth-delay product): a client may push this much of a request ahead of the server reading
   * it, the rest waits in the client's buffers.
   */
  static final int FLOW_CONTROL_WINDOW_BYTES = 1 << 20;

  /** Thrown for a bad flag; its message is meant for the user, followed by the usage. */
  public static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  /** The usage text (from the flag table, {@link Flags}). */
  static String usage() {
    return Flags.usage();
  }

  /** The options that {@code args} and the {@code env} twins give; defaults from {@link Flags}. */
  public static ServerOptions parse(String[] args, Map<String, String> env) throws UsageException {
    Map<String, String> v = Flags.read(args, env);
    // Knative (KServe serverless) passes the one port it routes to in PORT
    if (!v.containsKey(Flags.PORT.name())
        && env.get("PORT") != null
        && !env.get("PORT").isBlank()) {
      v.put(Flags.PORT.name(), env.get("PORT").strip());
    }
    Values f = new Values(v);
    Path modelDir = f.path(Flags.MODEL_DIR);
    Path store = f.has(Flags.MODEL_STORE) ? f.path(Flags.MODEL_STORE) : DefaultStore.find();
    checkCombinations(f, modelDir, store);
    return new ServerOptions(
        f.integer(Flags.PORT),
        f.integer(Flags.METRICS_PORT),
        store,
        f.seconds(Flags.DRAIN_SECONDS),
        f.file(Flags.TLS_CERT),
        f.file(Flags.TLS_KEY),
        f.file(Flags.TLS_CLIENT_CA),
        f.seconds(Flags.TLS_RELOAD_SECONDS),
        f.file(Flags.AUTH_TOKENS),
        f.integer(Flags.MAX_MESSAGE_BYTES),
        f.path(Flags.UDS),
        f.on(Flags.UDS_ONLY),
        f.seconds(Flags.KEEPALIVE_SECONDS),
        f.seconds(Flags.PERMIT_KEEPALIVE_SECONDS),
        f.seconds(Flags.MAX_CONNECTION_AGE_SECONDS),
        f.on(Flags.CHECK_STORE),
        f.integer(Flags.REQUEST_MEMORY_PERCENT),
        f.integer(Flags.MAX_CALLS_PER_CONNECTION),
        f.integer(Flags.TORCH_THREADS),
        f.integer(Flags.TORCH_INTEROP_THREADS),
        f.integer(Flags.EVENT_LOOP_THREADS),
        f.text(Flags.MODEL_NAME),
        modelDir,
        f.oneOf(Flags.LOG_FORMAT, "text", "json"),
        f.has(Flags.LOG_LEVEL)
            ? f.oneOf(Flags.LOG_LEVEL, "TRACE", "DEBUG", "INFO", "WARN", "ERROR")
            : null,
        f.on(Flags.ACCESS_LOG),
        f.otel(),
        f.seconds(Flags.WARMUP_SECONDS));
  }

  /** The rules that tie flags together. */
  private static void checkCombinations(Values f, Path modelDir, Path store) throws UsageException {
    if (f.has(Flags.MODEL_NAME) != (modelDir != null)) {
      throw new UsageException("--model-name and --model-dir go together");
    }
    if (modelDir != null && f.has(Flags.MODEL_STORE)) {
      throw new UsageException("--model-dir serves one model; do not also give --model-store");
    }
    if (modelDir != null && !Files.isDirectory(modelDir)) {
      throw new UsageException("--model-dir " + modelDir + ": not a directory");
    }
    if (modelDir == null && !Files.isDirectory(store)) {
      throw new UsageException("--model-store " + store + ": not a directory");
    }
    if (f.has(Flags.TLS_CERT) != f.has(Flags.TLS_KEY)) {
      throw new UsageException("--tls-cert and --tls-key go together");
    }
    if (f.on(Flags.UDS_ONLY) && !f.has(Flags.UDS)) {
      throw new UsageException("--uds-only needs --uds PATH");
    }
  }

  /** The flags' values read as types; an unset flag reads as its default (or null / 0 / false). */
  private record Values(Map<String, String> v) {
    boolean has(Flags.Flag f) {
      return v.containsKey(f.name());
    }

    String text(Flags.Flag f) {
      return v.get(f.name());
    }

    Path path(Flags.Flag f) {
      return has(f) ? Path.of(text(f)) : null;
    }

    boolean on(Flags.Flag f) {
      return Boolean.parseBoolean(v.getOrDefault(f.name(), "false"));
    }

    int integer(Flags.Flag f) throws UsageException {
      return (int) number(f);
    }

    long number(Flags.Flag f) throws UsageException {
      if (has(f)) {
        return Flags.number(f, text(f));
      }
      return f.dflt() == null ? 0 : f.defaultNumber();
    }

    Duration seconds(Flags.Flag f) throws UsageException {
      return Duration.ofSeconds(number(f));
    }

    Path file(Flags.Flag f) throws UsageException {
      Path p = path(f);
      if (p != null && !Files.isReadable(p)) {
        throw new UsageException("--" + f.name() + " " + text(f) + ": not a readable file");
      }
      return p;
    }

    /** The value, which must be one of {@code allowed} (case-insensitive), as written there. */
    String oneOf(Flags.Flag f, String... allowed) throws UsageException {
      String value = v.getOrDefault(f.name(), f.dflt());
      for (String a : allowed) {
        if (a.equalsIgnoreCase(value)) {
          return a;
        }
      }
      String last = allowed[allowed.length - 1];
      String others = String.join(", ", List.of(allowed).subList(0, allowed.length - 1));
      throw new UsageException(
          "--" + f.name() + ": \"" + value + "\"; expected " + others + " or " + last);
    }

    Map<String, String> otel() throws UsageException {
      try {
        return dev.modelport.server.tracing.TraceSettings.properties(
            text(Flags.TRACE_EXPORTER),
            text(Flags.TRACE_ENDPOINT),
            text(Flags.TRACE_PROTOCOL),
            text(Flags.TRACE_SAMPLE_RATIO));
      } catch (IllegalArgumentException e) {
        throw new UsageException(e.getMessage());
      }
    }
  }
}
