package dev.modelport.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
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
}
