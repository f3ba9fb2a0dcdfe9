package dev.modelport.server.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class EngineThreadsTest {
  @Test
  void nothingGivenNothingSet_oneThreadInEachPool() {
    assertThat(EngineThreads.torchProperties(0, 0, new Properties()))
        .containsExactly(
            java.util.Map.entry("ai.djl.pytorch.num_threads", "1"),
            java.util.Map.entry("ai.djl.pytorch.num_interop_threads", "1"));
  }

  @Test
  void anExplicitSystemPropertyWinsOverTheDefault() {
    Properties set = new Properties();
    set.setProperty("ai.djl.pytorch.num_threads", "4");
    assertThat(EngineThreads.torchProperties(0, 0, set))
        .containsExactly(java.util.Map.entry("ai.djl.pytorch.num_interop_threads", "1"));
  }

  @Test
  void theFlagsWinOverEverything() {
    Properties set = new Properties();
    set.setProperty("ai.djl.pytorch.num_threads", "4");
    set.setProperty("ai.djl.pytorch.num_interop_threads", "4");
    assertThat(EngineThreads.torchProperties(2, 3, set))
        .containsExactly(
            java.util.Map.entry("ai.djl.pytorch.num_threads", "2"),
            java.util.Map.entry("ai.djl.pytorch.num_interop_threads", "3"));
  }
}
