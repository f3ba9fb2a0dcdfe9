package dev.modelport.server;

import dev.modelport.server.security.TlsReloader;
import dev.modelport.server.security.TlsSetup;
import io.grpc.ServerBuilder;
import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC listeners the options ask for: TCP on {@code --port} and/or a Unix domain socket on
 * {@code --uds} (epoll, Linux), each with the same credentials, message limit and keepalive
 * settings. One server per listener, because Netty cannot mix socket types in one server; they
 * share the same services.
 */
public record Listeners(List<ServerBuilder<?>> builders, AutoCloseable resources) {

  /**
   * The listeners for {@code o}. With TLS, the certificate files are read now (a bad pair fails
   * here) and again every {@code --tls-reload-seconds}; {@link #resources} stops that, and the
   * server closes it when it stops.
   */
  public static Listeners from(ServerOptions o) throws IOException {
    TlsReloader tls =
        o.tlsCert() == null
            ? null
            : TlsReloader.start(o.tlsCert(), o.tlsKey(), o.tlsClientCa(), o.tlsReload());
    ServerCredentials creds =
        tls == null ? TlsSetup.credentials(null, null, o.tlsClientCa()) : tls.credentials();
    List<ServerBuilder<?>> out = new ArrayList<>();
    if (!o.udsOnly()) {
      NettyServerBuilder tcp = NettyServerBuilder.forPort(o.port(), creds);
      if (o.eventLoopThreads() > 0) {
        // gRPC's shared default is 2 x cores transport threads; these are daemon threads, like
        // gRPC's own, so they never hold the JVM open
        EpollEventLoopGroup boss = new EpollEventLoopGroup(1, daemonThreads("modelport-accept"));
        EpollEventLoopGroup workers =
            new EpollEventLoopGroup(o.eventLoopThreads(), daemonThreads("modelport-transport"));
        tcp.channelType(EpollServerSocketChannel.class)
            .bossEventLoopGroup(boss)
            .workerEventLoopGroup(workers);
      }
      out.add(configure(tcp, o));
    }
    if (o.uds() != null) {
      Files.deleteIfExists(o.uds()); // a stale socket from a killed process would block the bind
      EpollEventLoopGroup group = new EpollEventLoopGroup(1);
      out.add(
          configure(
              NettyServerBuilder.forAddress(new DomainSocketAddress(o.uds().toFile()), creds)
                  .channelType(EpollServerDomainSocketChannel.class)
                  .bossEventLoopGroup(group)
                  .workerEventLoopGroup(group),
              o));
    }
    return new Listeners(out, tls == null ? () -> {} : tls);
  }

  private static java.util.concurrent.ThreadFactory daemonThreads(String prefix) {
    return new io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory(prefix, true);
  }

  private static NettyServerBuilder configure(NettyServerBuilder b, ServerOptions o) {
    b.maxInboundMessageSize(o.maxMessageBytes())
        .maxConcurrentCallsPerConnection(o.maxCallsPerConnection())
        .flowControlWindow(ServerOptions.FLOW_CONTROL_WINDOW_BYTES);
    if (!o.keepalive().isZero()) {
      b.keepAliveTime(o.keepalive().toSeconds(), TimeUnit.SECONDS)
          .keepAliveTimeout(20, TimeUnit.SECONDS);
    }
    b.permitKeepAliveTime(o.permitKeepalive().toSeconds(), TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true);
    if (!o.maxConnectionAge().isZero()) {
      b.maxConnectionAge(o.maxConnectionAge().toSeconds(), TimeUnit.SECONDS)
          .maxConnectionAgeGrace(o.drainGrace().toSeconds(), TimeUnit.SECONDS);
    }
    return b;
  }
}
