package dev.modelport.server.batching;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelport.server.errors.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A drain that runs out of time, and the observer each batch reports to. */
class WorkerPoolDrainTest {
  @Test
  void drainPastItsGrace_failsWhatIsQueuedWithUnavailable_andReportsUnclean() throws Exception {
    Batcher<FakeItem> b = new Batcher<>("m", new BatchPolicy(1, 0, 0, 100));
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    WorkerPool<FakeItem> pool = new WorkerPool<>("m", b);
    pool.start(
            List.of(
                () ->
                    new WorkerPoolTest.EchoRunner(new java.util.concurrent.atomic.AtomicInteger()) {
                      @Override
                      public void run(List<FakeItem> batch) {
                        running.countDown();
                        try {
                          never.await(); // stuck until interrupted by the drain
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                      }
                    }))
        .get(30, TimeUnit.SECONDS);
    FakeItem stuck = new FakeItem("stuck", 1);
    b.offer(stuck);
    running.await();
    List<FakeItem> queued = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      FakeItem q = new FakeItem("q" + i, 1);
      queued.add(q);
      b.offer(q);
    }
    long start = System.nanoTime();
    assertThat(pool.drain(Duration.ofMillis(200))).isFalse();
    assertThat(System.nanoTime() - start)
        .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
    for (FakeItem q : queued) {
      assertThat(WorkerPoolTest.failure(q).code()).isEqualTo(ErrorCode.UNAVAILABLE);
      assertThat(WorkerPoolTest.failure(q).getMessage()).isEqualTo("m: shutting down");
    }
    assertThat(WorkerPoolTest.failure(stuck).code()).isEqualTo(ErrorCode.INTERNAL);
    assertThat(b.queued()).isZero();
  }

  @Test
  void everyBatch_isReportedToTheObserver_withItsItemsTimesAndOutcome() throws Exception {
    record Seen(List<String> ids, long start, long end, boolean failed) {}
    List<Seen> seen = new CopyOnWriteArrayList<>();
    Batcher<FakeItem> b = new Batcher<>("m", new BatchPolicy(1, 0, 0, 100));
    WorkerPool<FakeItem> pool =
        new WorkerPool<>(
            "m",
            b,
            (batch, s, e, failed) ->
                seen.add(
                    new Seen(batch.stream().map(i -> ((FakeItem) i).id).toList(), s, e, failed)));
    pool.start(
            List.of(
                () ->
                    new WorkerPoolTest.EchoRunner(new java.util.concurrent.atomic.AtomicInteger())))
        .get(30, TimeUnit.SECONDS);
    FakeItem ok = new FakeItem("ok", 1);
    FakeItem boom = new FakeItem("boom", 1);
    b.offer(ok);
    b.offer(boom);
    ok.result.get(30, TimeUnit.SECONDS);
    WorkerPoolTest.failure(boom);
    assertThat(pool.drain(Duration.ofSeconds(30))).isTrue();
    assertThat(seen).extracting(Seen::ids).containsExactly(List.of("ok"), List.of("boom"));
    assertThat(seen).extracting(Seen::failed).containsExactly(false, true);
    assertThat(seen).allSatisfy(x -> assertThat(x.end()).isGreaterThanOrEqualTo(x.start()));
  }

  @Test
  void aBatchIsCutAtMaxRows_exactly() throws Exception {
    Batcher<FakeItem> b = new Batcher<>("m", new BatchPolicy(4, 0, 0, 100));
    b.offer(new FakeItem("a", 2));
    b.offer(new FakeItem("b", 2)); // exactly 4 rows: fits
    b.offer(new FakeItem("c", 1)); // one over
    assertThat(b.nextBatch()).extracting(i -> i.id).containsExactly("a", "b");
    assertThat(b.nextBatch()).extracting(i -> i.id).containsExactly("c");
    assertThat(b.isClosed()).isFalse();
    b.close();
    assertThat(b.isClosed()).isTrue();
  }
}
