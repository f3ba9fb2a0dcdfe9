package dev.modelport.cli.perf;

import com.google.protobuf.util.JsonFormat;
import dev.modelport.cli.Main;
import dev.modelport.client.ModelportClient;
import dev.modelport.v1.ModelStatus;
import dev.modelport.v1.PredictRequest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code modelport perf}: measures a model under load, and the baselines that make the figures
 * meaningful, in one run on one machine.
 */
@Command(
    name = "perf",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Measures a model under load, with the baselines that give the figures meaning.",
      "Failed requests are reported and left out of the throughput; the exit code is 1 when",
      "every request of a measurement failed. Progress goes to stderr once a second."
    })
public final class PerfCommand extends Main.ConnectedCommand {
  @Option(names = "--model", required = true, paramLabel = "M", description = "the model to load")
  String model;

  @Option(
      names = "--mode",
      defaultValue = "unary",
      paramLabel = "unary|stream",
      description =
          "unary: N callers, each waits for its answer; stream: one PredictStream with N requests"
              + " in flight (default: ${DEFAULT-VALUE})")
  String mode;

  @Option(
      names = "--protocol",
      defaultValue = "v1",
      paramLabel = "v1|oip",
      description =
          "unary calls as modelport.v1 Predict or as Open Inference Protocol ModelInfer"
              + " (default: ${DEFAULT-VALUE})")
  String protocol;

  @Option(
      names = "--concurrency",
      defaultValue = "1",
      split = ",",
      paramLabel = "N[,N...]",
      description = "callers / in-flight window / threads to sweep (default: ${DEFAULT-VALUE})")
  List<Integer> concurrency;

  @Option(
      names = "--rows",
      defaultValue = "1",
      description = "batch rows per request (default: ${DEFAULT-VALUE})")
  int rows;

  @Option(
      names = "--warmup",
      defaultValue = "3",
      paramLabel = "SECONDS",
      description = "not recorded (default: ${DEFAULT-VALUE})")
  int warmup;

  @Option(
      names = "--duration",
      defaultValue = "10",
      paramLabel = "SECONDS",
      description = "measured window (default: ${DEFAULT-VALUE})")
  int duration;

  @Option(names = "--requests", defaultValue = "0", description = "measure N requests instead")
  long requests;

  @Option(
      names = "--in-process",
      description =
          "no server: the model straight through a DJL Predictor (the engine's ceiling); needs"
              + " the server classes: java -jar perf-inprocess/target/modelport-perf.jar perf ...")
  boolean inProcess;

  @Option(
      names = "--store",
      paramLabel = "DIR",
      description = "model store for --in-process (default: the bundled store)")
  Path store;

  @Option(
      names = "--echo",
      description = "also measure an empty grpc-java echo service (the transport's floor)")
  boolean echo;

  @Option(
      names = "--http",
      paramLabel = "URL",
      description =
          "also POST the same rows as JSON to URL (bench/python/flask_predict.py: the Python"
              + " baseline)")
  URI http;

  @Option(names = "--json", paramLabel = "FILE", description = "also write the results as JSON")
  Path json;

  @Option(
      names = "--rate",
      defaultValue = "0",
      paramLabel = "R",
      description = "unary: pace all callers together to R requests/s (default: unpaced)")
  double rate;

  @Override
  public Integer call() throws Exception {
    PerfOptions o = options();
    List<PerfResult> results = new ArrayList<>();
    System.out.println(PerfResult.header());
    try (Progress.Ticker ticker = Progress.start(System.err)) {
      if (o.inProcess()) {
        for (int c : o.concurrency()) {
          results.add(print(inProcess(o, c)));
        }
      } else {
        againstServer(o, results);
      }
    }
    if (o.json() != null) {
      Files.writeString(
          o.json(),
          "[\n  "
              + String.join(",\n  ", results.stream().map(PerfResult::json).toList())
              + "\n]\n");
    }
    boolean allFailed =
        results.stream().anyMatch(r -> r.requests() > 0 && r.failed() == r.requests());
    if (allFailed) {
      System.err.println("perf: every request of a measurement failed (see the errors column)");
      return 1;
    }
    return 0;
  }

