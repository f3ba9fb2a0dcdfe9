package dev.modelport.server;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every server flag, declared once: name, value, default, range, unit and help. The usage text, the
 * environment twins ({@code --some-name} reads {@code MODELPORT_SOME_NAME}; the flag wins), the
 * command-line reading and the range checks all come from this table, and so do the defaults of
 * {@link ModelportServer#builder()} (TF Serving's {@code flag_list} in {@code main.cc} is the
 * anchor). {@link ServerOptions} turns the values into typed options.
 */
final class Flags {
  /** What a flag takes. */
  enum Kind {
    /** A whole number within [min, max]. */
    NUMBER,
    /** Any text (a path, a name, a URL); its meaning is checked by {@link ServerOptions}. */
    TEXT,
    /** On when present (or {@code true} in the environment). */
    SWITCH
  }

  /**
   * One flag.
   *
   * @param name the flag without its dashes
   * @param arg what its value is called in the usage text ("N", "FILE"); empty for a switch
   * @param kind what it takes
   * @param dflt the default as the usage shows it, or null when unset means "not used"
   * @param min smallest number (NUMBER only)
   * @param max largest number (NUMBER only)
   * @param help one line (or more, with "\n") of usage text, without the default
   */
  record Flag(String name, String arg, Kind kind, String dflt, long min, long max, String help) {
    /** The environment variable that stands in for the flag. */
    String env() {
      return "MODELPORT_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** The default as a number (NUMBER flags with a default). */
    long defaultNumber() {
      return Long.parseLong(dflt);
    }
  }

  private static final List<Flag> ALL = new ArrayList<>();

  private static Flag number(String name, long dflt, long min, long max, String help) {
    return add(new Flag(name, "N", Kind.NUMBER, Long.toString(dflt), min, max, help));
  }

  private static Flag text(String name, String arg, String dflt, String help) {
    return add(new Flag(name, arg, Kind.TEXT, dflt, 0, 0, help));
  }

  private static Flag onOff(String name, String help) {
    return add(new Flag(name, "", Kind.SWITCH, null, 0, 0, help));
  }

  private static Flag add(Flag f) {
    ALL.add(f);
    return f;
  }

  // The table: one declaration per flag. The entries look alike because they are rows of one
  // table; everything derived from them (usage, environment, parsing, ranges) is written once
  // above.
  static final Flag PORT = number("port", 8500, 0, 65535, "gRPC TCP port; 0 = any free port");
  static final Flag METRICS_PORT =
      number("metrics-port", 9500, 0, 65535, "Prometheus /metrics port; 0 = any free port");
  static final Flag MODEL_STORE =
      text("model-store", "DIR", "the bundled store", "the model store folder");
  static final Flag DRAIN_SECONDS =
      number("drain-seconds", 30, 0, 3600, "on SIGTERM, seconds calls in flight may take");
  static final Flag TLS_CERT = text("tls-cert", "FILE", null, "PEM certificate chain: serve TLS");
  static final Flag TLS_KEY =
      text("tls-key", "FILE", null, "PEM private key (PKCS#8) for --tls-cert");
  static final Flag TLS_CLIENT_CA =
      text("tls-client-ca", "FILE", null, "PEM CA: require client certificates (mutual TLS)");
  static final Flag TLS_RELOAD_SECONDS =
      number(
          "tls-reload-seconds",
          60,
          0,
          86400,
          "re-read --tls-cert/--tls-key/--tls-client-ca every N s; new handshakes\n"
              + "use a changed pair, a bad pair is refused and logged; 0 = never");
  static final Flag AUTH_TOKENS =
      text(
          "auth-tokens",
          "FILE",
          null,
          "require \"authorization: Bearer <token>\"; lines: TOKEN [user|admin]");
  static final Flag MAX_MESSAGE_BYTES =
      number(
          "max-message-bytes",
          16 << 20,
          1024,
          Integer.MAX_VALUE,
          "largest request in bytes; larger: RESOURCE_EXHAUSTED");
  static final Flag UDS = text("uds", "PATH", null, "also listen on a Unix domain socket");
  static final Flag UDS_ONLY = onOff("uds-only", "listen on the Unix domain socket only");
  static final Flag KEEPALIVE_SECONDS =
      number(
          "keepalive-seconds", 60, 0, 86400, "ping idle connections every N s; 0 = gRPC's (2 h)");
  static final Flag PERMIT_KEEPALIVE_SECONDS =
      number("permit-keepalive-seconds", 10, 0, 86400, "clients may ping every N s");
  static final Flag MAX_CONNECTION_AGE_SECONDS =
      number(
          "max-connection-age-seconds",
          0,
          0,
          30L * 86400,
          "close connections gracefully after N s; 0 = never");
  static final Flag REQUEST_MEMORY_PERCENT =
      number(
          "request-memory-percent",
          40, // docs/operations.md, "Memory", says how this was chosen
          0,
          90,
          "share of the max heap requests in flight may hold; 0 = no limit;\n"
              + "beyond it: RESOURCE_EXHAUSTED before decoding");
  static final Flag MAX_CALLS_PER_CONNECTION =
      number(
          "max-calls-per-connection",
          256,
          1,
          Integer.MAX_VALUE,
          "concurrent calls per HTTP/2 connection");
  static final Flag TORCH_THREADS =
      add(
          new Flag(
              "torch-threads",
              "N",
              Kind.NUMBER,
              null, // unset: EngineThreads' default, unless -Dai.djl.pytorch.num_threads is set
              1,
              1024,
              "PyTorch intra-op threads, one pool for the process (unset: 1, or\n"
                  + "-Dai.djl.pytorch.num_threads; OpenMP threads spin: set\n"
                  + "OMP_WAIT_POLICY=PASSIVE to raise it)"));
  static final Flag TORCH_INTEROP_THREADS =
      add(
          new Flag(
              "torch-interop-threads",
              "N",
              Kind.NUMBER,
              null,
              1,
              1024,
              "PyTorch inter-op threads (unset: 1, or -Dai.djl.pytorch.num_interop_threads)"));
  static final Flag EVENT_LOOP_THREADS =
      number(
          "event-loop-threads", 0, 0, 1024, "gRPC transport threads for TCP; 0 = gRPC's 2 x cores");
  static final Flag WARMUP_SECONDS =
      number(
          "warmup-seconds",
          3, // BENCHMARKS.md, run 5, "Warm-up before SERVING", says how this was chosen
          0,
          3600,
          "after loading, send every model synthetic requests through the real\n"
              + "path for N s before health turns SERVING; 0 = off");
  static final Flag MODEL_NAME =
      text("model-name", "NAME", null, "with --model-dir: serve DIR as the one model NAME");
  static final Flag MODEL_DIR =
      text(
          "model-dir",
          "DIR",
          null,
          "(KServe: /mnt/models) a model folder, or a flat one with model.onnx /\n"
              + "model.pt (and an optional config.pbtxt); DIR is never written to");
  static final Flag LOG_FORMAT =
      text("log-format", "text|json", "text", "one line per event, or one JSON object per line");
  static final Flag LOG_LEVEL =
      text(
          "log-level", "LEVEL", "INFO", "modelport's own loggers: TRACE, DEBUG, INFO, WARN, ERROR");
  static final Flag ACCESS_LOG =
      onOff("access-log", "one line per call: method, model, version, status, duration, peer");
  static final Flag TRACE_EXPORTER =
      text(
          "trace-exporter",
          "otlp|none",
          "none",
          "tracing (also OTEL_TRACES_EXPORTER; every other OTEL_* variable of\n"
              + "the OpenTelemetry SDK applies as well)");
  static final Flag TRACE_ENDPOINT =
      text(
          "trace-endpoint",
          "URL",
          null,
          "OTLP collector (OTEL_EXPORTER_OTLP_ENDPOINT; unset: http://localhost:4317\n"
              + "for grpc, :4318 for http/protobuf)");
  static final Flag TRACE_PROTOCOL =
      text(
          "trace-protocol",
          "grpc|http/protobuf",
          null,
          "OTLP transport (OTEL_EXPORTER_OTLP_PROTOCOL)");
  static final Flag TRACE_SAMPLE_RATIO =
      text(
          "trace-sample-ratio",
          "R",
          null,
          "sample R (0..1) of the calls that arrive without a sampled parent\n"
              + "(OTEL_TRACES_SAMPLER=parentbased_traceidratio)");
  static final Flag CHECK_STORE =
      onOff("check-store", "load every model, print their states, exit 0 if all are READY");

