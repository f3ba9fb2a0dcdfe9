package example;

import dev.modelport.client.ModelportClient;
import dev.modelport.client.PredictOptions;
import dev.modelport.client.RetryPolicy;
import dev.modelport.client.StreamResult;
import dev.modelport.client.StreamResults;
import dev.modelport.client.Tensors;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.stream.IntStream;

/**
 * Calls a modelport server the way another JVM service would: one unary prediction, a typed error,
 * and 1,000 rows on one stream. Usage: {@code IrisExample host:port}. Exits 1 if anything is off.
 */
public final class IrisExample {
  public static void main(String[] args) throws Exception {
    String target = args.length > 0 ? args[0] : "localhost:8500";
    try (ModelportClient client =
        ModelportClient.builder()
            .target(target)
            .defaultDeadline(Duration.ofSeconds(10))
            .retryPolicy(
                RetryPolicy.DEFAULT.withCodes(
                    Status.Code.UNAVAILABLE, Status.Code.RESOURCE_EXHAUSTED))
            .build()) {
      // 1. unary: one flower, answer read by output name
      PredictResponse r =
          client
              .withDeadline(Duration.ofSeconds(2))
              .predict(
                  "iris", Tensors.of("features", new float[][] {{5.1f, 3.5f, 1.4f, 0.2f}}));
      float[][] p = Tensors.toFloatMatrix(Tensors.output(r, "probabilities"));
      System.out.println("iris v" + r.getModelVersion() + ": " + Arrays.toString(p[0]));
      check(p[0][0] > 0.5f, "setosa expected first");

      // 2. a bad request: the status and the server's message name the problem
      try {
        client.predict("iris", Tensors.of("features", new float[][] {{1f, 2f}}));
        check(false, "a 2-column row must be refused");
      } catch (StatusRuntimeException e) {
        System.out.println("refused as expected: " + e.getMessage());
        check(e.getStatus().getCode() == Status.Code.INVALID_ARGUMENT, "INVALID_ARGUMENT expected");
      }

      // 3. 1,000 rows on one stream, typed outputs, request ids set on every result
      Iterator<PredictRequest> rows =
          IntStream.range(0, 1000)
              .mapToObj(
                  i ->
                      PredictRequest.newBuilder()
                          .setModelName("iris")
                          .addInputs(
                              Tensors.of(
                                  "features", new float[][] {{i % 8, 3f, (i % 7) * 0.9f, 0.4f}}))
                          .build())
              .iterator();
      long ok = 0;
      try (StreamResults results =
          client.withOptions(PredictOptions.builder().rawOutput(true).build()).predictAll(rows, 64, true)) {
        while (results.hasNext()) {
          StreamResult s = results.next();
          check(!s.request().getRequestId().isEmpty(), "every result names its request");
          if (s.ok()) {
            ok++;
          }
        }
      }
      System.out.println("stream: " + ok + " of 1000 answered");
      check(ok == 1000, "every row answered");
    }
    System.out.println("example: OK");
  }

  private static void check(boolean condition, String what) {
    if (!condition) {
      System.err.println("example: FAILED: " + what);
      System.exit(1);
    }
  }
}
