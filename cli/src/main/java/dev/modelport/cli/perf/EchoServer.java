package dev.modelport.cli.perf;

import dev.modelport.v1.InferenceServiceGrpc;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import java.io.IOException;

/**
 * The transport's floor: a grpc-java server with the same service and message shapes as modelport,
 * answering every Predict at once with a canned response of the model's output size. Same process,
 * same transport (Netty on loopback), no model, no batcher.
 */
final class EchoServer implements AutoCloseable {
  private final Server server;

  EchoServer(PredictResponse canned) throws IOException {
    server =
        // directExecutor: the floor is the fastest grpc-java answers, with no thread hop at all.
        Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
            .directExecutor()
            .addService(
                new InferenceServiceGrpc.InferenceServiceImplBase() {
                  @Override
                  public void predict(PredictRequest request, StreamObserver<PredictResponse> out) {
                    out.onNext(canned.toBuilder().setRequestId(request.getRequestId()).build());
                    out.onCompleted();
                  }
                })
            .build()
            .start();
  }

  int port() {
    return server.getPort();
  }

  /**
   * Runs an echo server in its own process, as the real server runs in its own: {@code --status
   * JSON} (a ModelStatus, for the output shapes) and {@code --rows N}. Prints its port, then serves
   * until stdin closes.
   */
  public static void main(String[] argv) throws Exception {
    String status = null;
    int rows = 1;
    for (int i = 0; i + 1 < argv.length; i += 2) {
      switch (argv[i]) {
        case "--status" -> status = argv[i + 1];
        case "--rows" -> rows = Integer.parseInt(argv[i + 1]);
        default -> throw new IllegalArgumentException(argv[i]);
      }
    }
    dev.modelport.v1.ModelStatus.Builder s = dev.modelport.v1.ModelStatus.newBuilder();
    com.google.protobuf.util.JsonFormat.parser().merge(status, s);
    try (EchoServer echo =
        new EchoServer(Workload.cannedResponse(s.getName(), s.getOutputsList(), rows))) {
      System.out.println("echo-port " + echo.port());
      System.out.flush();
      while (System.in.read() >= 0) {
        // serve until the parent closes our stdin
      }
    }
  }

  @Override
  public void close() {
    server.shutdownNow();
  }
}
