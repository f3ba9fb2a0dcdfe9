package dev.modelport.server.grpc;

import dev.modelport.server.ModelportServer;
import dev.modelport.server.admission.Admission;
import dev.modelport.server.tracing.Tracing;
import dev.modelport.store.ModelStore;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.nio.file.Path;
import java.time.Duration;

/** The whole server in process over a store of fake models, and a channel to it. */
public final class InProcessModelport implements AutoCloseable {
  final ModelportServer server;
  final ManagedChannel channel;

  InProcessModelport(Path store, FakeModels models, Admission admission) throws Exception {
    this(store, models, admission, Tracing.OFF);
  }

  InProcessModelport(Path store, FakeModels models, Admission admission, Tracing tracing)
      throws Exception {
    String name = InProcessServerBuilder.generateName();
    server =
        builder(store, models)
            .listener(InProcessServerBuilder.forName(name))
            .admission(admission)
            .tracing(tracing)
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  /**
   * A server of {@code models} over {@code store} with the settings in-process tests share: a 1 s
   * drain, no quiet period (no network: nothing can still be on its way once the call count reads
   * zero), no warm-up. Add a listener.
   */
  public static ModelportServer.Builder builder(Path store, FakeModels models) throws Exception {
    return ModelportServer.builder()
        .store(ModelStore.open(store))
        .loader(models)
        .drainGrace(Duration.ofSeconds(1))
        .drainQuiet(Duration.ZERO)
        .warmup(Duration.ZERO);
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.stop();
  }
}
