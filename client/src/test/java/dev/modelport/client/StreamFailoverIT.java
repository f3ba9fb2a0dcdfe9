package dev.modelport.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelport.v1.PredictRequest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code predictAll} over three real server processes ({@code java -jar modelport-server.jar}), one
 * of which dies mid-stream: killed with SIGKILL, or stopped with SIGTERM (drain). Every one of the
 * 60,000 items must come back answered, none failed.
 */
class StreamFailoverIT {
  static final int ITEMS = 60_000;
  static final int KILL_AT = 20_000;

  @TempDir Path store;
  final List<Replica> replicas = new ArrayList<>();

  /** One server process, its ports read from its log. */
  static final class Replica {
    final Process process;
    final int port;
    final int metricsPort;

    Replica(Path store) throws Exception {
      process =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-jar",
                  System.getProperty("modelport.serverJar"),
                  "--port",
                  "0",
                  "--metrics-port",
                  "0",
                  "--drain-seconds",
                  "5",
                  "--model-store",
                  store.toString())
              .redirectErrorStream(true)
              .start();
      BufferedReader log =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      Integer grpc = null;
      Integer metrics = null;
      Pattern listening = Pattern.compile("modelport listening on port (\\d+)");
      Pattern prom = Pattern.compile("Prometheus metrics on port (\\d+)");
      String line;
      while ((line = log.readLine()) != null && !line.contains("SERVING after")) {
        Matcher m = listening.matcher(line);
        if (m.find()) {
          grpc = Integer.parseInt(m.group(1));
        }
        m = prom.matcher(line);
        if (m.find()) {
          metrics = Integer.parseInt(m.group(1));
        }
      }
      assertThat(line).as("the server reached SERVING").isNotNull();
      port = grpc;
      metricsPort = metrics;
      Thread drain = // keep reading so that the server never blocks on a full pipe
          new Thread(
              () -> {
                try {
                  while (log.readLine() != null) {}
                } catch (java.io.IOException e) {
                  // the process is gone
                }
              });
      drain.setDaemon(true);
      drain.start();
    }

    /** iris requests this replica answered OK, from its own /metrics. */
    long servedOk() throws Exception {
      String body =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://localhost:" + metricsPort + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      long n = 0;
      for (String l : body.split("\n")) {
        if (l.startsWith("modelport_requests_total") && l.contains("code=\"OK\"")) {
          n += (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
        }
      }
      return n;
    }
  }

  @AfterEach
  void stopAll() {
    replicas.forEach(r -> r.process.destroyForcibly());
  }

  private ModelportClient startThree() throws Exception {
    Path iris = store.resolve("iris");
    Files.createDirectories(iris.resolve("1"));
    Path src = Path.of(System.getProperty("modelport.defaultStore"), "iris");
    Files.copy(src.resolve("config.pbtxt"), iris.resolve("config.pbtxt"));
    Files.copy(src.resolve("1/model.onnx"), iris.resolve("1/model.onnx"));
    List<CompletableFuture<Replica>> starting = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      starting.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return new Replica(store);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              }));
    }
    for (CompletableFuture<Replica> r : starting) {
      replicas.add(r.get(120, TimeUnit.SECONDS));
    }
    return ModelportClient.builder()
        .addresses(replicas.stream().map(r -> new InetSocketAddress("localhost", r.port)).toList())
        .defaultDeadline(Duration.ofSeconds(30))
        .build();
  }

  static Iterator<PredictRequest> rows() {
    return IntStream.range(0, ITEMS)
        .mapToObj(
            i ->
                PredictRequest.newBuilder()
                    .setModelName("iris")
                    .setRequestId("row-" + i)
                    .addInputs(
                        Tensors.of("features", new float[][] {{i % 8, 3f, (i % 5) * 1.1f, 0.5f}}))
                    .build())
        .iterator();
  }

  /** Runs 60k items, calls {@code stop} on replica 0 after 20k results; returns the figures. */
  private Map<String, Long> runAndStopOne(java.util.function.Consumer<Process> stop)
      throws Exception {
    Map<String, Long> figures = new TreeMap<>();
    try (ModelportClient client = startThree();
        StreamResults results = client.predictAll(rows(), 256, false, 3)) {
      long ok = 0;
      long failed = 0;
      java.util.Set<String> seen = new java.util.HashSet<>();
      int n = 0;
      while (results.hasNext()) {
        StreamResult r = results.next();
        assertThat(seen.add(r.request().getRequestId())).as("one result per item").isTrue();
        if (r.ok()) {
          ok++;
        } else {
          failed++;
          figures.merge("failed " + r.status().getCode(), 1L, Long::sum);
        }
        if (++n == KILL_AT) {
          for (int i = 0; i < 3; i++) {
            figures.put("replica " + i + " answered before the stop", replicas.get(i).servedOk());
          }
          stop.accept(replicas.get(0).process);
        }
      }
      figures.put("items", (long) n);
      figures.put("answered", ok);
      figures.put("lost", failed);
      figures.put("re-sent", results.resent());
    }
    System.out.println("StreamFailoverIT: " + figures);
    return figures;
  }

  @Test
  void kill9OfOneReplicaMidStream_losesNoItem() throws Exception {
    Map<String, Long> f = runAndStopOne(Process::destroyForcibly);
    assertThat(f.get("items")).isEqualTo(ITEMS);
    assertThat(f.get("lost")).as(f.toString()).isZero();
    assertThat(f.get("answered")).isEqualTo(ITEMS);
    for (int i = 0; i < 3; i++) {
      assertThat(f.get("replica " + i + " answered before the stop"))
          .as("items are spread over the replicas: " + f)
          .isPositive();
    }
  }

  @Test
  void sigtermOfOneReplicaMidStream_losesNoItem() throws Exception {
    Map<String, Long> f = runAndStopOne(Process::destroy);
    assertThat(f.get("items")).isEqualTo(ITEMS);
    assertThat(f.get("lost")).as(f.toString()).isZero();
    assertThat(f.get("answered")).isEqualTo(ITEMS);
  }
}
