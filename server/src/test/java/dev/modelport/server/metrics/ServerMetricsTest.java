package dev.modelport.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelport.server.admission.Admission;
import dev.modelport.server.admission.MemoryBudget;
import dev.modelport.server.admission.ReceiveSlots;
import dev.modelport.server.batching.BatchItem;
import dev.modelport.server.batching.BatchObserver;
import dev.modelport.server.errors.ModelportException;
import dev.modelport.server.runtime.BatchTranslator;
import dev.modelport.server.runtime.InferenceRequest;
import dev.modelport.server.runtime.ServedVersion;
import dev.modelport.server.tensor.Signature;
import dev.modelport.store.VersionEntry;
import dev.modelport.v1.ModelConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What the Prometheus scrape shows for requests, batches, versions and admission. */
class ServerMetricsTest {
  /** A served version with a fixed queue depth and device list. */
  record Version(String modelName, long version, int queued, List<String> deviceNames)
      implements ServedVersion {
    @Override
    public VersionEntry entry() {
      return null;
    }

    @Override
    public ModelConfig config() {
      return ModelConfig.getDefaultInstance();
    }

    @Override
    public String engine() {
      return "OnnxRuntime";
    }

    @Override
    public Signature signature() {
      return null;
    }

    @Override
    public BatchTranslator translator() {
      return null;
    }

    @Override
    public dev.modelport.server.batching.Batcher.Offer submit(InferenceRequest request) {
      return dev.modelport.server.batching.Batcher.Offer.CLOSED;
    }

    @Override
    public dev.modelport.server.errors.ModelportException queueFull() {
      return dev.modelport.server.errors.ModelportException.resourceExhausted(
          modelName() + ": queue full");
    }

    @Override
    public void unload(Duration grace) {}
  }

  record Item(int rows, long createdNanos, boolean counted) implements BatchItem {
    Item(int rows, long createdNanos) {
      this(rows, createdNanos, true);
    }

    @Override
    public ModelportException dropReason() {
      return null;
    }

    @Override
    public Object batchKey() {
      return "";
    }

    @Override
    public boolean isDone() {
      return true;
    }

    @Override
    public void fail(Throwable error) {}
  }

  static String line(String body, String prefix) {
    return body.lines().filter(l -> l.startsWith(prefix)).findFirst().orElse("(none)");
  }

  @Test
  void requests_areCountedByModelVersionAndCode_unknownModelsPooled() {
    ServerMetrics m = new ServerMetrics();
    m.knownModels(name -> name.equals("iris"));
    m.versionLoaded(new Version("iris", 1, 0, List.of("cpu()")));
    m.recordRequest("iris", "1", "OK", TimeUnit.MILLISECONDS.toNanos(3));
    m.recordRequest("iris", "1", "OK", TimeUnit.MILLISECONDS.toNanos(5));
    m.recordRequest("iris", "7", "NOT_FOUND", 1000); // a version that is not served: no label
    m.recordRequest("nope", "1", "NOT_FOUND", 1000); // an unknown model: pooled
    String body = m.scrape();
    assertThat(body)
        .contains("modelport_requests_total{code=\"OK\",model=\"iris\",version=\"1\"} 2.0")
        .contains("modelport_requests_total{code=\"NOT_FOUND\",model=\"iris\",version=\"\"} 1.0")
        .contains(
            "modelport_requests_total{code=\"NOT_FOUND\",model=\"_unknown\",version=\"\"} 1.0")
        .contains("modelport_request_duration_seconds_count{model=\"iris\",version=\"1\"} 2")
        .contains("modelport_request_duration_seconds_sum{model=\"iris\",version=\"1\"} 0.008");
    // the OIP statistics' success and failure totals (ModelStatistics)
    assertThat(m.outcomes("iris")).containsExactly(2, TimeUnit.MILLISECONDS.toNanos(8), 1, 1000);
    assertThat(m.outcomes("_unknown")).containsExactly(0, 0, 1, 1000);
    assertThat(m.outcomes("never")).containsExactly(0, 0, 0, 0);
  }

