package dev.modelport.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelport.server.testing.TempStore;
import dev.modelport.v1.GetModelRequest;
import dev.modelport.v1.InferenceServiceGrpc;
import dev.modelport.v1.ModelServiceGrpc;
import dev.modelport.v1.ModelState;
import dev.modelport.v1.PredictResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The runnable jar as users start it: flags and environment twins, SIGTERM drains and exits 0. */
class MainProcessIT {
  @Test
  void jarServesFromEnvConfiguredStore_andSigtermExitsZero() throws Exception {
    TempStore store = new TempStore().copy("iris", "iris");
    try (ServerProcess p =
        new ServerProcess(
            Map.of("MODELPORT_MODEL_STORE", store.root.toString(), "MODELPORT_METRICS_PORT", "0"),
            "--port",
            "0")) {
      ManagedChannel ch =
          Grpc.newChannelBuilderForAddress("localhost", p.port, InsecureChannelCredentials.create())
              .build();
      try {
        var health = HealthGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
        assertThat(
                health
                    .check(HealthCheckRequest.newBuilder().setService("iris").build())
                    .getStatus())
            .isEqualTo(ServingStatus.SERVING);
        var reply =
            InferenceServiceGrpc.newBlockingStub(ch)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .predict(Requests.iris("iris", Requests.CLASSIC_IRIS));
        assertThat(reply.getOutputs(0).getShapeList()).containsExactly(6L, 3L);
      } finally {
        ch.shutdownNow();
      }
      p.sigterm();
      assertThat(p.awaitExit()).as(p.log()).isZero();
      String log = p.log();
      assertThat(log.indexOf("shutting down: health NOT_SERVING"))
          .isPositive()
          .isLessThan(log.indexOf("stopped"));
    }
  }

