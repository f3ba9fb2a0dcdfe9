package dev.modelport.server.testing;

import dev.modelport.server.Listeners;
import dev.modelport.server.ModelportServer;
import dev.modelport.server.ServerOptions;
import dev.modelport.store.ModelStore;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerInterceptor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Real servers for integration tests: plaintext TCP on a free loopback port. */
public final class TestServers {
  private TestServers() {}

  /**
   * A server for {@code store} on port 0 (see {@link ModelportServer#port()}), with a 10 s drain
   * and no warm-up (tests send their own first requests), not yet started.
   */
  public static ModelportServer.Builder onAnyPort(Path store) throws Exception {
    return ModelportServer.builder()
        .listener(Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()))
        .store(ModelStore.open(store))
        .drainGrace(Duration.ofSeconds(10))
        .warmup(Duration.ZERO);
  }

  /**
   * A server as the command line would make it from {@code o} (its listeners, TLS included, its
   * store and drain), with {@code interceptors} and no warm-up, started.
   */
  public static ModelportServer fromOptions(ServerOptions o, List<ServerInterceptor> interceptors)
      throws Exception {
    return ModelportServer.builder()
        .listeners(Listeners.from(o))
        .store(ModelStore.open(o.modelStore()))
        .drainGrace(o.drainGrace())
        .interceptors(interceptors)
        .warmup(Duration.ZERO)
        .build()
        .start();
  }

  /** {@link #onAnyPort}, started. */
  public static ModelportServer started(Path store) throws Exception {
    return onAnyPort(store).build().start();
  }
}
