package dev.modelport.server.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelport.server.errors.ErrorCode;
import dev.modelport.server.errors.ModelportException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {
  /** Answers each item with its id and the size of the batch it ran in; fails on "boom". */
  static class EchoRunner implements BatchRunner<FakeItem> {
    final AtomicInteger closed;

    EchoRunner(AtomicInteger closed) {
      this.closed = closed;
    }

    @Override
    public void run(List<FakeItem> batch) {
      for (FakeItem i : batch) {
        if (i.id.equals("boom")) {
          throw new IllegalStateException("engine exploded");
        }
      }
      for (FakeItem i : batch) {
        if (!i.id.equals("forgotten")) {
          i.result.complete(i.id + "/" + batch.size());
        }
      }
    }

    @Override
    public void close() {
      closed.incrementAndGet();
    }
  }

  static ModelportException failure(FakeItem i) {
    ExecutionException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ExecutionException.class, () -> i.result.get(30, TimeUnit.SECONDS));
    return (ModelportException) e.getCause();
  }

  @Test
  void aBatchIsObservedBeforeItsAnswers_whenTheRunnerSaysWhenItComputed() throws Exception {
    Batcher<FakeItem> b = new Batcher<>("m", new BatchPolicy(1, 0, 0, 100));
    java.util.List<Boolean> doneWhenObserved = new java.util.concurrent.CopyOnWriteArrayList<>();
    BatchObserver observer =
        (batch, startNanos, endNanos, failed) ->
            batch.forEach(i -> doneWhenObserved.add(i.isDone()));
    WorkerPool<FakeItem> pool = new WorkerPool<>("m", b, observer);
    BatchRunner<FakeItem> runner =
        new EchoRunner(new AtomicInteger()) {
          @Override
          public void run(List<FakeItem> batch, Runnable computed) {
            computed.run();
            run(batch);
          }
        };
    pool.start(List.of(() -> runner)).get(30, TimeUnit.SECONDS);
    FakeItem a = new FakeItem("a", 1);
    b.offer(a);
    assertThat(a.result.get(30, TimeUnit.SECONDS)).isEqualTo("a/1");
    // observed before the answer: by the time the caller has it, the batch is counted
    assertThat(doneWhenObserved).containsExactly(false);
    assertThat(pool.drain(Duration.ofSeconds(30))).isTrue();
  }

  @Test
  void engineFailure_failsThatBatchWithInternal_andKeepsServing() throws Exception {
    Batcher<FakeItem> b = new Batcher<>("m", new BatchPolicy(1, 0, 0, 100));
    AtomicInteger closed = new AtomicInteger();
    WorkerPool<FakeItem> pool = new WorkerPool<>("m", b);
    pool.start(List.of(() -> new EchoRunner(closed))).get(30, TimeUnit.SECONDS);
    FakeItem boom = new FakeItem("boom", 1);
    FakeItem forgotten = new FakeItem("forgotten", 1);
    FakeItem ok = new FakeItem("ok", 1);
    b.offer(boom);
    b.offer(forgotten);
    b.offer(ok);
    assertThat(ok.result.get(30, TimeUnit.SECONDS)).isEqualTo("ok/1");
    assertThat(failure(boom).code()).isEqualTo(ErrorCode.INTERNAL);
    assertThat(failure(boom).getMessage()).contains("engine exploded");
    assertThat(failure(forgotten).getMessage()).contains("no result");
    assertThat(pool.drain(Duration.ofSeconds(30))).isTrue();
    assertThat(closed).hasValue(1);
  }

  @Test
  void drain_finishesQueuedWork_thenClosesEveryRunner() throws Exception {
    Batcher<FakeItem> b = new Batcher<>("m", new BatchPolicy(2, 0, 0, 1000));
    CountDownLatch gate = new CountDownLatch(1);
    AtomicInteger closed = new AtomicInteger();
    WorkerPool<FakeItem> pool = new WorkerPool<>("m", b);
    pool.start(
            List.of(
                () ->
                    new EchoRunner(closed) {
                      @Override
                      public void run(List<FakeItem> batch) {
                        try {
                          gate.await();
                        } catch (InterruptedException e) {
                          throw new IllegalStateException(e);
                        }
                        super.run(batch);
                      }
                    },
                () -> new EchoRunner(closed)))
        .get(30, TimeUnit.SECONDS);
    List<FakeItem> items = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      FakeItem it = new FakeItem("r" + i, 1);
      items.add(it);
      b.offer(it);
    }
    Thread opener = new Thread(gate::countDown);
    opener.start();
    assertThat(pool.drain(Duration.ofSeconds(30))).isTrue();
    for (FakeItem it : items) {
      assertThat(it.result.get(0, TimeUnit.SECONDS)).startsWith(it.id + "/");
    }
    assertThat(closed).hasValue(2);
    assertThat(b.offer(new FakeItem("late", 1))).isEqualTo(Batcher.Offer.CLOSED);
  }

  @Test
  void runnerCreationFailure_failsStart() {
    Batcher<FakeItem> b = new Batcher<>("m", new BatchPolicy(1, 0, 0, 10));
    WorkerPool<FakeItem> pool = new WorkerPool<>("m", b);
    assertThatThrownBy(
            () ->
                pool.start(
                        List.of(
                            () -> {
                              throw new IllegalStateException("no device");
                            }))
                    .get(30, TimeUnit.SECONDS))
        .hasRootCauseMessage("no device");
  }
}
