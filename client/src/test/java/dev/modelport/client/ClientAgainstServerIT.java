package dev.modelport.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelport.server.ModelportServer;
import dev.modelport.server.testing.TempStore;
import dev.modelport.server.testing.TestServers;
import dev.modelport.v1.DataType;
import dev.modelport.v1.ModelState;
import dev.modelport.v1.ModelStatus;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import dev.modelport.v1.Tensor;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The client against real modelport servers on loopback ports, with the real iris models. */
class ClientAgainstServerIT {
  static final float[][] CLASSIC = {
    {5.1f, 3.5f, 1.4f, 0.2f}, {4.9f, 3.0f, 1.4f, 0.2f},
    {7.0f, 3.2f, 4.7f, 1.4f}, {6.4f, 3.2f, 4.5f, 1.5f},
    {6.3f, 3.3f, 6.0f, 2.5f}, {5.8f, 2.7f, 5.1f, 1.9f},
  };

  /** A store holding the default iris models (copied: servers in one JVM must not share state). */
  static Path irisStore() throws IOException {
    return new TempStore().copy("iris", "iris").copy("iris-mlp", "iris-mlp").root;
  }

  static ModelportServer server(Path store) throws Exception {
    return TestServers.started(store);
  }

  static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      best = v[i] > v[best] ? i : best;
    }
    return best;
  }

  @Test
  void everyRpc_andTypedRoundTrips_onARealServer() throws Exception {
    ModelportServer s = server(irisStore());
    try (ModelportClient client =
        ModelportClient.builder().target("localhost:" + s.port()).build()) {
      for (String model : List.of("iris", "iris-mlp")) {
        PredictResponse r = client.predict(model, Tensors.of("features", CLASSIC));
        float[][] p = Tensors.toFloatMatrix(r.getOutputs(0));
        assertThat(IntStream.range(0, 6).map(i -> argmax(p[i])).toArray())
            .containsExactly(0, 0, 1, 1, 2, 2);
        PredictRequest raw =
            PredictRequest.newBuilder()
                .setModelName(model)
                .setRawOutput(true)
                .addInputs(Tensors.of("features", CLASSIC))
                .build();
        assertThat(Tensors.toFloatMatrix(client.predictAsync(raw).get().getOutputs(0)))
            .isDeepEqualTo(p);
      }
      List<ModelStatus> models = client.listModels();
      assertThat(models).extracting(ModelStatus::getName).containsExactly("iris", "iris-mlp");
      ModelStatus iris = client.getModel("iris");
      assertThat(iris.getInputs(0).getDtype()).isEqualTo(DataType.DATA_TYPE_FLOAT32);
      assertThat(client.reloadModel("iris").get(0).getVersions(0).getState())
          .isEqualTo(ModelState.MODEL_STATE_READY);
    } finally {
      s.stop();
    }
  }

  @Test
  void tensorHelpers_roundTripEveryDtype_throughARealEngine() throws Exception {
    Path store = irisStore();
    Path fixture = Path.of("..", "server", "src", "test", "resources", "fixtures", "identity");
    Files.createDirectories(store.resolve("identity/1"));
    Files.copy(fixture.resolve("config.pbtxt"), store.resolve("identity/config.pbtxt"));
    Files.copy(fixture.resolve("1/model.onnx"), store.resolve("identity/1/model.onnx"));
    ModelportServer s = server(store);
    try (ModelportClient client =
        ModelportClient.builder().target("localhost:" + s.port()).build()) {
      float[][] f32 = {{0.1f, -2.5f}, {Float.MAX_VALUE, 1e-30f}};
      double[][] f64 = {{0.1, -2.5}, {Double.MAX_VALUE, 1e-300}};
      long[][] i64 = {{Long.MIN_VALUE, -1}, {3, Long.MAX_VALUE}};
      int[][] i32 = {{Integer.MIN_VALUE, -1}, {2, Integer.MAX_VALUE}};
      boolean[][] b = {{true, false}, {false, true}};
      Tensor strings =
          Tensor.newBuilder(Tensors.ofStrings("in_string", "a", "", "ünï", "日本"))
              .clearShape()
              .addShape(2)
              .addShape(2)
              .build();
      PredictRequest req =
          PredictRequest.newBuilder()
              .setModelName("identity")
              .addInputs(Tensors.of("in_float32", f32))
              .addInputs(Tensors.of("in_float64", f64))
              .addInputs(Tensors.of("in_int64", i64))
              .addInputs(Tensors.of("in_int32", i32))
              .addInputs(Tensors.of("in_bool", b))
              .addInputs(strings)
              .addInputs(
                  Tensors.ofFloats("in_float16", new float[] {0.5f, -2f, 65504f, 1f}, 2, 2)
                      .toBuilder()
                      .setDtype(DataType.DATA_TYPE_FLOAT16)
                      .setRaw(
                          com.google.protobuf.ByteString.copyFrom(
                              new byte[] {0, 0x38, 0, (byte) 0xc0, (byte) 0xff, 0x7b, 0, 0x3c})))
              .addInputs(
                  Tensor.newBuilder()
                      .setName("in_int8")
                      .setDtype(DataType.DATA_TYPE_INT8)
                      .addShape(2)
                      .addShape(2)
                      .setRaw(
                          com.google.protobuf.ByteString.copyFrom(new byte[] {-128, -1, 0, 127})))
              .addInputs(
                  Tensor.newBuilder()
                      .setName("in_uint8")
                      .setDtype(DataType.DATA_TYPE_UINT8)
                      .addShape(2)
                      .addShape(2)
                      .setRaw(
                          com.google.protobuf.ByteString.copyFrom(
                              new byte[] {0, 1, (byte) 128, (byte) 255})))
              .build();
      for (boolean raw : new boolean[] {false, true}) {
        PredictResponse r = client.predict(req.toBuilder().setRawOutput(raw).build());
        java.util.Map<String, Tensor> out = new java.util.HashMap<>();
        r.getOutputsList().forEach(t -> out.put(t.getName(), t));
        assertThat(Tensors.toFloatMatrix(out.get("out_float32"))).isDeepEqualTo(f32);
        assertThat(Tensors.toDoubles(out.get("out_float64")))
            .containsExactly(0.1, -2.5, Double.MAX_VALUE, 1e-300);
        assertThat(Tensors.toLongs(out.get("out_int64")))
            .containsExactly(Long.MIN_VALUE, -1L, 3L, Long.MAX_VALUE);
        assertThat(Tensors.toInts(out.get("out_int32")))
            .containsExactly(Integer.MIN_VALUE, -1, 2, Integer.MAX_VALUE);
        assertThat(Tensors.toBooleans(out.get("out_bool")))
            .containsExactly(true, false, false, true);
        assertThat(Tensors.toStrings(out.get("out_string"))).containsExactly("a", "", "ünï", "日本");
        assertThat(Tensors.toFloats(out.get("out_float16"))).containsExactly(0.5f, -2f, 65504f, 1f);
        assertThat(Tensors.toInts(out.get("out_int8"))).containsExactly(-128, -1, 0, 127);
        assertThat(Tensors.toInts(out.get("out_uint8"))).containsExactly(0, 1, 128, 255);
      }
    } finally {
      s.stop();
    }
  }

  @Test
  void stream_100kIrisRows_inBoundedMemory_matchedToInputs() throws Exception {
    ModelportServer s = server(irisStore());
    try (ModelportClient client =
        ModelportClient.builder().target("localhost:" + s.port()).build()) {
      int n = 100_000;
      Iterator<PredictRequest> rows =
          IntStream.range(0, n)
              .mapToObj(
                  i ->
                      PredictRequest.newBuilder()
                          .setModelName("iris")
                          .setRequestId(Integer.toString(i))
                          .addInputs(Tensors.of("features", new float[][] {CLASSIC[i % 6]}))
                          .build())
              .iterator();
      int seen = 0;
      int wrong = 0;
      try (StreamResults results = client.predictAll(rows, 256, true)) {
        while (results.hasNext()) {
          StreamResult r = results.next();
          int i = Integer.parseInt(r.request().getRequestId());
          if (i != seen
              || !r.ok()
              || !r.response().getRequestId().equals(r.request().getRequestId())
              || argmax(Tensors.toFloats(r.response().getOutputs(0))) != (i % 6) / 2) {
            wrong++;
          }
          seen++;
        }
      }
      assertThat(seen).isEqualTo(n);
      assertThat(wrong).isZero();
    } finally {
      s.stop();
    }
  }

  @Test
  void threeReplicas_oneBrokenAndOneStoppedMidRun_noFailedRequest() throws Exception {
    // Each replica has its own store, so one can lose its model while the others keep it.
    List<Path> stores = new ArrayList<>();
    List<ModelportServer> servers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      stores.add(irisStore());
      servers.add(server(stores.get(i)));
    }
    List<InetSocketAddress> addresses =
        servers.stream().map(s -> new InetSocketAddress("localhost", s.port())).toList();
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    AtomicInteger ok = new AtomicInteger();
    try (ModelportClient client =
        ModelportClient.builder()
            .addresses(addresses)
            .defaultDeadline(Duration.ofSeconds(30))
            .build()) {
      int callers = 8;
      int callsEach = 400;
      CountDownLatch quarter = new CountDownLatch(callers);
      CountDownLatch half = new CountDownLatch(callers);
      List<Thread> threads = new ArrayList<>();
      for (int c = 0; c < callers; c++) {
        Thread t =
            new Thread(
                () -> {
                  for (int k = 0; k < callsEach; k++) {
                    if (k == callsEach / 4) {
                      quarter.countDown();
                    }
                    if (k == callsEach / 2) {
                      half.countDown();
                    }
                    try {
                      client.predict("iris", Tensors.of("features", CLASSIC));
                      ok.incrementAndGet();
                    } catch (Throwable e) {
                      failures.add(e);
                    }
                  }
                });
        threads.add(t);
        t.start();
      }
      quarter.await();
      // Replica 0 loses every READY version of iris: its Predicts answer UNAVAILABLE ("has no
      // READY version") after the call was sent, which only the client's retry policy recovers.
      Path iris = stores.get(0).resolve("iris");
      try (Stream<Path> files = Files.walk(iris.resolve("1"))) {
        for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(f);
        }
      }
      Files.createDirectories(iris.resolve("2"));
      Files.writeString(iris.resolve("2/model.onnx"), "broken");
      servers.get(0).registry().reload("iris");
      half.await();
      servers.get(1).stop(); // health NOT_SERVING, drain, close: mid-run
      for (Thread t : threads) {
        t.join();
      }
      assertThat(failures).isEmpty();
      assertThat(ok.get()).isEqualTo(callers * callsEach);
      // Round robin: the two replicas that kept their model both answered (pick_first would
      // have sent everything to one; seen failing so). Whether replica 0 still got calls after
      // it broke is timing: health checking may take it out before any call reaches it, so
      // the retries are proven by aReplicaThatAlwaysRefuses_… instead.
      for (int i = 1; i < 3; i++) {
        assertThat(served(servers.get(i), "OK")).as("replica " + i + " answered").isPositive();
      }
    } finally {
      servers.forEach(ModelportServer::stop);
    }
  }

  /**
   * The client's retries, deterministically: a replica whose health says SERVING but which answers
   * every Predict UNAVAILABLE stays in the round robin, so calls keep reaching it; each is retried
   * on the real replica and no caller sees a failure. Seen failing with {@code maxAttempts(1)}.
   */
  @Test
  void aReplicaThatAlwaysRefuses_isRetriedOnAnother_noFailedRequest() throws Exception {
    java.util.concurrent.atomic.AtomicInteger refused =
        new java.util.concurrent.atomic.AtomicInteger();
    io.grpc.protobuf.services.HealthStatusManager health =
        new io.grpc.protobuf.services.HealthStatusManager();
    health.setStatus(
        "modelport.v1.InferenceService",
        io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
    io.grpc.Server refuser =
        Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
            .addService(health.getHealthService())
            .addService(
                new dev.modelport.v1.InferenceServiceGrpc.InferenceServiceImplBase() {
                  @Override
                  public void predict(
                      dev.modelport.v1.PredictRequest request,
                      io.grpc.stub.StreamObserver<dev.modelport.v1.PredictResponse> out) {
                    refused.incrementAndGet();
                    out.onError(
                        io.grpc.Status.UNAVAILABLE
                            .withDescription("refusing")
                            .asRuntimeException());
                  }
                })
            .build()
            .start();
    ModelportServer real = server(irisStore());
    try (ModelportClient client =
        ModelportClient.builder()
            .addresses(
                List.of(
                    new InetSocketAddress("localhost", refuser.getPort()),
                    new InetSocketAddress("localhost", real.port())))
            .defaultDeadline(Duration.ofSeconds(30))
            .build()) {
      int calls = 0;
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
      // until the refuser has been tried (its connection may come up after the first calls), then
      // 50 more calls, every one answered
      while (refused.get() == 0 && System.nanoTime() < deadline) {
        client.predict("iris", Tensors.of("features", CLASSIC));
        calls++;
      }
      for (int i = 0; i < 50; i++) {
        client.predict("iris", Tensors.of("features", CLASSIC));
        calls++;
      }
      assertThat(refused.get()).as("calls that reached the refusing replica").isPositive();
      assertThat(served(real, "OK")).isEqualTo(calls);
    } finally {
      refuser.shutdownNow();
      real.stop();
    }
  }

  /**
   * Cancelling a {@code predictAsync} future reaches the server, which drops the queued request: 40
   * cancelled 32-text MiniLM calls behind one instance compute (almost) nothing, counted in the
   * rows the server's batches ran ({@code modelport_batch_size_rows_sum}).
   */
  @Test
  void cancelledFutures_areDroppedByTheServer_notComputed() throws Exception {
    Path defaults = Path.of(System.getProperty("modelport.defaultStore"));
    Path root =
        Files.createDirectories(Path.of("target", "it-stores", UUID.randomUUID().toString()));
    Path minilm = root.resolve("all-minilm-l6-v2");
    Files.createDirectories(minilm.resolve("1"));
    Files.copy(defaults.resolve("all-minilm-l6-v2/config.pbtxt"), minilm.resolve("config.pbtxt"));
    for (String f : List.of("model.onnx", "tokenizer.json")) {
      Files.copy(defaults.resolve("all-minilm-l6-v2/1").resolve(f), minilm.resolve("1").resolve(f));
    }
    ModelportServer s = server(root.toAbsolutePath());
    try (ModelportClient client =
        ModelportClient.builder().target("localhost:" + s.port()).build()) {
      String[] texts = new String[32];
      java.util.Arrays.fill(texts, "A man is riding a horse on the beach at sunset.");
      PredictRequest req =
          PredictRequest.newBuilder()
              .setModelName("all-minilm-l6-v2")
              .addInputs(Tensors.ofStrings("text", texts))
              .build();
      client.predict(req);
      double before = rowsComputed(s);
      List<java.util.concurrent.CompletableFuture<PredictResponse>> cancelled = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        cancelled.add(client.predictAsync(req));
      }
      cancelled.forEach(f -> f.cancel(true));
      client.predict(req); // queued behind the cancelled ones: when it is answered, they are done
      double computed = rowsComputed(s) - before - 32;
      assertThat(computed)
          .as("rows computed for 40 cancelled calls of 32 rows (1,280 if none was dropped)")
          .isLessThanOrEqualTo(64);
    } finally {
      s.stop();
    }
  }

  static double rowsComputed(ModelportServer server) {
    double n = 0;
    for (String line : server.metrics().scrape().split("\n")) {
      if (line.startsWith("modelport_batch_size_rows_sum{")) {
        n += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return n;
  }

  /** Predicts of iris that {@code server} answered with {@code code}, from its own metrics. */
  static double served(ModelportServer server, String code) {
    double n = 0;
    for (String line : server.metrics().scrape().split("\n")) {
      if (line.startsWith("modelport_requests_total{")
          && line.contains("code=\"" + code + "\"")
          && line.contains("model=\"iris\"")) {
        n += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return n;
  }
}
