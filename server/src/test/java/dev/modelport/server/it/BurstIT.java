package dev.modelport.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelport.v1.InferenceServiceGrpc;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A burst of large valid requests beside small ones, against the real jar with a small heap ({@code
 * -Xmx256m}, {@code -XX:+ExitOnOutOfMemoryError}, as the container runs it): the process stays up,
 * every large call is answered OK or RESOURCE_EXHAUSTED, and every small call succeeds.
 *
 * <p>Seen failing with the feature off: started with {@code --request-memory-percent 0} (no
 * budget), the server dies of {@code OutOfMemoryError} under the same burst and the calls in
 * flight, small ones included, fail UNAVAILABLE.
 */
class BurstIT {
  static final int LARGE_CALLERS = Integer.getInteger("modelport.burst.large", 32);
  static final int TEXT_BYTES = 1_900_000;
  static final int TEXTS = 8;

  static PredictRequest largeMiniLmRequest() {
    StringBuilder b = new StringBuilder(TEXT_BYTES);
    String[] words = {"model ", "server ", "batch ", "tensor ", "gRPC ", "heap ", "burst "};
    for (int i = 0; b.length() < TEXT_BYTES - 8; i++) {
      b.append(words[i % words.length]);
    }
    String text = b.toString();
    String[] texts = new String[TEXTS];
    for (int i = 0; i < TEXTS; i++) {
      texts[i] = i + text; // distinct texts, so nothing could be shared
    }
    return Requests.texts(texts);
  }

  @Test
  void burstOfLargeRequests_isShed_neverFatal_andSmallCallsKeepSucceeding() throws Exception {
    String heap = System.getProperty("modelport.burst.heap", "256m");
    String percent = System.getProperty("modelport.burst.percent", "40");
    try (ServerProcess server =
        new ServerProcess(
            Map.of("JAVA_TOOL_OPTIONS", "-Xmx" + heap + " -XX:+ExitOnOutOfMemoryError"),
            "--port",
            "0",
            "--metrics-port",
            "0",
            "--request-memory-percent",
            percent)) {
      PredictRequest large = largeMiniLmRequest();
      assertThat(large.getSerializedSize()).isBetween(15_000_000, 16 << 20);
      List<ManagedChannel> channels = new ArrayList<>();
      try {
        // Large requests alone first: the time one takes (texts are cut before tokenizing). The
        // first pays for class loading and JIT; the third is what a warm server does.
        ManagedChannel first = channel(server.port, channels);
        List<Long> aloneMillis = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          long t0 = System.nanoTime();
          PredictResponse alone =
              InferenceServiceGrpc.newBlockingStub(first)
                  .withDeadlineAfter(120, TimeUnit.SECONDS)
                  .predict(large);
          aloneMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
          assertThat(alone.getOutputs(0).getShapeList()).containsExactly(8L, 384L);
        }

        AtomicBoolean burstRunning = new AtomicBoolean(true);
        ConcurrentLinkedQueue<String> smallFailures = new ConcurrentLinkedQueue<>();
        AtomicInteger smallOk = new AtomicInteger();
        List<Thread> small = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          ManagedChannel ch = channel(server.port, channels);
          Thread t =
              new Thread(
                  () -> {
                    var stub = InferenceServiceGrpc.newBlockingStub(ch);
                    while (burstRunning.get()) {
                      try {
                        stub.withDeadlineAfter(60, TimeUnit.SECONDS)
                            .predict(Requests.iris("iris", Requests.CLASSIC_IRIS));
                        smallOk.incrementAndGet();
                      } catch (RuntimeException e) {
                        smallFailures.add(e.toString());
                      }
                    }
                  });
          small.add(t);
          t.start();
        }
        Map<String, AtomicInteger> largeOutcomes = new ConcurrentHashMap<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> burst = new ArrayList<>();
        for (int i = 0; i < LARGE_CALLERS; i++) {
          ManagedChannel ch = channel(server.port, channels);
          Thread t =
              new Thread(
                  () -> {
                    String outcome;
                    try {
                      start.await();
                      InferenceServiceGrpc.newBlockingStub(ch)
                          .withDeadlineAfter(120, TimeUnit.SECONDS)
                          .predict(large);
                      outcome = "OK";
                    } catch (StatusRuntimeException e) {
                      outcome =
                          e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED
                                  && e.getStatus().getDescription().contains("budget")
                              ? "RESOURCE_EXHAUSTED"
                              : e.getStatus().toString();
                    } catch (InterruptedException e) {
                      outcome = "interrupted";
                    }
                    largeOutcomes
                        .computeIfAbsent(outcome, k -> new AtomicInteger())
                        .incrementAndGet();
                  });
          burst.add(t);
          t.start();
        }
        long b0 = System.nanoTime();
        start.countDown();
        for (Thread t : burst) {
          t.join();
        }
        long burstMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - b0);
        burstRunning.set(false);
        for (Thread t : small) {
          t.join();
        }
        assertThat(server.process.isAlive())
            .as("server alive after the burst; outcomes %s; log:%n%s", largeOutcomes, server.log())
            .isTrue();
        String metrics = scrape(server.log());
        System.out.printf(
            "BurstIT: -Xmx%s, budget %s%%: one 15 MB MiniLM request alone %s ms; %d large callers"
                + " in %d ms: %s; small calls %d OK, %d failed; %s%n",
            heap,
            percent,
            aloneMillis,
            LARGE_CALLERS,
            burstMillis,
            largeOutcomes,
            smallOk.get(),
            smallFailures.size(),
            metrics);
        assertThat(largeOutcomes.keySet()).isSubsetOf("OK", "RESOURCE_EXHAUSTED");
        assertThat(largeOutcomes.get("OK")).isNotNull();
        assertThat(smallFailures).isEmpty();
        assertThat(smallOk.get()).isPositive();
        // The budget went back on every path: nothing is charged once the burst is over.
        assertThat(metrics).contains("modelport_request_memory_in_use_bytes 0.0");
      } finally {
        channels.forEach(ManagedChannel::shutdownNow);
      }
    }
  }

  private static ManagedChannel channel(int port, List<ManagedChannel> all) {
    ManagedChannel ch =
        Grpc.newChannelBuilderForAddress("localhost", port, InsecureChannelCredentials.create())
            .maxInboundMessageSize(64 << 20)
            .build();
    all.add(ch);
    return ch;
  }

  /** The budget's lines of /metrics (its port is in the log). */
  private static String scrape(String log) throws Exception {
    var m = java.util.regex.Pattern.compile("metrics on port (\\d+)").matcher(log);
    assertThat(m.find()).as(log).isTrue();
    String body =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + m.group(1) + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    return String.join(
        "; ", body.lines().filter(l -> l.startsWith("modelport_request_memory")).toList());
  }
}
