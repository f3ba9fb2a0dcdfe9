package dev.modelport.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Command-line flags. Every flag {@code --some-name} has an environment twin {@code
 * MODELPORT_SOME_NAME}; the flag wins. See {@link #USAGE} for the list and defaults.
 *
 * @param port gRPC TCP port (0 = any free port)
 * @param metricsPort Prometheus HTTP port (0 = any free port)
 * @param modelStore the model store folder
 * @param drainGrace on SIGTERM, how long calls in flight may take to finish
 * @param tlsCert PEM certificate chain for TLS, or null for plaintext
 * @param tlsKey PEM private key (PKCS#8) for TLS
 * @param tlsClientCa PEM CA for mutual TLS (clients must present a certificate), or null
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

  /** Large enough for a max_batch_size batch of the default models with room to spare. */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 16 << 20;

  /** See docs/operations.md, "Memory", for how this was chosen. */
  public static final int DEFAULT_REQUEST_MEMORY_PERCENT = 40;

  static final int DEFAULT_MAX_CALLS_PER_CONNECTION = 256;

  /** See BENCHMARKS.md, run 5, "Warm-up before SERVING", for how this was chosen. */
  static final int DEFAULT_WARMUP_SECONDS = 3;

  /**
   * The HTTP/2 flow-control window per stream, fixed (gRPC's default grows it with the measured
   * bandwidth-delay product): a client may push this much of a request ahead of the server reading
   * it, the rest waits in the client's buffers.
   */
  static final int FLOW_CONTROL_WINDOW_BYTES = 1 << 20;

  static final String USAGE =
      """
      usage: java -jar modelport-server.jar [flags]   (each flag also reads MODELPORT_<FLAG>)
        --port N                   gRPC TCP port (default 8500; 0 = any free port)
        --metrics-port N           Prometheus /metrics port (default 9500; 0 = any free port)
        --model-store DIR          model store (default: the bundled store)
        --drain-seconds N          SIGTERM grace for calls in flight (default 30)
        --tls-cert FILE            PEM certificate chain: serve TLS
        --tls-key FILE             PEM private key (PKCS#8) for --tls-cert
        --tls-client-ca FILE       PEM CA: require client certificates (mutual TLS)
        --auth-tokens FILE         require "authorization: Bearer <token>"; lines: TOKEN [user|admin]
        --max-message-bytes N      largest request (default 16777216)
        --uds PATH                 also listen on a Unix domain socket
        --uds-only                 listen on the Unix domain socket only
        --keepalive-seconds N      ping idle connections every N s (default 60; 0 = gRPC default)
        --permit-keepalive-seconds N  clients may ping every N s (default 10)
        --max-connection-age-seconds N  close connections gracefully after N s (default 0 = never)
        --request-memory-percent N share of the max heap requests in flight may hold (default 40;
                                   0 = no limit); beyond it: RESOURCE_EXHAUSTED before decoding
        --max-calls-per-connection N  concurrent calls per HTTP/2 connection (default 256)
        --torch-threads N          PyTorch intra-op threads, one pool for the process (default 1:
                                   OpenMP threads spin; set OMP_WAIT_POLICY=PASSIVE to raise it)
        --torch-interop-threads N  PyTorch inter-op threads (default 1)
        --event-loop-threads N     gRPC transport threads for TCP (default 0 = gRPC's 2 x cores)
        --warmup-seconds N         after loading, send every model synthetic requests through the
                                   real path for N s before health turns SERVING (default 3; 0 = off)
        --model-name NAME --model-dir DIR
                                   serve DIR as the one model NAME (KServe: /mnt/models): a
                                   model folder, or a flat one with model.onnx / model.pt (and an
                                   optional config.pbtxt); DIR is never written to
        --log-format text|json     one line per event (default), or one JSON object per line
        --log-level LEVEL          modelport's own loggers: TRACE, DEBUG, INFO (default), WARN, ERROR
        --access-log               one line per call: method, model, version, status, duration, peer
        --trace-exporter otlp|none tracing (default none; also OTEL_TRACES_EXPORTER; every other
                                   OTEL_* variable of the OpenTelemetry SDK applies as well)
        --trace-endpoint URL       OTLP collector (OTEL_EXPORTER_OTLP_ENDPOINT; default
                                   http://localhost:4317 for grpc, :4318 for http/protobuf)
        --trace-protocol grpc|http/protobuf  OTLP transport (OTEL_EXPORTER_OTLP_PROTOCOL)
        --trace-sample-ratio R     sample R (0..1) of the calls that arrive without a sampled
                                   parent (OTEL_TRACES_SAMPLER=parentbased_traceidratio)
        --check-store              load every model, print their states, exit 0 if all are READY
      """;

  private static final Map<String, Boolean> FLAGS = new LinkedHashMap<>(); // name -> takes a value

  static {
    for (String f :
        List.of(
            "port",
            "metrics-port",
            "model-store",
            "drain-seconds",
            "tls-cert",
            "tls-key",
            "tls-client-ca",
            "auth-tokens",
            "max-message-bytes",
            "uds",
            "keepalive-seconds",
            "permit-keepalive-seconds",
            "max-connection-age-seconds",
            "request-memory-percent",
            "max-calls-per-connection",
            "torch-threads",
            "torch-interop-threads",
            "event-loop-threads",
            "warmup-seconds",
            "model-name",
            "model-dir",
            "log-format",
            "log-level",
            "trace-exporter",
            "trace-endpoint",
            "trace-protocol",
            "trace-sample-ratio")) {
      FLAGS.put(f, true);
    }
    FLAGS.put("uds-only", false);
    FLAGS.put("check-store", false);
    FLAGS.put("access-log", false);
  }

  /** Thrown for a bad flag; its message is meant for the user, followed by the usage. */
  public static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  public static ServerOptions parse(String[] args, Map<String, String> env) throws UsageException {
    Map<String, String> v = new HashMap<>();
    for (String f : FLAGS.keySet()) {
      String e = env.get("MODELPORT_" + f.toUpperCase(Locale.ROOT).replace('-', '_'));
      if (e != null && !e.isBlank()) {
        v.put(f, e.strip());
      }
    }
    List<String> rest = new ArrayList<>(List.of(args));
    while (!rest.isEmpty()) {
      String arg = rest.remove(0);
      if (arg.equals("--help") || arg.equals("-h")) {
        throw new UsageException("");
      }
      if (!arg.startsWith("--")) {
        throw new UsageException("unexpected argument " + arg);
      }
      String name = arg.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq > 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      Boolean takesValue = FLAGS.get(name);
      if (takesValue == null) {
        throw new UsageException("unknown flag --" + name);
      }
      if (value == null) {
        if (!takesValue) {
          value = "true";
        } else if (rest.isEmpty()) {
          throw new UsageException("--" + name + ": missing value");
        } else {
          value = rest.remove(0);
        }
      }
      v.put(name, value);
    }
    String modelName = v.get("model-name");
    Path modelDir = v.containsKey("model-dir") ? Path.of(v.get("model-dir")) : null;
    if ((modelName == null) != (modelDir == null)) {
      throw new UsageException("--model-name and --model-dir go together");
    }
    if (modelDir != null && v.containsKey("model-store")) {
      throw new UsageException("--model-dir serves one model; do not also give --model-store");
    }
    if (modelDir != null && !Files.isDirectory(modelDir)) {
      throw new UsageException("--model-dir " + modelDir + ": not a directory");
    }
    Path store = v.containsKey("model-store") ? Path.of(v.get("model-store")) : defaultStore();
    if (modelDir == null && !Files.isDirectory(store)) {
      throw new UsageException("--model-store " + store + ": not a directory");
    }
    String logFormat = v.getOrDefault("log-format", "text");
    if (!logFormat.equals("text") && !logFormat.equals("json")) {
      throw new UsageException("--log-format: \"" + logFormat + "\"; expected text or json");
    }
    String logLevel = v.get("log-level");
    if (logLevel != null
        && !List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR")
            .contains(logLevel.toUpperCase(Locale.ROOT))) {
      throw new UsageException(
          "--log-level: \"" + logLevel + "\"; expected TRACE, DEBUG, INFO, WARN or ERROR");
    }
    Map<String, String> otel = otel(v);
    // Knative (KServe serverless) passes the one port it routes to in PORT
    if (!v.containsKey("port") && env.get("PORT") != null && !env.get("PORT").isBlank()) {
      v.put("port", env.get("PORT").strip());
    }
    Path cert = file(v, "tls-cert");
    Path key = file(v, "tls-key");
    if ((cert == null) != (key == null)) {
      throw new UsageException("--tls-cert and --tls-key go together");
    }
    boolean udsOnly = Boolean.parseBoolean(v.getOrDefault("uds-only", "false"));
    Path uds = v.containsKey("uds") ? Path.of(v.get("uds")) : null;
    if (udsOnly && uds == null) {
      throw new UsageException("--uds-only needs --uds PATH");
    }
    return new ServerOptions(
        (int) number(v, "port", 8500, 0, 65535),
        (int) number(v, "metrics-port", 9500, 0, 65535),
        store,
        Duration.ofSeconds(number(v, "drain-seconds", 30, 0, 3600)),
        cert,
        key,
        file(v, "tls-client-ca"),
        file(v, "auth-tokens"),
        (int) number(v, "max-message-bytes", DEFAULT_MAX_MESSAGE_BYTES, 1024, Integer.MAX_VALUE),
        uds,
        udsOnly,
        Duration.ofSeconds(number(v, "keepalive-seconds", 60, 0, 86400)),
        Duration.ofSeconds(number(v, "permit-keepalive-seconds", 10, 0, 86400)),
        Duration.ofSeconds(number(v, "max-connection-age-seconds", 0, 0, 30L * 86400)),
        Boolean.parseBoolean(v.getOrDefault("check-store", "false")),
        (int) number(v, "request-memory-percent", DEFAULT_REQUEST_MEMORY_PERCENT, 0, 90),
        (int)
            number(
                v,
                "max-calls-per-connection",
                DEFAULT_MAX_CALLS_PER_CONNECTION,
                1,
                Integer.MAX_VALUE),
        (int) number(v, "torch-threads", 0, 1, 1024),
        (int) number(v, "torch-interop-threads", 0, 1, 1024),
        (int) number(v, "event-loop-threads", 0, 0, 1024),
        modelName,
        modelDir,
        logFormat,
        logLevel == null ? null : logLevel.toUpperCase(Locale.ROOT),
        Boolean.parseBoolean(v.getOrDefault("access-log", "false")),
        otel,
        Duration.ofSeconds(number(v, "warmup-seconds", DEFAULT_WARMUP_SECONDS, 0, 3600)));
  }

  /** The tracing flags as OpenTelemetry SDK properties (which win over its OTEL_* variables). */
  private static Map<String, String> otel(Map<String, String> v) throws UsageException {
    Map<String, String> otel = new LinkedHashMap<>();
    String exporter = v.get("trace-exporter");
    if (exporter != null) {
      if (!exporter.equals("otlp") && !exporter.equals("none")) {
        throw new UsageException("--trace-exporter: \"" + exporter + "\"; expected otlp or none");
      }
      otel.put("otel.traces.exporter", exporter);
    }
    String endpoint = v.get("trace-endpoint");
    if (endpoint != null) {
      if (!endpoint.startsWith("http://") && !endpoint.startsWith("https://")) {
        throw new UsageException(
            "--trace-endpoint: \"" + endpoint + "\"; expected a URL (http://host:port)");
      }
      otel.put("otel.exporter.otlp.endpoint", endpoint);
    }
    String protocol = v.get("trace-protocol");
    if (protocol != null) {
      if (!protocol.equals("grpc") && !protocol.equals("http/protobuf")) {
        throw new UsageException(
            "--trace-protocol: \"" + protocol + "\"; expected grpc or http/protobuf");
      }
      otel.put("otel.exporter.otlp.protocol", protocol);
    }
    String ratio = v.get("trace-sample-ratio");
    if (ratio != null) {
      double r;
      try {
        r = Double.parseDouble(ratio.strip());
      } catch (NumberFormatException e) {
        r = Double.NaN;
      }
      if (!(r >= 0 && r <= 1)) {
        throw new UsageException(
            "--trace-sample-ratio: \"" + ratio + "\"; expected a number from 0 to 1");
      }
      otel.put("otel.traces.sampler", "parentbased_traceidratio");
      otel.put("otel.traces.sampler.arg", Double.toString(r));
    }
    return Map.copyOf(otel);
  }

  private static Path file(Map<String, String> v, String flag) throws UsageException {
    String s = v.get(flag);
    if (s == null) {
      return null;
    }
    Path p = Path.of(s);
    if (!Files.isReadable(p)) {
      throw new UsageException("--" + flag + " " + s + ": not a readable file");
    }
    return p;
  }

  private static long number(Map<String, String> v, String flag, long dflt, long min, long max)
      throws UsageException {
    String value = v.get(flag);
    if (value == null) {
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
          "--" + flag + ": \"" + value + "\" is not a number from " + min + " to " + max);
    }
  }

  /** The store shipped with the server, found from the server jar (see below). */
  static Path defaultStore() {
    return defaultStore(ServerOptions.class);
  }

  /**
   * The store shipped with modelport: {@code modelport.defaultStore} if set, else {@code models/}
   * beside the jar holding {@code anchor} (the container layout), else the repository's {@code
   * model-store/models} for a jar at {@code <module>/target/} (the build layout).
   */
  public static Path defaultStore(Class<?> anchor) {
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
