package dev.modelport.server.it;

import dev.modelport.server.ModelportServer;
import dev.modelport.v1.InferenceServiceGrpc;
import dev.modelport.v1.ModelServiceGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A real modelport server on an ephemeral loopback port, with a channel to it. */
final class ServerFixture implements AutoCloseable {
  private static ServerFixture defaultStore;

  final ModelportServer server;
  final ManagedChannel channel;

  ServerFixture(Path store) throws Exception {
    server = dev.modelport.server.testing.TestServers.started(store);
    channel =
        Grpc.newChannelBuilderForAddress(
                "localhost", server.port(), InsecureChannelCredentials.create())
            .build();
  }

  /** One server on the default store, shared by the tests of this JVM (loading takes seconds). */
  static synchronized ServerFixture defaultStore() throws Exception {
    if (defaultStore == null) {
      defaultStore = new ServerFixture(Path.of(System.getProperty("modelport.defaultStore")));
      Runtime.getRuntime().addShutdownHook(new Thread(defaultStore::close));
    }
    return defaultStore;
  }

  InferenceServiceGrpc.InferenceServiceBlockingStub inference() {
    return InferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  InferenceServiceGrpc.InferenceServiceStub inferenceAsync() {
    return InferenceServiceGrpc.newStub(channel);
  }

  ModelServiceGrpc.ModelServiceBlockingStub models() {
    return ModelServiceGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.stop();
  }
}
