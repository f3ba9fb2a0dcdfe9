package dev.modelport.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.modelport.server.ModelportServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** perf against a real server, and its baselines, for a fixed number of requests. */
class PerfIT {
  static JsonArray run(String... args) throws Exception {
    Path json = Files.createTempFile("perf", ".json");
    assertThat(
            Main.run(
                java.util.stream.Stream.concat(
                        java.util.stream.Stream.of("perf"),
                        java.util.stream.Stream.concat(
                            java.util.Arrays.stream(args),
                            java.util.stream.Stream.of("--json", json.toString())))
                    .toArray(String[]::new)))
        .isZero();
    return JsonParser.parseString(Files.readString(json)).getAsJsonArray();
  }

  @Test
  void unaryStreamAndEcho_eachCompleteTheirRequestsWithoutErrors() throws Exception {
    Path store = Path.of(System.getProperty("modelport.defaultStore"));
    ModelportServer s = dev.modelport.server.testing.TestServers.started(store);
    try {
      String target = "localhost:" + s.port();
      JsonArray unary =
          run(
              "--model",
              "iris",
              "--target",
              target,
              "--concurrency",
              "1,4",
              "--warmup",
              "0",
              "--requests",
              "300",
              "--echo");
      assertThat(unary).hasSize(4);
      for (var e : unary) {
        JsonObject r = e.getAsJsonObject();
        assertThat(r.get("requests").getAsLong()).isEqualTo(300);
        assertThat(r.getAsJsonObject("errors").size()).isZero();
        assertThat(r.get("p50_ms").getAsDouble()).isPositive();
      }
      assertThat(unary.get(2).getAsJsonObject().get("target").getAsString()).isEqualTo("echo");
      JsonObject oip =
          run(
                  "--model",
                  "iris",
                  "--target",
                  target,
                  "--protocol",
                  "oip",
                  "--warmup",
                  "0",
                  "--requests",
                  "200")
              .get(0)
              .getAsJsonObject();
      assertThat(oip.get("target").getAsString()).isEqualTo("server-oip");
      assertThat(oip.get("failed").getAsLong()).isZero();
      assertThat(oip.get("requests").getAsLong()).isEqualTo(200);
      JsonObject stream =
          run(
                  "--model",
                  "iris",
                  "--target",
                  target,
                  "--mode",
                  "stream",
                  "--concurrency",
                  "64",
                  "--warmup",
                  "0",
                  "--requests",
                  "2000")
              .get(0)
              .getAsJsonObject();
      assertThat(stream.get("requests").getAsLong()).isEqualTo(2000);
    } finally {
      s.stop();
    }
  }

  @Test
  void everyRequestFailing_isNoThroughput_andExitsNonZero() throws Exception {
    Path store = Path.of(System.getProperty("modelport.defaultStore"));
    ModelportServer s = dev.modelport.server.testing.TestServers.started(store);
    try {
      Path json = Files.createTempFile("perf", ".json");
      // iris takes at most 64 rows per request: every request of 100 rows is refused
      int code =
          Main.run(
              "perf",
              "--model",
              "iris",
              "--target",
              "localhost:" + s.port(),
              "--rows",
              "100",
              "--warmup",
              "0",
              "--requests",
              "50",
              "--json",
              json.toString());
      assertThat(code).isEqualTo(1);
      JsonObject r =
          JsonParser.parseString(Files.readString(json)).getAsJsonArray().get(0).getAsJsonObject();
      assertThat(r.get("failed").getAsLong()).isEqualTo(50);
      assertThat(r.get("requests_per_second").getAsDouble()).isZero();
      assertThat(r.get("rows_per_second").getAsDouble()).isZero();
    } finally {
      s.stop();
    }
  }
}
