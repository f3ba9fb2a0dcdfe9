package dev.modelport.server.testing;

import dev.modelport.server.ModelportServer;
import dev.modelport.store.ModelStore;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import java.nio.file.Path;
import java.time.Duration;

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

  /** {@link #onAnyPort}, started. */
  public static ModelportServer started(Path store) throws Exception {
    return onAnyPort(store).build().start();
  }
}
