package dev.modelport.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelport.server.metrics.MetricsHttpServer;
import dev.modelport.server.testing.TempStore;
import dev.modelport.v1.PredictRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Metrics move as requests are served: scrape, call, scrape again. */
class MetricsIT {
  static ServerFixture fx;
  static MetricsHttpServer http;

  @BeforeAll
  static void start() throws Exception {
    fx = new ServerFixture(new TempStore().copy("iris", "iris").root);
    http = new MetricsHttpServer(0, fx.server.metrics());
  }

  @AfterAll
  static void stop() {
    http.close();
    fx.close();
  }

  static String scrape() throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + http.port() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).get().asString().startsWith("text/plain");
    return r.body();
  }

  /**
   * The sum of every sample of {@code name} whose labels include all of {@code labels}: a family
   * with several series (e.g. heap pools: Eden reads 0 right after a collection) is summed, never
   * read from its first line.
   */
  static double value(String body, String name, String... labels) {
    double sum = 0;
    for (String line : body.split("\n")) {
      if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
        continue;
      }
      boolean all = true;
      for (String l : labels) {
        all &= line.contains(l);
      }
      if (all) {
        Matcher m = Pattern.compile("\\s(\\S+)$").matcher(line);
        assertThat(m.find()).isTrue();
        sum += Double.parseDouble(m.group(1));
      }
    }
    return sum;
  }

  /**
   * Scrapes until the batch metrics (recorded by the worker just after it answered the batch's
   * calls) have caught up with {@code batches} more batches of iris than {@code before}, within a
   * bound. Request counters need no wait: they are recorded before the answer is sent.
   */
  static String scrapeAfterBatches(String before, int batches) throws Exception {
    String[] iris = {"model=\"iris\"", "version=\"1\""};
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (true) {
      String body = scrape();
      double moved =
          value(body, "modelport_compute_seconds_count", iris)
              - value(before, "modelport_compute_seconds_count", iris);
      if (moved >= batches || System.nanoTime() > deadline) {
        return body;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(
          100_000); // poll; a spin would take the core the awaited thread needs
    }
  }

  @Test
  void countersAndHistogramsMove_withRequests() throws Exception {
    String before = scrape();
    PredictRequest ok = Requests.iris("iris", Requests.CLASSIC_IRIS);
    fx.inference().predict(ok);
    fx.inference().predict(ok);
    try {
      fx.inference().predict(ok.toBuilder().setModelName("no-such").build());
    } catch (RuntimeException expected) {
      // NOT_FOUND, counted under model="_unknown"
    }
    // Request counters are read at once: a scrape right after the answer must already count it.
    String answered = scrape();
    assertThat(
            value(answered, "modelport_requests_total", "code=\"OK\"", "model=\"iris\"")
                - value(before, "modelport_requests_total", "code=\"OK\"", "model=\"iris\""))
        .isEqualTo(2);
    String after = scrapeAfterBatches(before, 2);
    String[] iris = {"model=\"iris\"", "version=\"1\""};
    assertThat(
            value(after, "modelport_requests_total", "code=\"OK\"", iris[0], iris[1])
                - value(before, "modelport_requests_total", "code=\"OK\"", iris[0], iris[1]))
        .isEqualTo(2);
    assertThat(
            value(after, "modelport_requests_total", "code=\"NOT_FOUND\"", "model=\"_unknown\"")
                - value(
                    before, "modelport_requests_total", "code=\"NOT_FOUND\"", "model=\"_unknown\""))
        .isEqualTo(1);
    assertThat(
            value(after, "modelport_batch_size_rows_count", iris)
                - value(before, "modelport_batch_size_rows_count", iris))
        .isEqualTo(2);
    assertThat(
            value(after, "modelport_batch_size_rows_sum", iris)
                - value(before, "modelport_batch_size_rows_sum", iris))
        .isEqualTo(12);
    assertThat(
            value(after, "modelport_compute_seconds_count", iris)
                - value(before, "modelport_compute_seconds_count", iris))
        .isEqualTo(2);
    assertThat(
            value(after, "modelport_queue_wait_seconds_count", iris)
                - value(before, "modelport_queue_wait_seconds_count", iris))
        .isEqualTo(2);
    assertThat(
            value(after, "modelport_request_duration_seconds_count", iris)
                - value(before, "modelport_request_duration_seconds_count", iris))
        .isEqualTo(2);
    assertThat(value(after, "modelport_instances", iris[0], "device=\"cpu()\"")).isEqualTo(1);
    assertThat(after).contains("modelport_queue_depth_requests{");
    assertThat(value(after, "jvm_memory_used_bytes", "area=\"heap\"")).isPositive();
    assertThat(value(after, "process_resident_memory_bytes")).isPositive();
  }
}