  private Flags() {}

  /** Every flag, in usage order. */
  static List<Flag> all() {
    return List.copyOf(ALL);
  }

  /** The usage text, made from the table. */
  static String usage() {
    StringBuilder b =
        new StringBuilder(
            "usage: java -jar modelport-server.jar [flags]"
                + "   (each flag also reads MODELPORT_<FLAG>)\n");
    for (Flag f : ALL) {
      String left = "  --" + f.name() + (f.arg().isEmpty() ? "" : " " + f.arg());
      String help = f.help() + (f.dflt() == null ? "" : " (default " + f.dflt() + ")");
      String[] lines = help.split("\n");
      b.append(left.length() < 31 ? String.format("%-31s", left) : left + "\n" + " ".repeat(31));
      b.append(lines[0]).append('\n');
      for (int i = 1; i < lines.length; i++) {
        b.append(" ".repeat(33)).append(lines[i]).append('\n');
      }
    }
    return b.toString();
  }

  /** The flags given, by name: environment twins first, then the command line over them. */
  static Map<String, String> read(String[] args, Map<String, String> env)
      throws ServerOptions.UsageException {
    Map<String, Flag> byName = new LinkedHashMap<>();
    ALL.forEach(f -> byName.put(f.name(), f));
    Map<String, String> v = new HashMap<>();
    for (Flag f : ALL) {
      String e = env.get(f.env());
      if (e != null && !e.isBlank()) {
        v.put(f.name(), e.strip());
      }
    }
    List<String> rest = new ArrayList<>(List.of(args));
    while (!rest.isEmpty()) {
      String arg = rest.remove(0);
      if (arg.equals("--help") || arg.equals("-h")) {
        throw new ServerOptions.UsageException("");
      }
      if (!arg.startsWith("--")) {
        throw new ServerOptions.UsageException("unexpected argument " + arg);
      }
      String name = arg.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq > 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      Flag f = byName.get(name);
      if (f == null) {
        throw new ServerOptions.UsageException("unknown flag --" + name);
      }
      if (value == null) {
        if (f.kind() == Kind.SWITCH) {
          value = "true";
        } else if (rest.isEmpty()) {
          throw new ServerOptions.UsageException("--" + name + ": missing value");
        } else {
          value = rest.remove(0);
        }
      }
      v.put(name, value);
    }
    for (Flag f : ALL) {
      if (f.kind() == Kind.NUMBER && v.containsKey(f.name())) {
        number(f, v.get(f.name())); // range-checked here, once for every number flag
      }
    }
    return v;
  }

  /** {@code value} of NUMBER flag {@code f}, range-checked. */
  static long number(Flag f, String value) throws ServerOptions.UsageException {
    try {
      long n = Long.parseLong(value.strip());
      if (n < f.min() || n > f.max()) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new ServerOptions.UsageException(
          "--"
              + f.name()
              + ": \""
              + value
              + "\" is not a number from "
              + f.min()
              + " to "
              + f.max());
    }
  }
}
