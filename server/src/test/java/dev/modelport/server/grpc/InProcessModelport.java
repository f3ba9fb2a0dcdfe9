package dev.modelport.server.grpc;

import dev.modelport.server.ModelportServer;
import dev.modelport.server.admission.Admission;
import dev.modelport.server.metrics.ServerMetrics;
import dev.modelport.server.registry.ModelRegistry;
import dev.modelport.server.tracing.Tracing;
import dev.modelport.store.ModelStore;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The whole server in process over a store of fake models, and a channel to it. */
final class InProcessModelport implements AutoCloseable {
  final ModelportServer server;
  final ManagedChannel channel;

  InProcessModelport(Path store, FakeModels models, Admission admission) throws Exception {
    this(store, models, admission, Tracing.OFF);
  }

  InProcessModelport(Path store, FakeModels models, Admission admission, Tracing tracing)
      throws Exception {
    String name = InProcessServerBuilder.generateName();
    server =
        new ModelportServer(
                List.of(InProcessServerBuilder.forName(name)),
                new ModelRegistry(ModelStore.open(store), models, Duration.ofSeconds(1)),
                Duration.ofSeconds(1),
                new ServerMetrics(),
                List.of(),
                admission,
                tracing)
            .start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.stop();
  }
}
