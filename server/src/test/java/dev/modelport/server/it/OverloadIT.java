package dev.modelport.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelport.server.runtime.ServedVersion;
import dev.modelport.server.testing.TempStore;
import dev.modelport.v1.PredictRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Far more callers than capacity on a model with a small queue: only OK or RESOURCE_EXHAUSTED, the
 * queue never grows past its bound, and the model serves normally once the load drops.
 */
class OverloadIT {
  static ServerFixture fx;

  @BeforeAll
  static void start() throws Exception {
    TempStore store = new TempStore().copy("all-minilm-l6-v2", "slow");
    store.write(
        "slow/config.pbtxt",
        """
        max_batch_size: 4
        output { name: "embedding" dtype: DATA_TYPE_FLOAT32 shape: [384] }
        dynamic_batching { max_queue_size: 4 }
        translator { name: "text_embedding" }
        """);
    fx = new ServerFixture(store.root);
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  @Test
  void overload_isShedWithResourceExhausted_andRecoversAtOnce() throws Exception {
    PredictRequest req =
        Requests.texts("modelport under load ".repeat(40)).toBuilder().setModelName("slow").build();
    Map<Status.Code, AtomicInteger> codes = new ConcurrentHashMap<>();
    List<Long> rejectionNanos = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger maxQueued = new AtomicInteger();
    AtomicBoolean running = new AtomicBoolean(true);
    ServedVersion version = fx.server.registry().resolve("slow", "");
    Thread sampler =
        new Thread(
            () -> {
              while (running.get()) {
                maxQueued.accumulateAndGet(version.queued(), Math::max);
                java.util.concurrent.locks.LockSupport.parkNanos(
                    100_000); // poll; a spin would take the core the awaited thread needs
              }
            });
    sampler.start();
    List<Thread> callers = new ArrayList<>();
    AtomicInteger budget = new AtomicInteger(3000);
    for (int c = 0; c < 64; c++) {
      Thread t =
          new Thread(
              () -> {
                var stub = fx.inference();
                while (budget.decrementAndGet() >= 0) {
                  long t0 = System.nanoTime();
                  Status.Code code;
                  try {
                    stub.withDeadlineAfter(60, TimeUnit.SECONDS).predict(req);
                    code = Status.Code.OK;
                  } catch (StatusRuntimeException e) {
                    code = e.getStatus().getCode();
                    if (code == Status.Code.RESOURCE_EXHAUSTED) {
                      rejectionNanos.add(System.nanoTime() - t0);
                    }
                  }
                  codes.computeIfAbsent(code, k -> new AtomicInteger()).incrementAndGet();
                }
              });
      callers.add(t);
      t.start();
    }
    for (Thread t : callers) {
      t.join();
    }
    running.set(false);
    sampler.join();

    assertThat(codes.keySet()).containsOnly(Status.Code.OK, Status.Code.RESOURCE_EXHAUSTED);
    assertThat(codes.get(Status.Code.RESOURCE_EXHAUSTED).get()).isPositive();
    assertThat(codes.get(Status.Code.OK).get()).isPositive();
    assertThat(maxQueued.get()).isLessThanOrEqualTo(4);
    // load gone: the very next call is served
    assertThat(fx.inference().predict(req).getOutputs(0).getShapeList()).containsExactly(1L, 384L);
    List<Long> sorted = new ArrayList<>(rejectionNanos);
    Collections.sort(sorted);
    System.out.printf(
        "OverloadIT: %s; rejections answered in p50 %.2f ms, p99 %.2f ms (client side)%n",
        codes, sorted.get(sorted.size() / 2) / 1e6, sorted.get((int) (sorted.size() * 0.99)) / 1e6);
  }
}
