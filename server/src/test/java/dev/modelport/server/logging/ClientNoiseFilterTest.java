package dev.modelport.server.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.spi.FilterReply;
import io.grpc.Status;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class ClientNoiseFilterTest {
  final LoggerContext ctx = new LoggerContext();
  final ClientNoiseFilter filter = new ClientNoiseFilter();

  FilterReply decide(String logger, Level level, Throwable t) {
    return filter.decide(
        null, ctx.getLogger(logger), level, "Exception processing message", null, t);
  }

  @Test
  void clientCausedTransportEvents_areDropped() {
    String grpc = "io.grpc.netty.shaded.io.grpc.netty.NettyServerStream";
    assertThat(
            decide(
                grpc,
                Level.WARN,
                Status.RESOURCE_EXHAUSTED.withDescription("too big").asRuntimeException()))
        .isEqualTo(FilterReply.DENY);
    assertThat(decide(grpc, Level.WARN, new IOException("Connection reset by peer")))
        .isEqualTo(FilterReply.DENY);
    assertThat(decide(grpc, Level.INFO, new RuntimeException(new IOException("Broken pipe"))))
        .isEqualTo(FilterReply.DENY);
    assertThat(decide(grpc, Level.WARN, new java.nio.channels.ClosedChannelException()))
        .isEqualTo(FilterReply.DENY);
  }

  @Test
  void everythingElse_passes() {
    String grpc = "io.grpc.internal.SerializingExecutor";
    assertThat(decide(grpc, Level.WARN, Status.INTERNAL.asRuntimeException()))
        .as("a server-side failure")
        .isEqualTo(FilterReply.NEUTRAL);
    assertThat(decide(grpc, Level.ERROR, new IllegalStateException("bug")))
        .isEqualTo(FilterReply.NEUTRAL);
    assertThat(decide(grpc, Level.WARN, null)).isEqualTo(FilterReply.NEUTRAL);
    assertThat(decide(grpc, Level.DEBUG, new IOException("Connection reset")))
        .as("already below INFO")
        .isEqualTo(FilterReply.NEUTRAL);
    assertThat(
            decide(
                "dev.modelport.server.Main",
                Level.WARN,
                Status.RESOURCE_EXHAUSTED.asRuntimeException()))
        .as("our own loggers are never filtered")
        .isEqualTo(FilterReply.NEUTRAL);
  }
}
