package dev.modelport.server.it;

import static dev.modelport.server.it.Requests.CLASSIC_IRIS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** PredictStream: every item answered once, matched by request_id; bad items fail alone. */
class StreamIT {
  static ServerFixture fx;

  @BeforeAll
  static void start() throws Exception {
    fx = ServerFixture.defaultStore();
  }

  @Test
  void fiveHundredItems_withBadOnesMixedIn_eachAnsweredOnce() throws Exception {
    Map<String, PredictResponse> answers = new ConcurrentHashMap<>();
    Map<String, Integer> duplicates = new ConcurrentHashMap<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<PredictRequest> in =
        fx.inferenceAsync()
            .withDeadlineAfter(120, TimeUnit.SECONDS)
            .predictStream(
                new StreamObserver<>() {
                  @Override
                  public void onNext(PredictResponse r) {
                    if (answers.putIfAbsent(r.getRequestId(), r) != null) {
                      duplicates.merge(r.getRequestId(), 1, Integer::sum);
                    }
                  }

                  @Override
                  public void onError(Throwable t) {
                    done.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    done.complete(null);
                  }
                });
    Map<String, Status.Code> expected = new HashMap<>();
    for (int i = 0; i < 500; i++) {
      String id = "req-" + i;
      int row = i % CLASSIC_IRIS.length;
      PredictRequest.Builder r =
          Requests.iris(i % 2 == 0 ? "iris" : "iris-mlp", CLASSIC_IRIS[row]).toBuilder()
              .setRequestId(id);
      Status.Code code = Status.Code.OK;
      if (i % 7 == 3) {
        r.setInputs(0, r.getInputs(0).toBuilder().addFloatVal(1f)); // value count off by one
        code = Status.Code.INVALID_ARGUMENT;
      } else if (i % 11 == 5) {
        r.setModelName("no-such-model");
        code = Status.Code.NOT_FOUND;
      } else if (i % 13 == 6) {
        r.setModelVersion("9");
        code = Status.Code.NOT_FOUND;
      }
      expected.put(id, code);
      in.onNext(r.build());
    }
    in.onCompleted();
    done.get(120, TimeUnit.SECONDS);

    assertThat(duplicates).isEmpty();
    assertThat(answers).hasSize(500);
    for (int i = 0; i < 500; i++) {
      String id = "req-" + i;
      PredictResponse r = answers.get(id);
      Status.Code want = expected.get(id);
      if (want == Status.Code.OK) {
        assertThat(r.hasError()).as(id).isFalse();
        float[] p = Requests.rows(r, 0)[0];
        assertThat(Requests.argmax(p)).as(id).isEqualTo((i % CLASSIC_IRIS.length) / 2);
      } else {
        assertThat(r.getError().getCode()).as(id).isEqualTo(want.value());
        assertThat(r.getError().getMessage()).as(id).isNotEmpty();
        assertThat(r.getOutputsCount()).isZero();
      }
    }
  }
}
