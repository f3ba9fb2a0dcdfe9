package dev.modelport.cli.perf;

import com.google.protobuf.util.JsonFormat;
import dev.modelport.cli.Args;
import dev.modelport.cli.Connection;
import dev.modelport.client.ModelportClient;
import dev.modelport.server.ServerOptions;
import dev.modelport.server.runtime.DirectRunner;
import dev.modelport.server.tensor.RequestValidator;
import dev.modelport.server.tensor.ValidatedRequest;
import dev.modelport.store.ModelDefinition;
import dev.modelport.store.ModelStore;
import dev.modelport.v1.ModelStatus;
import dev.modelport.v1.PredictRequest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * {@code modelport perf}: measures a model under load, and the baselines that make the figures
 * meaningful, in one run on one machine.
 */
public final class PerfCommand {
  static final String USAGE =
      """
      usage: modelport perf --model M [options]
        --target host:port      server to load (default localhost:8500)
        --mode unary|stream     unary: N callers, each waits for its answer (default);
                                stream: one PredictStream with N requests in flight
        --concurrency 1,8,32    callers / in-flight window / threads to sweep (default 1)
        --rows N                batch rows per request (default 1)
        --warmup SECONDS        not recorded (default 3)
        --duration SECONDS      measured window (default 10)
        --requests N            measure N requests instead of a duration
        --in-process            no server: the same model and translator straight through a DJL
                                Predictor (the engine's ceiling); reads --store
        --store DIR             model store for --in-process (default: the bundled store)
        --echo                  also measure an empty grpc-java echo service with the model's
                                message shapes, in its own process (the transport's floor)
        --http URL              also measure the same rows POSTed as JSON to an HTTP endpoint
                                (bench/python/flask_predict.py under gunicorn: the Python baseline)
        --json FILE             also write the results as JSON
        --rate R                unary: pace all callers together to R requests/s (default: as fast as they can)
        --tls-ca F [--tls-cert F --tls-key F] [--token T]   TLS, mutual TLS, bearer token
      """;

  private PerfCommand() {}

  public static int run(String[] argv) throws Exception {
    if (Arrays.asList(argv).contains("--help")) {
      System.out.print(USAGE);
      return 0;
    }
    PerfOptions o = parse(argv);
    List<PerfResult> results = new ArrayList<>();
    System.out.println(PerfResult.header());
    if (o.inProcess()) {
      for (int c : o.concurrency()) {
        results.add(print(inProcess(o, c)));
      }
    } else {
      try (ModelportClient client =
          Connection.open(
              Args.parse(argv, java.util.Set.of("in-process", "echo")),
              Duration.ofSeconds(60),
              1)) {
        ModelStatus status = client.getModel(o.model());
        PredictRequest request = Workload.request(o.model(), status.getInputsList(), o.rows(), 42);
        for (int c : o.concurrency()) {
          results.add(
              print(
                  o.mode().equals("stream")
                      ? StreamLoop.run(client, request, c, o.rows(), o)
                      : LoadLoop.run(
                          "server", "unary", c, o.rows(), o, () -> () -> client.predict(request))));
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
    if (o.json() != null) {
      Files.writeString(
          o.json(),
          "[\n  "
              + String.join(",\n  ", results.stream().map(PerfResult::json).toList())
              + "\n]\n");
    }
    return 0;
  }

  private static PerfResult print(PerfResult r) {
    System.out.println(r.row());
    return r;
  }

  private static PerfResult inProcess(PerfOptions o, int threads) throws Exception {
    // the server's PyTorch thread defaults, so that the ceiling is measured as the server runs
    dev.modelport.server.runtime.EngineThreads.configureTorch(0, 0);
    ModelStore store = ModelStore.open(o.store());
    ModelDefinition def =
        store
            .read(o.model())
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "--model " + o.model() + ": not in store " + o.store()));
    if (def.problem() != null) {
      throw new IllegalArgumentException(def.problem());
    }
    var entry = def.versions().get(def.versions().size() - 1);
    List<DirectRunner> runners = new CopyOnWriteArrayList<>();
    try {
      return LoadLoop.run(
          "in-process",
          "direct",
          threads,
          o.rows(),
          o,
          () -> {
            DirectRunner runner = DirectRunner.open(o.model(), def.config(), entry);
            runners.add(runner);
            PredictRequest request =
                Workload.request(o.model(), runner.signature().inputs(), o.rows(), 42);
            ValidatedRequest valid = RequestValidator.validate(request, runner.signature());
            List<ValidatedRequest> batch = List.of(valid);
            return () -> runner.run(batch);
          });
    } finally {
      runners.forEach(DirectRunner::close);
    }
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

  static PerfOptions parse(String[] argv) {
    dev.modelport.cli.Args a =
        dev.modelport.cli.Args.parse(argv, java.util.Set.of("in-process", "echo"));
    String model = a.get("model", null);
    if (model == null) {
      throw new IllegalArgumentException("perf: --model is required\n" + USAGE);
    }
    String mode = a.get("mode", "unary");
    if (!mode.equals("unary") && !mode.equals("stream")) {
      throw new IllegalArgumentException("--mode: \"" + mode + "\"; expected unary or stream");
    }
    List<Integer> conc = new ArrayList<>();
    for (String c : a.get("concurrency", "1").split(",")) {
      try {
        int n = Integer.parseInt(c.strip());
        if (n < 1) {
          throw new NumberFormatException();
        }
        conc.add(n);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--concurrency: \"" + c + "\" is not a positive number");
      }
    }
    String store = a.get("store", null);
    return new PerfOptions(
        a.get("target", "localhost:8500"),
        model,
        mode,
        conc,
        a.integer("rows", 1),
        Duration.ofSeconds(a.integer("warmup", 3)),
        Duration.ofSeconds(a.integer("duration", 10)),
        a.integer("requests", 0),
        a.flag("in-process"),
        a.flag("echo"),
        store != null ? Path.of(store) : ServerOptions.defaultStore(PerfCommand.class),
        a.get("json", null) == null ? null : Path.of(a.get("json", null)),
        Double.parseDouble(a.get("rate", "0")),
        a.get("http", null) == null ? null : java.net.URI.create(a.get("http", null)));
  }
}