  /** The measurements against a running server: gRPC, then the echo and HTTP baselines. */
  private void againstServer(PerfOptions o, List<PerfResult> results) throws Exception {
    try (ModelportClient client = connection.open(1)) {
      ModelStatus status = client.getModel(o.model());
      PredictRequest request = Workload.request(o.model(), status.getInputsList(), o.rows(), 42);
      for (int c : o.concurrency()) {
        results.add(print(grpc(client, request, c, o)));
      }
      if (o.echo()) {
        results.addAll(echo(o, status, request));
      }
      if (o.http() != null) {
        for (int c : o.concurrency()) {
          results.add(
              print(
                  LoadLoop.run(
                      "http-json",
                      "unary",
                      c,
                      o.rows(),
                      o,
                      HttpJsonBaseline.calls(o.http(), request))));
        }
      }
    }
  }

  private PerfResult grpc(ModelportClient client, PredictRequest request, int c, PerfOptions o)
      throws Exception {
    if (o.mode().equals("stream")) {
      return StreamLoop.run(client, request, c, o.rows(), o);
    }
    boolean oip = protocol.equals("oip");
    return LoadLoop.run(
        oip ? "server-oip" : "server",
        "unary",
        c,
        o.rows(),
        o,
        oip ? OipCalls.calls(client, request) : () -> () -> client.predict(request));
  }

  PerfOptions options() {
    if (!protocol.equals("v1") && !protocol.equals("oip")) {
      throw new IllegalArgumentException("--protocol: \"" + protocol + "\"; expected v1 or oip");
    }
    if (!mode.equals("unary") && !mode.equals("stream")) {
      throw new IllegalArgumentException("--mode: \"" + mode + "\"; expected unary or stream");
    }
    for (int c : concurrency) {
      if (c < 1) {
        throw new IllegalArgumentException("--concurrency: " + c + " is not a positive number");
      }
    }
    if (rows < 1) {
      throw new IllegalArgumentException("--rows: " + rows + " is not a positive number");
    }
    return new PerfOptions(
        connection.target(),
        model,
        mode,
        List.copyOf(concurrency),
        rows,
        Duration.ofSeconds(warmup),
        Duration.ofSeconds(duration),
        requests,
        inProcess,
        echo,
        store,
        json,
        rate,
        http);
  }

  /** Runs in-process through {@code dev.modelport.cli.perf.InProcess}, if it is on the path. */
  private static PerfResult inProcess(PerfOptions o, int threads) throws Exception {
    Class<?> runner;
    try {
      runner = Class.forName("dev.modelport.cli.perf.InProcess");
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException(
          "--in-process needs the server's engines, which the CLI does not carry: run "
              + "java -jar perf-inprocess/target/modelport-perf.jar perf --in-process ...");
    }
    try {
      return (PerfResult)
          runner.getDeclaredMethod("run", PerfOptions.class, int.class).invoke(null, o, threads);
    } catch (java.lang.reflect.InvocationTargetException e) {
      if (e.getCause() instanceof Exception x) {
        throw x;
      }
      throw e;
    }
  }

  private static PerfResult print(PerfResult r) {
    System.out.println(r.row());
    return r;
  }

  private static List<PerfResult> echo(PerfOptions o, ModelStatus status, PredictRequest request)
      throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // e.g. -Dmodelport.perf.echoJvmArgs=-Xlog:gc:file=echo-gc.log to measure the floor's allocation
    String jvmArgs = System.getProperty("modelport.perf.echoJvmArgs", "").strip();
    if (!jvmArgs.isEmpty()) {
      cmd.addAll(List.of(jvmArgs.split("\\s+")));
    }
    cmd.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            EchoServer.class.getName(),
            "--status",
            JsonFormat.printer().omittingInsignificantWhitespace().print(status),
            "--rows",
            Integer.toString(o.rows())));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    List<PerfResult> out = new ArrayList<>();
    try {
      BufferedReader r =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line = r.readLine();
      if (line == null || !line.startsWith("echo-port ")) {
        throw new IllegalStateException("echo server did not start: " + line);
      }
      int port = Integer.parseInt(line.substring("echo-port ".length()).strip());
      try (ModelportClient echo =
          ModelportClient.builder()
              .target("localhost:" + port)
              .defaultDeadline(Duration.ofSeconds(60))
              .maxAttempts(1)
              .build()) {
        for (int c : o.concurrency()) {
          out.add(
              print(
                  LoadLoop.run(
                      "echo", "unary", c, o.rows(), o, () -> () -> echo.predict(request))));
        }
      }
    } finally {
      p.getOutputStream().close();
      p.waitFor();
    }
    return out;
  }
}