  /**
   * The start-up warm-up: with every model READY (ModelService says so), health stays NOT_SERVING
   * until the warm-up is over. The warm-up is long here (60 s) so that it is surely still running
   * when the test looks; SIGTERM ends it early and the process still exits 0.
   */
  @Test
  void warmup_keepsHealthNotServing_whileTheModelsAreReady() throws Exception {
    TempStore store = new TempStore().copy("iris", "iris");
    try (ServerProcess p =
        new ServerProcess(
            "listening on port",
            Map.of("MODELPORT_MODEL_STORE", store.root.toString(), "MODELPORT_METRICS_PORT", "0"),
            "--port",
            "0",
            "--warmup-seconds",
            "60")) {
      ManagedChannel ch =
          Grpc.newChannelBuilderForAddress("localhost", p.port, InsecureChannelCredentials.create())
              .build();
      try {
        var models = ModelServiceGrpc.newBlockingStub(ch);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!irisReady(models)) {
          assertThat(System.nanoTime()).as("iris READY within 60 s").isLessThan(deadline);
          java.util.concurrent.locks.LockSupport.parkNanos(
              100_000); // poll; a spin would take the core the awaited thread needs
        }
        var health = HealthGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
        for (String service : List.of("", "modelport.v1.InferenceService")) {
          assertThat(
                  health
                      .check(HealthCheckRequest.newBuilder().setService(service).build())
                      .getStatus())
              .as("health of \"%s\" while warming up", service)
              .isEqualTo(ServingStatus.NOT_SERVING);
        }
        // a model's own health entry appears only once the warm-up is over
        assertThatThrownBy(
                () -> health.check(HealthCheckRequest.newBuilder().setService("iris").build()))
            .satisfies(
                e ->
                    assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.NOT_FOUND));
      } finally {
        ch.shutdownNow();
      }
      assertThat(p.log()).doesNotContain("SERVING after");
      p.sigterm();
      assertThat(p.awaitExit()).as(p.log()).isZero();
    }
  }

  private static boolean irisReady(ModelServiceGrpc.ModelServiceBlockingStub models) {
    try {
      return models
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .getModel(GetModelRequest.newBuilder().setModelName("iris").build())
          .getModel()
          .getVersionsList()
          .stream()
          .anyMatch(v -> v.getState() == ModelState.MODEL_STATE_READY);
    } catch (io.grpc.StatusRuntimeException notYetKnown) {
      return false;
    }
  }

  /**
   * Logs an operator can read: an oversize message and a malformed connection (client-caused) leave
   * no stack trace and no WARN; with --log-format json every log line is a JSON object; with
   * --access-log each call is one line.
   */
  @Test
  void clientCausedEvents_logNoStackTrace_jsonLines_andAnAccessLog() throws Exception {
    TempStore store = new TempStore().copy("iris", "iris");
    try (ServerProcess p =
        new ServerProcess(
            Map.of(),
            "--port",
            "0",
            "--metrics-port",
            "0",
            "--max-message-bytes",
            "4096",
            "--log-format",
            "json",
            "--access-log",
            "--model-store",
            store.root.toString())) {
      ManagedChannel ch =
          Grpc.newChannelBuilderForAddress("localhost", p.port, InsecureChannelCredentials.create())
              .build();
      try {
        var stub = InferenceServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
        var big =
            dev.modelport.v1.PredictRequest.newBuilder()
                .setModelName("iris")
                .addInputs(
                    dev.modelport.v1.Tensor.newBuilder()
                        .setName("features")
                        .addShape(512)
                        .addShape(4)
                        .addAllFloatVal(java.util.Collections.nCopies(2048, 1.5f)))
                .build();
        assertThat(big.getSerializedSize()).isGreaterThan(4096);
        assertThatThrownBy(() -> stub.predict(big)).hasMessageContaining("RESOURCE_EXHAUSTED");
        assertThat(stub.predict(Requests.iris("iris", Requests.CLASSIC_IRIS)).getOutputsCount())
            .isEqualTo(1);
      } finally {
        ch.shutdownNow();
      }
      try (java.net.Socket garbage = new java.net.Socket("localhost", p.port)) {
        garbage.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
        garbage.getOutputStream().flush();
      }
      p.sigterm();
      assertThat(p.awaitExit()).as(p.log()).isZero();
      String log = p.log();
      assertThat(log).doesNotContain("\tat ").doesNotContain("Exception processing message");
      List<com.google.gson.JsonObject> events = new ArrayList<>();
      for (String line : log.split("\n")) {
        if (line.isBlank() || !line.startsWith("{")) {
          continue; // the JVM's and native libraries' own output
        }
        events.add(com.google.gson.JsonParser.parseString(line).getAsJsonObject());
      }
      assertThat(events).as("JSON log lines").hasSizeGreaterThan(3);
      assertThat(events)
          .noneMatch(e -> e.get("level").getAsString().equals("WARN"))
          .anyMatch(
              e ->
                  e.get("loggerName").getAsString().equals("modelport.access")
                      && e.get("formattedMessage")
                          .getAsString()
                          .contains("InferenceService/Predict")
                      && e.get("formattedMessage").getAsString().contains("status=OK"));
    }
  }

  /**
   * KServe's way: one model from a read-only folder holding just model.onnx, the port from PORT,
   * answered over the Open Inference Protocol, health of inference.GRPCInferenceService SERVING.
   */
  @Test
  void singleModelMode_servesAReadOnlyFlatFolder_overOip() throws Exception {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("mnt-models");
    java.nio.file.Files.copy(
        java.nio.file.Path.of(System.getProperty("modelport.defaultStore"), "iris/1/model.onnx"),
        dir.resolve("model.onnx"));
    dir.toFile().setWritable(false);
    try (ServerProcess p =
        new ServerProcess(
            Map.of("PORT", "0"),
            "--metrics-port",
            "0",
            "--model-name",
            "flowers",
            "--model-dir",
            dir.toString())) {
      ManagedChannel ch =
          Grpc.newChannelBuilderForAddress("localhost", p.port, InsecureChannelCredentials.create())
              .build();
      try {
        assertThat(
                HealthGrpc.newBlockingStub(ch)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .check(
                        HealthCheckRequest.newBuilder()
                            .setService("inference.GRPCInferenceService")
                            .build())
                    .getStatus())
            .isEqualTo(ServingStatus.SERVING);
        var oip =
            dev.modelport.oip.GRPCInferenceServiceGrpc.newBlockingStub(ch)
                .withDeadlineAfter(10, TimeUnit.SECONDS);
        java.nio.ByteBuffer row =
            java.nio.ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float f : new float[] {5.1f, 3.5f, 1.4f, 0.2f}) {
          row.putFloat(f);
        }
        row.flip();
        var answer =
            oip.modelInfer(
                dev.modelport.oip.ModelInferRequest.newBuilder()
                    .setModelName("flowers")
                    .addInputs(
                        dev.modelport.oip.ModelInferRequest.InferInputTensor.newBuilder()
                            .setName("features")
                            .setDatatype("FP32")
                            .addShape(1)
                            .addShape(4))
                    .addRawInputContents(com.google.protobuf.ByteString.copyFrom(row))
                    .build());
        assertThat(answer.getModelVersion()).isEqualTo("1");
        assertThat(answer.getRawOutputContents(0).size()).isEqualTo(12); // 3 floats
      } finally {
        ch.shutdownNow();
      }
      try (var files = java.nio.file.Files.list(dir)) {
        assertThat(files.map(f -> f.getFileName().toString())).containsExactly("model.onnx");
      }
      p.sigterm();
      assertThat(p.awaitExit()).as(p.log()).isZero();
    } finally {
      dir.toFile().setWritable(true);
    }
  }

  /**
   * PyTorch's pools as the engine reports them (JniUtils, read back after it started), not the
   * properties the server set: one intra-op thread by default, the flag's value when given.
   */
  @Test
  void torchPools_oneThreadByDefault_andTheFlagRaisesThem() throws Exception {
    TempStore store = new TempStore().copy("iris-mlp", "iris-mlp");
    for (String[] run :
        new String[][] {
          {"1 intra-op thread(s), 1 inter-op thread(s)"},
          {"2 intra-op thread(s), 1 inter-op thread(s)", "--torch-threads", "2"}
        }) {
      List<String> args = new ArrayList<>(List.of("--port", "0", "--metrics-port", "0"));
      args.addAll(List.of(run).subList(1, run.length));
      args.addAll(List.of("--model-store", store.root.toString()));
      try (ServerProcess p = new ServerProcess(Map.of(), args.toArray(String[]::new))) {
        p.sigterm();
        assertThat(p.awaitExit()).as(p.log()).isZero();
        assertThat(p.log()).contains("PyTorch: " + run[0]);
      }
    }
  }

  @Test
  void sigtermUnder32CallersAndAStream_answersEveryAcceptedCall_andExitsWithinTheDrain()
      throws Exception {
    TempStore store =
        new TempStore()
            .copy("iris", "iris")
            .copy("iris-mlp", "iris-mlp")
            .copy("all-minilm-l6-v2", "all-minilm-l6-v2");
    try (ServerProcess p =
        new ServerProcess(
            Map.of(),
            "--port",
            "0",
            "--metrics-port",
            "0",
            "--drain-seconds",
            "20",
            "--model-store",
            store.root.toString())) {
      ManagedChannel ch =
          Grpc.newChannelBuilderForAddress("localhost", p.port, InsecureChannelCredentials.create())
              .build();
      Map<Status.Code, AtomicInteger> outcomes = new ConcurrentHashMap<>();
      java.util.Queue<String> refusals = new java.util.concurrent.ConcurrentLinkedQueue<>();
      CountDownLatch warm = new CountDownLatch(32);
      List<Thread> callers = new ArrayList<>();
      for (int c = 0; c < 32; c++) {
        String model = c % 2 == 0 ? "iris" : "iris-mlp";
        Thread t =
            new Thread(
                () -> {
                  var stub = InferenceServiceGrpc.newBlockingStub(ch);
                  for (int i = 0; ; i++) {
                    if (i == 50) {
                      warm.countDown();
                    }
                    Status.Code code;
                    try {
                      stub.withDeadlineAfter(30, TimeUnit.SECONDS)
                          .predict(Requests.iris(model, Requests.CLASSIC_IRIS));
                      code = Status.Code.OK;
                    } catch (io.grpc.StatusRuntimeException e) {
                      code = e.getStatus().getCode();
                      refusals.add(e.getStatus().toString());
                    }
                    outcomes.computeIfAbsent(code, k -> new AtomicInteger()).incrementAndGet();
                    if (code != Status.Code.OK) {
                      warm.countDown();
                      return; // the server has gone away: stop calling
                    }
                  }
                });
        callers.add(t);
        t.start();
      }
      // A health watch opened before SIGTERM: it must see NOT_SERVING during the drain.
      java.util.Queue<ServingStatus> watched = new java.util.concurrent.ConcurrentLinkedQueue<>();
      HealthGrpc.newStub(ch)
          .watch(
              HealthCheckRequest.getDefaultInstance(),
              new StreamObserver<>() {
                @Override
                public void onNext(io.grpc.health.v1.HealthCheckResponse r) {
                  watched.add(r.getStatus());
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {}
              });
      // and one stream of long texts on MiniLM, so that items are still queued at SIGTERM
      String longText = "modelport drains every accepted stream item ".repeat(40);
      Map<String, PredictResponse> streamed = new ConcurrentHashMap<>();
      CompletableFuture<Status> streamEnd = new CompletableFuture<>();
      var in =
          InferenceServiceGrpc.newStub(ch)
              .predictStream(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(PredictResponse r) {
                      streamed.put(r.getRequestId(), r);
                    }

                    @Override
                    public void onError(Throwable t) {
                      streamEnd.complete(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                      streamEnd.complete(Status.OK);
                    }
                  });
      int sent = 64; // two full batches of 32: the second is still queued at the first answer
      for (int i = 0; i < sent; i++) {
        in.onNext(Requests.texts(longText).toBuilder().setRequestId("s" + i).build());
      }
      assertThat(warm.await(60, TimeUnit.SECONDS)).isTrue();
      long firstAnswered = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (streamed.isEmpty()) { // the stream is being served...
        assertThat(System.nanoTime()).as("a first stream answer").isLessThan(firstAnswered);
        java.util.concurrent.locks.LockSupport.parkNanos(
            100_000); // poll; a spin would take the core the awaited thread needs
      }
      long t0 = System.nanoTime();
      p.sigterm();
      int pendingAtSigterm = sent - streamed.size();
      // ...and not finished: without pending items this test would prove nothing about the drain.
      assertThat(pendingAtSigterm).isPositive();
      in.onCompleted(); // the stream's items were accepted: each must be answered
      for (Thread t : callers) {
        t.join(TimeUnit.SECONDS.toMillis(60));
      }
      assertThat(streamEnd.get(60, TimeUnit.SECONDS)).isEqualTo(Status.OK);
      assertThat(streamed).hasSize(sent);
      assertThat(streamed.values()).allSatisfy(r -> assertThat(r.hasError()).isFalse());
      assertThat(p.awaitExit()).as(p.log()).isZero();
      assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(20);
      ch.shutdownNow();
      // Calls either completed, or were refused once the server stopped taking calls (UNAVAILABLE,
      // never started): nothing accepted was cancelled, failed or left unanswered.
      assertThat(outcomes.keySet()).isSubsetOf(Status.Code.OK, Status.Code.UNAVAILABLE);
      assertThat(outcomes.get(Status.Code.OK).get()).isPositive();
      // UNAVAILABLE only as a refusal of a call the server never took (GOAWAY, or no listener
      // left), never a call it took and then cut ("shutdownNow", cancelled).
      assertThat(refusals)
          .allSatisfy(
              r ->
                  assertThat(r).doesNotContain("shutdownNow").doesNotContainIgnoringCase("cancel"));
      assertThat(watched).contains(ServingStatus.SERVING, ServingStatus.NOT_SERVING);
      System.out.printf(
          "MainProcessIT: %d stream items pending at SIGTERM, all %d answered; unary %s%n",
          pendingAtSigterm, sent, outcomes);
    }
  }

  @Test
  void checkStore_exitsNonZero_andSaysWhichVersionFailedAndWhy() throws Exception {
    TempStore store = new TempStore().copy("iris", "iris");
    store.write("broken/config.pbtxt", "max_batch_size: 4\n").write("broken/1/model.onnx", "nope");
    Process p =
        new ProcessBuilder(
                java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                System.getProperty("modelport.serverJar"),
                "--check-store",
                "--model-store",
                store.root.toString())
            .redirectErrorStream(true)
            .start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isEqualTo(1);
    assertThat(out).contains("iris v1: READY").contains("broken v1: FAILED (broken/1/model.onnx");
  }
}
