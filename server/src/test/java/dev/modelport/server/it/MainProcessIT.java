package dev.modelport.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelport.v1.InferenceServiceGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The runnable jar as users start it: flags and environment twins, SIGTERM drains and exits 0. */
class MainProcessIT {
  @Test
  void jarServesFromEnvConfiguredStore_andSigtermExitsZero() throws Exception {
    TempStore store = new TempStore().copy("iris", "iris");
    ProcessBuilder pb =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                System.getProperty("modelport.serverJar"),
                "--port",
                "0")
            .redirectErrorStream(true);
    pb.environment().put("MODELPORT_MODEL_STORE", store.root.toString());
    pb.environment().put("MODELPORT_METRICS_PORT", "0");
    Process p = pb.start();
    LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    StringBuilder log = new StringBuilder();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  lines.add(line);
                  synchronized (log) {
                    log.append(line).append('\n');
                  }
                }
              } catch (Exception e) {
                // process ended
              }
            });
    reader.start();
    try {
      int port = -1;
      Pattern listening = Pattern.compile("listening on port (\\d+)");
      while (true) {
        String line = lines.poll(60, TimeUnit.SECONDS);
        assertThat(line).as("server log line (so far:\n%s)", log).isNotNull();
        Matcher m = listening.matcher(line);
        if (m.find()) {
          port = Integer.parseInt(m.group(1));
        }
        if (line.contains("SERVING after")) {
          break;
        }
      }
      ManagedChannel ch =
          Grpc.newChannelBuilderForAddress("localhost", port, InsecureChannelCredentials.create())
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
      // SIGTERM via kill(1): Process.destroy() would also close our end of its output.
      assertThat(new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor())
          .isZero();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      reader.join();
      assertThat(p.exitValue()).as(log.toString()).isZero();
      assertThat(log.toString()).contains("shutting down: health NOT_SERVING").contains("stopped");
    } finally {
      p.destroyForcibly();
    }
  }
}
