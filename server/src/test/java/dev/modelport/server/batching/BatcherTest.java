package dev.modelport.server.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelport.server.errors.ErrorCode;
import dev.modelport.server.errors.ModelportException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BatcherTest {
  static BatchPolicy policy(int maxRows, long delayNanos, int target, int queue) {
    return new BatchPolicy(maxRows, delayNanos, target, queue);
  }

  static List<String> ids(List<FakeItem> batch) {
    return batch.stream().map(i -> i.id).toList();
  }

  @Test
  void fullQueue_rejectsWithResourceExhausted() {
    Batcher<FakeItem> b = new Batcher<>("m", policy(8, 0, 0, 2));
    assertThat(b.offer(new FakeItem("a", 1))).isEqualTo(Batcher.Offer.QUEUED);
    assertThat(b.offer(new FakeItem("b", 1))).isEqualTo(Batcher.Offer.QUEUED);
    assertThat(b.offer(new FakeItem("c", 1))).isEqualTo(Batcher.Offer.FULL);
    assertThat(b.queueFull())
        .satisfies(e -> assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED))
        .hasMessage("m: queue full (2 requests waiting); retry later");
    assertThat(b.queued()).isEqualTo(2);
  }

  @Test
  void noDelay_takesEverythingQueuedAtOnce() throws Exception {
    Batcher<FakeItem> b = new Batcher<>("m", policy(8, 0, 0, 100));
    for (String id : List.of("a", "b", "c")) {
      b.offer(new FakeItem(id, 1));
    }
    assertThat(ids(b.nextBatch())).containsExactly("a", "b", "c");
    assertThat(b.queued()).isZero();
  }

  @Test
  void maxBatchRows_isCountedInRows_andOrderIsKept() throws Exception {
    Batcher<FakeItem> b = new Batcher<>("m", policy(8, 0, 0, 100));
    b.offer(new FakeItem("a", 3));
    b.offer(new FakeItem("b", 3));
    b.offer(new FakeItem("c", 3));
    b.offer(new FakeItem("d", 2));
    assertThat(ids(b.nextBatch())).containsExactly("a", "b");
    assertThat(ids(b.nextBatch())).containsExactly("c", "d");
  }

  @Test
  void differentBatchKeys_neverShareABatch() throws Exception {
    Batcher<FakeItem> b = new Batcher<>("m", policy(8, 0, 0, 100));
    FakeItem a = new FakeItem("a", 1);
    FakeItem c = new FakeItem("c", 1);
    FakeItem d = new FakeItem("d", 1);
    a.key = List.of(5L);
    c.key = List.of(7L);
    d.key = List.of(7L);
    b.offer(a);
    b.offer(c);
    b.offer(d);
    assertThat(ids(b.nextBatch())).containsExactly("a");
    assertThat(ids(b.nextBatch())).containsExactly("c", "d");
  }

  @Test
  void nonBatchingModel_runsOneRequestPerBatch() throws Exception {
    Batcher<FakeItem> b = new Batcher<>("m", policy(0, 1_000_000_000L, 0, 100));
    b.offer(new FakeItem("a", 1));
    b.offer(new FakeItem("b", 1));
    assertThat(ids(b.nextBatch())).containsExactly("a");
    assertThat(ids(b.nextBatch())).containsExactly("b");
  }

  @Test
  void withDelay_waitsUntilTargetRowsArrive() throws Exception {
    // An hour of delay: the batch can only be released by reaching the target of 4 rows. The
    // worker must be seen waiting with 1 row and again with 3; without the delay it would return
    // ["a"] at once (seen: the first wait for a parked worker fails).
    Batcher<FakeItem> b = new Batcher<>("m", policy(8, TimeUnit.HOURS.toNanos(1), 4, 100));
    b.offer(new FakeItem("a", 1));
    CompletableFuture<List<FakeItem>> batch = new CompletableFuture<>();
    Thread worker =
        new Thread(
            () -> {
              try {
                batch.complete(b.nextBatch());
              } catch (Throwable e) {
                batch.completeExceptionally(e);
              }
            });
    worker.start();
    awaitParked(worker, batch);
    b.offer(new FakeItem("b", 2));
    awaitParked(worker, batch);
    assertThat(batch).isNotDone();
    b.offer(new FakeItem("c", 1));
    assertThat(ids(batch.get(30, TimeUnit.SECONDS))).containsExactly("a", "b", "c");
  }

  /** Waits (bounded) until {@code t} is parked in a timed wait, failing if the batch came first. */
  private static void awaitParked(Thread t, CompletableFuture<?> batch) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (t.getState() != Thread.State.TIMED_WAITING) {
      assertThat(batch).as("the worker returned instead of waiting").isNotDone();
      assertThat(System.nanoTime()).as("the worker waits").isLessThan(deadline);
      java.util.concurrent.locks.LockSupport.parkNanos(
          100_000); // poll; a spin would take the core the awaited thread needs
    }
  }

  @Test
  void withDelay_runsWhatItHasWhenTheDelayRunsOut() throws Exception {
    long delay = TimeUnit.MILLISECONDS.toNanos(20);
    Batcher<FakeItem> b = new Batcher<>("m", policy(8, delay, 4, 100));
    long start = System.nanoTime();
    b.offer(new FakeItem("a", 1));
    assertThat(ids(b.nextBatch())).containsExactly("a");
    // A lower bound, not a speed target: the request must have been held for the delay.
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(delay);
  }

  @Test
  void withDelay_doesNotWaitWhenTheNextRequestDoesNotFit() throws Exception {
    Batcher<FakeItem> b = new Batcher<>("m", policy(4, TimeUnit.HOURS.toNanos(1), 4, 100));
    b.offer(new FakeItem("a", 2));
    b.offer(new FakeItem("b", 3));
    assertThat(ids(b.nextBatch())).containsExactly("a");
  }

  @Test
  void droppedItems_areFailedWithTheirReason_andNeverBatched() throws Exception {
    Batcher<FakeItem> b = new Batcher<>("m", policy(8, 0, 0, 100));
    FakeItem late = new FakeItem("late", 1);
    late.dropReason = new ModelportException(ErrorCode.DEADLINE_EXCEEDED, "deadline passed");
    b.offer(late);
    b.offer(new FakeItem("ok", 1));
    assertThat(ids(b.nextBatch())).containsExactly("ok");
    assertThatThrownBy(late.result::get)
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(
            ModelportException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED));
  }

  @Test
  void itemsExpiringWhileTheBatchWaits_areDroppedBeforeItRuns() throws Exception {
    Batcher<FakeItem> b = new Batcher<>("m", policy(8, TimeUnit.HOURS.toNanos(1), 2, 100));
    FakeItem early = new FakeItem("early", 1);
    b.offer(early);
    CompletableFuture<List<FakeItem>> batch =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return b.nextBatch();
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    // Wait until the worker has taken "early" into a batch that waits for a second row...
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (b.queued() > 0 && System.nanoTime() < until) {
      java.util.concurrent.locks.LockSupport.parkNanos(
          100_000); // poll; a spin would take the core the awaited thread needs
    }
    assertThat(b.queued()).isZero();
    // ...then let its deadline pass, and complete the batch with a request of two rows.
    early.dropReason = new ModelportException(ErrorCode.DEADLINE_EXCEEDED, "deadline passed");
    b.offer(new FakeItem("late", 2));
    List<FakeItem> got = batch.get(30, TimeUnit.SECONDS);
    assertThat(ids(got)).containsExactly("late");
    assertThat(early.result).isCompletedExceptionally();
  }

  @Test
  void close_handsOutWhatIsQueued_thenNull_andRefusesNewWork() throws Exception {
    Batcher<FakeItem> b = new Batcher<>("m", policy(1, 0, 0, 100));
    b.offer(new FakeItem("a", 1));
    b.offer(new FakeItem("b", 1));
    b.close();
    assertThat(b.offer(new FakeItem("c", 1))).isEqualTo(Batcher.Offer.CLOSED);
    assertThat(ids(b.nextBatch())).containsExactly("a");
    assertThat(ids(b.nextBatch())).containsExactly("b");
    assertThat(b.nextBatch()).isNull();
  }

  @Test
  void abort_failsEverythingQueued() {
    Batcher<FakeItem> b = new Batcher<>("m", policy(1, 0, 0, 100));
    FakeItem a = new FakeItem("a", 1);
    b.offer(a);
    b.abort(new ModelportException(ErrorCode.UNAVAILABLE, "bye"));
    assertThat(a.result).isCompletedExceptionally();
  }
}