  @Test
  void batches_recordRowsWaitComputeAndFailures() {
    ServerMetrics m = new ServerMetrics();
    BatchObserver o = m.batchObserver("iris", 1);
    long start = System.nanoTime();
    o.onBatch(
        List.of(new Item(2, start - TimeUnit.MILLISECONDS.toNanos(4)), new Item(3, 0)),
        start,
        start + TimeUnit.MILLISECONDS.toNanos(6),
        false);
    o.onBatch(List.of(new Item(1, start)), start, start, true);
    String body = m.scrape();
    String[] iris = {"model=\"iris\",version=\"1\""};
    assertThat(line(body, "modelport_batch_size_rows_count{" + iris[0])).endsWith(" 2");
    assertThat(line(body, "modelport_batch_size_rows_sum{" + iris[0])).endsWith(" 6.0");
    assertThat(line(body, "modelport_batch_failures_total{" + iris[0])).endsWith(" 1.0");
    assertThat(line(body, "modelport_compute_seconds_count{" + iris[0])).endsWith(" 2");
    assertThat(line(body, "modelport_compute_seconds_sum{" + iris[0])).endsWith(" 0.006");
    // The item without a creation time (0) is not a queue wait: 2 waits, not 3.
    assertThat(line(body, "modelport_queue_wait_seconds_count{" + iris[0])).endsWith(" 2");
    assertThat(line(body, "modelport_queue_wait_seconds_sum{" + iris[0])).endsWith(" 0.004");
    // the same as OIP statistics: totals, and executions and compute time per batch size
    long before = System.currentTimeMillis();
    ServerMetrics.InferStats stats = m.inferStats("iris", 1);
    assertThat(stats.executions()).isEqualTo(2);
    assertThat(stats.inferences()).isEqualTo(6);
    assertThat(stats.queueCount()).isEqualTo(2);
    assertThat(stats.queueNanos()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(4));
    assertThat(stats.computeNanos()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(6));
    assertThat(stats.byBatchSize()).containsOnlyKeys(1, 5);
    assertThat(stats.byBatchSize().get(5)).containsExactly(1, TimeUnit.MILLISECONDS.toNanos(6));
    assertThat(stats.byBatchSize().get(1)).containsExactly(1, 0);
    assertThat(stats.lastInferenceMillis()).isPositive().isLessThanOrEqualTo(before);
    assertThat(m.inferStats("iris", 2)).isNull();
    // a batch of warm-up items only (not counted) leaves every figure as it was
    o.onBatch(List.of(new Item(1, 1, false)), start, start + 1000, false);
    assertThat(stats.executions()).isEqualTo(2);
    assertThat(stats.byBatchSize()).containsOnlyKeys(1, 5);
    assertThat(line(m.scrape(), "modelport_batch_size_rows_count{" + iris[0])).endsWith(" 2");
  }

  @Test
  void versionGauges_followTheServingInstance_andGoWithTheLastOne() {
    ServerMetrics m = new ServerMetrics();
    Version first = new Version("iris", 1, 3, List.of("cpu()", "cpu()"));
    Version second = new Version("iris", 1, 5, List.of("gpu(0)"));
    m.versionLoaded(first);
    assertThat(m.scrape())
        .contains("modelport_queue_depth_requests{model=\"iris\",version=\"1\"} 3.0")
        .contains("modelport_instances{device=\"cpu()\",model=\"iris\",version=\"1\"} 2.0");
    m.versionLoaded(second); // a changed version swapped in before the first unloads
    m.versionUnloaded(first);
    String body = m.scrape();
    assertThat(body)
        .contains("modelport_queue_depth_requests{model=\"iris\",version=\"1\"} 5.0")
        .contains("modelport_instances{device=\"gpu(0)\",model=\"iris\",version=\"1\"} 1.0")
        .doesNotContain("device=\"cpu()\"");
    m.knownModels(n -> true);
    m.recordRequest("iris", "1", "OK", 1); // still labelled with its version
    assertThat(m.scrape()).contains("code=\"OK\",model=\"iris\",version=\"1\"} 1.0");
    m.versionUnloaded(second);
    assertThat(m.scrape()).doesNotContain("modelport_queue_depth_requests{");
    m.loadFailed("iris");
    assertThat(m.scrape()).contains("modelport_load_failures_total{model=\"iris\"} 1.0");
  }

  @Test
  void admission_showsTheBudgetAndTheSlots() {
    ServerMetrics m = new ServerMetrics();
    MemoryBudget budget = new MemoryBudget(1000);
    ReceiveSlots slots = new ReceiveSlots(3);
    m.admission(new Admission(budget, slots));
    budget.tryAcquire(400);
    budget.tryAcquire(700); // refused
    slots.acquire(() -> {});
    String body = m.scrape();
    assertThat(body)
        .contains("modelport_request_memory_in_use_bytes 400.0")
        .contains("modelport_request_memory_capacity_bytes 1000.0")
        .contains("modelport_request_memory_refusals_total 1.0")
        .contains("modelport_receive_slots_in_use 1.0")
        .contains("modelport_receive_slots_capacity 3.0")
        .contains("modelport_receive_slots_waiting 0.0");
  }
}
