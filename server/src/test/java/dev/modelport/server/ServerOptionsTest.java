package dev.modelport.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerOptionsTest {
  @TempDir Path store;

  @Test
  void defaults_followTheContract() throws Exception {
    ServerOptions o =
        ServerOptions.parse(new String[] {"--model-store", store.toString()}, Map.of());
    assertThat(o.port()).isEqualTo(8500);
    assertThat(o.metricsPort()).isEqualTo(9500);
    assertThat(o.drainGrace()).isEqualTo(Duration.ofSeconds(30));
    assertThat(o.torchThreads()).as("0 = EngineThreads' default").isZero();
    assertThat(o.warmup()).isEqualTo(Duration.ofSeconds(3));
    assertThat(o.maxMessageBytes()).isEqualTo(16 << 20);
    assertThat(o.keepalive()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void theUsage_comesFromTheTable_withEachDefaultAsParsed() throws Exception {
    String usage = ServerOptions.usage();
    for (Flags.Flag f : Flags.all()) {
      assertThat(usage)
          .as(f.name())
          .contains("--" + f.name() + (f.arg().isEmpty() ? "" : " " + f.arg()));
    }
    assertThat(usage).contains("gRPC TCP port; 0 = any free port (default 8500)");
    assertThat(usage).contains("for N s before health turns SERVING; 0 = off (default 3)");
    assertThat(usage).doesNotContain("--torch-threads N (default");
    assertThat(Flags.all()).extracting(Flags.Flag::name).doesNotHaveDuplicates().hasSize(31);
    // the one default of each number flag is the table's, whether read or used by the builder
    ServerOptions o =
        ServerOptions.parse(new String[] {"--model-store", store.toString()}, Map.of());
    assertThat(o.drainGrace().toSeconds()).isEqualTo(Flags.DRAIN_SECONDS.defaultNumber());
    assertThat(o.warmup().toSeconds()).isEqualTo(Flags.WARMUP_SECONDS.defaultNumber());
    assertThat(o.tlsReload().toSeconds()).isEqualTo(60);
    assertThat(o.requestMemoryPercent())
        .isEqualTo((int) Flags.REQUEST_MEMORY_PERCENT.defaultNumber());
    assertThat(ModelportServer.builder().warmupSetting()).isEqualTo(o.warmup());
    assertThat(ModelportServer.builder().drainGraceSetting()).isEqualTo(o.drainGrace());
  }

  @Test
  void environmentTwins_apply_andFlagsWin() throws Exception {
    Map<String, String> env =
        Map.of(
            "MODELPORT_PORT", "9000",
            "MODELPORT_METRICS_PORT", "9001",
            "MODELPORT_MODEL_STORE", store.toString(),
            "MODELPORT_DRAIN_SECONDS", "5");
    ServerOptions o = ServerOptions.parse(new String[0], env);
    assertThat(o.port()).isEqualTo(9000);
    assertThat(o.metricsPort()).isEqualTo(9001);
    assertThat(o.modelStore()).isEqualTo(store);
    assertThat(o.drainGrace()).isEqualTo(Duration.ofSeconds(5));
    assertThat(ServerOptions.parse(new String[] {"--port=0", "--metrics-port", "7"}, env).port())
        .isZero();
  }

  @Test
  void everyFlagHasItsEnvironmentTwin() throws Exception {
    java.nio.file.Path tokens = java.nio.file.Files.writeString(store.resolve("tokens"), "x");
    Map<String, String> env =
        new java.util.HashMap<>(
            Map.ofEntries(
                Map.entry("MODELPORT_MODEL_STORE", store.toString()),
                Map.entry("MODELPORT_TLS_CERT", tokens.toString()),
                Map.entry("MODELPORT_TLS_KEY", tokens.toString()),
                Map.entry("MODELPORT_TLS_CLIENT_CA", tokens.toString()),
                Map.entry("MODELPORT_AUTH_TOKENS", tokens.toString()),
                Map.entry("MODELPORT_MAX_MESSAGE_BYTES", "2048"),
                Map.entry("MODELPORT_UDS", store.resolve("sock").toString()),
                Map.entry("MODELPORT_UDS_ONLY", "true"),
                Map.entry("MODELPORT_KEEPALIVE_SECONDS", "5"),
                Map.entry("MODELPORT_PERMIT_KEEPALIVE_SECONDS", "6"),
                Map.entry("MODELPORT_MAX_CONNECTION_AGE_SECONDS", "7"),
                Map.entry("MODELPORT_TORCH_THREADS", "3"),
                Map.entry("MODELPORT_TORCH_INTEROP_THREADS", "2"),
                Map.entry("MODELPORT_WARMUP_SECONDS", "0")));
    ServerOptions o = ServerOptions.parse(new String[0], env);
    assertThat(o.tlsCert()).isEqualTo(tokens);
    assertThat(o.tlsKey()).isEqualTo(tokens);
    assertThat(o.tlsClientCa()).isEqualTo(tokens);
    assertThat(o.authTokens()).isEqualTo(tokens);
    assertThat(o.maxMessageBytes()).isEqualTo(2048);
    assertThat(o.uds()).isEqualTo(store.resolve("sock"));
    assertThat(o.udsOnly()).isTrue();
    assertThat(o.keepalive()).isEqualTo(Duration.ofSeconds(5));
    assertThat(o.permitKeepalive()).isEqualTo(Duration.ofSeconds(6));
    assertThat(o.maxConnectionAge()).isEqualTo(Duration.ofSeconds(7));
    assertThat(o.torchThreads()).isEqualTo(3);
    assertThat(o.torchInteropThreads()).isEqualTo(2);
    assertThat(o.warmup()).isZero();
    env.remove("MODELPORT_TLS_KEY");
    assertThatThrownBy(() -> ServerOptions.parse(new String[0], env))
        .hasMessageContaining("--tls-cert and --tls-key go together");
    env.remove("MODELPORT_UDS");
    env.put("MODELPORT_TLS_KEY", tokens.toString());
    assertThatThrownBy(() -> ServerOptions.parse(new String[0], env))
        .hasMessageContaining("--uds-only needs --uds");
  }

  @Test
  void badFlags_sayWhatIsWrong() {
    Map<String, String> env = Map.of("MODELPORT_MODEL_STORE", store.toString());
    assertThatThrownBy(() -> ServerOptions.parse(new String[] {"--port", "70000"}, env))
        .hasMessageContaining("--port: \"70000\" is not a number from 0 to 65535");
    assertThatThrownBy(() -> ServerOptions.parse(new String[] {"--bogus", "1"}, env))
        .hasMessageContaining("unknown flag --bogus");
    assertThatThrownBy(() -> ServerOptions.parse(new String[] {"--port"}, env))
        .hasMessageContaining("--port: missing value");
    assertThatThrownBy(
            () ->
                ServerOptions.parse(
                    new String[] {"--model-store", store.resolve("nope").toString()}, Map.of()))
        .hasMessageContaining("not a directory");
  }

  @Test
  void singleModelMode_andThePortVariableOfKnative() throws Exception {
    ServerOptions o =
        ServerOptions.parse(
            new String[] {"--model-name", "iris", "--model-dir", store.toString()},
            Map.of("PORT", "8080"));
    assertThat(o.modelName()).isEqualTo("iris");
    assertThat(o.modelDir()).isEqualTo(store);
    assertThat(o.port()).as("PORT when no --port").isEqualTo(8080);
    assertThat(
            ServerOptions.parse(
                    new String[] {"--model-store", store.toString(), "--port", "9"},
                    Map.of("PORT", "8080"))
                .port())
        .as("--port wins over PORT")
        .isEqualTo(9);
    assertThatThrownBy(() -> ServerOptions.parse(new String[] {"--model-name", "iris"}, Map.of()))
        .hasMessageContaining("--model-name and --model-dir go together");
    assertThatThrownBy(
            () ->
                ServerOptions.parse(
                    new String[] {
                      "--model-name",
                      "iris",
                      "--model-dir",
                      store.toString(),
                      "--model-store",
                      store.toString()
                    },
                    Map.of()))
        .hasMessageContaining("do not also give --model-store");
  }

  @Test
  void traceFlags_becomeOpenTelemetryProperties_andNonsenseIsRefused() throws Exception {
    Map<String, String> env = Map.of("MODELPORT_MODEL_STORE", store.toString());
    assertThat(ServerOptions.parse(new String[0], env).otel()).isEmpty();
    ServerOptions o =
        ServerOptions.parse(
            new String[] {
              "--trace-exporter", "otlp",
              "--trace-endpoint", "http://collector:4318",
              "--trace-protocol", "http/protobuf",
              "--trace-sample-ratio", "0.01"
            },
            env);
    assertThat(o.otel())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "otel.traces.exporter", "otlp",
                "otel.exporter.otlp.endpoint", "http://collector:4318",
                "otel.exporter.otlp.protocol", "http/protobuf",
                "otel.traces.sampler", "parentbased_traceidratio",
                "otel.traces.sampler.arg", "0.01"));
    Map<String, String> twin = new java.util.HashMap<>(env);
    twin.put("MODELPORT_TRACE_EXPORTER", "otlp");
    assertThat(ServerOptions.parse(new String[0], twin).otel())
        .containsEntry("otel.traces.exporter", "otlp");
    for (String[] bad :
        new String[][] {
          {"--trace-exporter", "jaeger", "otlp or none"},
          {"--trace-endpoint", "collector:4317", "expected a URL"},
          {"--trace-protocol", "http", "grpc or http/protobuf"},
          {"--trace-sample-ratio", "2", "from 0 to 1"},
          {"--trace-sample-ratio", "NaN", "from 0 to 1"},
          {"--trace-sample-ratio", "often", "from 0 to 1"}
        }) {
      assertThatThrownBy(() -> ServerOptions.parse(new String[] {bad[0], bad[1]}, env))
          .hasMessageContaining(bad[0])
          .hasMessageContaining(bad[2]);
    }
  }

  /** Each number flag at both ends of its range, and one past each end. */
  @Test
  void numberFlags_takeTheirWholeRange_andNothingOutside() throws Exception {
    Map<String, String> env = Map.of("MODELPORT_MODEL_STORE", store.toString());
    record Range(
        String flag, long min, long max, java.util.function.ToLongFunction<ServerOptions> read) {}
    for (Range r :
        List.of(
            new Range("port", 0, 65535, ServerOptions::port),
            new Range("metrics-port", 0, 65535, ServerOptions::metricsPort),
            new Range("drain-seconds", 0, 3600, o -> o.drainGrace().toSeconds()),
            new Range("max-message-bytes", 1024, Integer.MAX_VALUE, ServerOptions::maxMessageBytes),
            new Range("keepalive-seconds", 0, 86400, o -> o.keepalive().toSeconds()),
            new Range("permit-keepalive-seconds", 0, 86400, o -> o.permitKeepalive().toSeconds()),
            new Range(
                "max-connection-age-seconds",
                0,
                30L * 86400,
                o -> o.maxConnectionAge().toSeconds()),
            new Range("request-memory-percent", 0, 90, ServerOptions::requestMemoryPercent),
            new Range(
                "max-calls-per-connection",
                1,
                Integer.MAX_VALUE,
                ServerOptions::maxCallsPerConnection),
            new Range("torch-threads", 1, 1024, ServerOptions::torchThreads),
            new Range("torch-interop-threads", 1, 1024, ServerOptions::torchInteropThreads),
            new Range("event-loop-threads", 0, 1024, ServerOptions::eventLoopThreads),
            new Range("warmup-seconds", 0, 3600, o -> o.warmup().toSeconds()))) {
      for (long ok : new long[] {r.min(), r.max()}) {
        String[] args = {"--" + r.flag(), " " + ok + " "}; // surrounding blanks are forgiven
        assertThat(r.read().applyAsLong(ServerOptions.parse(args, env))).as(r.flag()).isEqualTo(ok);
      }
      for (long bad : new long[] {r.min() - 1, r.max() + 1}) {
        assertThatThrownBy(
                () -> ServerOptions.parse(new String[] {"--" + r.flag() + "=" + bad}, env))
            .as(r.flag())
            .hasMessage(
                "--"
                    + r.flag()
                    + ": \""
                    + bad
                    + "\" is not a number from "
                    + r.min()
                    + " to "
                    + r.max());
      }
    }
  }

  @Test
  void switchesLogsAndUsage() throws Exception {
    Map<String, String> env = Map.of("MODELPORT_MODEL_STORE", store.toString());
    ServerOptions plain = ServerOptions.parse(new String[0], env);
    assertThat(plain.checkStore()).isFalse();
    assertThat(plain.accessLog()).isFalse();
    assertThat(plain.udsOnly()).isFalse();
    assertThat(plain.logFormat()).isEqualTo("text");
    assertThat(plain.logLevel()).isNull();
    assertThat(plain.maxMessageBytes()).isEqualTo((int) Flags.MAX_MESSAGE_BYTES.defaultNumber());
    assertThat(plain.requestMemoryPercent()).isEqualTo(40);
    ServerOptions on =
        ServerOptions.parse(
            new String[] {
              "--check-store", "--access-log", "--log-format", "json", "--log-level=debug"
            },
            env);
    assertThat(on.checkStore()).isTrue();
    assertThat(on.accessLog()).isTrue();
    assertThat(on.logFormat()).isEqualTo("json");
    assertThat(on.logLevel()).isEqualTo("DEBUG");
    assertThat(
            ServerOptions.parse(new String[0], Map.of("MODELPORT_MODEL_STORE", " " + store + " "))
                .modelStore())
        .as("environment values are stripped")
        .isEqualTo(store);
    assertThat(
            ServerOptions.parse(
                    new String[0],
                    Map.of("MODELPORT_MODEL_STORE", store.toString(), "MODELPORT_PORT", " "))
                .port())
        .as("a blank environment value counts as unset")
        .isEqualTo(8500);
    assertThat(
            ServerOptions.parse(
                    new String[0], Map.of("MODELPORT_MODEL_STORE", store.toString(), "PORT", " "))
                .port())
        .as("a blank PORT counts as unset")
        .isEqualTo(8500);
    for (String[] bad :
        new String[][] {
          {"--log-format", "xml", "--log-format: \"xml\"; expected text or json"},
          {
            "--log-level",
            "loud",
            "--log-level: \"loud\"; expected TRACE, DEBUG, INFO, WARN or ERROR"
          },
          {"positional", "x", "unexpected argument positional"},
          {
            "--auth-tokens",
            store.resolve("none").toString(),
            "--auth-tokens " + store.resolve("none") + ": not a readable file"
          },
          {"--model-name", "m", "--model-name and --model-dir go together"}
        }) {
      assertThatThrownBy(() -> ServerOptions.parse(new String[] {bad[0], bad[1]}, env))
          .hasMessage(bad[2]);
    }
    assertThatThrownBy(
            () ->
                ServerOptions.parse(
                    new String[] {
                      "--model-name", "m", "--model-dir", store.resolve("x").toString()
                    },
                    Map.of()))
        .hasMessage("--model-dir " + store.resolve("x") + ": not a directory");
    for (String help : new String[] {"--help", "-h"}) {
      assertThatThrownBy(() -> ServerOptions.parse(new String[] {help}, env))
          .isInstanceOf(ServerOptions.UsageException.class)
          .hasMessage("");
    }
  }
}
