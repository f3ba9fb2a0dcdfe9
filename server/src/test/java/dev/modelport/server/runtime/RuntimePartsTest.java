package dev.modelport.server.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import dev.modelport.server.batching.BatchPolicy;
import dev.modelport.server.errors.ErrorCode;
import dev.modelport.server.errors.ModelportException;
import dev.modelport.server.tensor.HostTensor;
import dev.modelport.server.tensor.ValidatedRequest;
import dev.modelport.store.Engines;
import dev.modelport.store.VersionEntry;
import dev.modelport.v1.DataType;
import dev.modelport.v1.DynamicBatching;
import dev.modelport.v1.ModelConfig;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

/** The loader's engine options and batch policy, and a queued request's drop reasons and key. */
class RuntimePartsTest {
  private static final Path DIR = Path.of("m", "1");

  private static VersionEntry entry(String engine) {
    return new VersionEntry(1, DIR, DIR.resolve("model"), engine, null, "f");
  }

  @Test
  void onnxRuntimeOnCpu_getsItsShareOfTheCores_andDoesNotSpin() {
    int cores = Runtime.getRuntime().availableProcessors();
    List<Device> two = List.of(Device.cpu(), Device.cpu());
    Map<String, String> o =
        VersionLoader.engineOptions(
            ModelConfig.getDefaultInstance(), entry(Engines.ONNX_RUNTIME), two, Device.cpu());
    assertThat(o)
        .containsEntry("intraOpNumThreads", Integer.toString(Math.max(1, cores / 2)))
        .containsEntry("session.intra_op.allow_spinning", "0")
        .hasSize(2);
    // one CPU instance beside a GPU one: the GPU does not take a share of the cores
    Map<String, String> mixed =
        VersionLoader.engineOptions(
            ModelConfig.getDefaultInstance(),
            entry(Engines.ONNX_RUNTIME),
            List.of(Device.cpu(), Device.gpu(0)),
            Device.cpu());
    assertThat(mixed).containsEntry("intraOpNumThreads", Integer.toString(cores));
    // many instances on few cores: never 0 threads
    Map<String, String> many =
        VersionLoader.engineOptions(
            ModelConfig.getDefaultInstance(),
            entry(Engines.ONNX_RUNTIME),
            java.util.Collections.nCopies(cores + 1, Device.cpu()),
            Device.cpu());
    assertThat(many).containsEntry("intraOpNumThreads", "1");
  }

  @Test
  void theConfigsEngineOptions_win_andOtherEnginesAndGpusGetNoDefaults() {
    ModelConfig config =
        ModelConfig.newBuilder()
            .putEngineOptions("intraOpNumThreads", "7")
            .putEngineOptions("session.intra_op.allow_spinning", "1")
            .putEngineOptions("other", "x")
            .build();
    List<Device> one = List.of(Device.cpu());
    assertThat(VersionLoader.engineOptions(config, entry(Engines.ONNX_RUNTIME), one, Device.cpu()))
        .isEqualTo(config.getEngineOptionsMap());
    assertThat(
            VersionLoader.engineOptions(
                ModelConfig.getDefaultInstance(),
                entry(Engines.ONNX_RUNTIME),
                List.of(Device.gpu(0)),
                Device.gpu(0)))
        .isEmpty();
    assertThat(
            VersionLoader.engineOptions(
                ModelConfig.getDefaultInstance(), entry(Engines.PYTORCH), one, Device.cpu()))
        .isEmpty();
  }

  @Test
  void thePolicy_comesFromDynamicBatching() {
    ModelConfig config =
        ModelConfig.newBuilder()
            .setMaxBatchSize(32)
            .setDynamicBatching(
                DynamicBatching.newBuilder()
                    .addPreferredBatchSize(4)
                    .addPreferredBatchSize(16)
                    .addPreferredBatchSize(8)
                    .setMaxQueueDelayMicros(250)
                    .setMaxQueueSize(100))
            .build();
    assertThat(VersionLoader.policy(config)).isEqualTo(new BatchPolicy(32, 250_000, 16, 100));
    ModelConfig plain =
        ModelConfig.newBuilder()
            .setMaxBatchSize(8)
            .setDynamicBatching(DynamicBatching.newBuilder().setMaxQueueSize(5))
            .build();
    assertThat(VersionLoader.policy(plain)).isEqualTo(new BatchPolicy(8, 0, 8, 5));
  }

  private static ValidatedRequest request(long... shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    HostTensor x =
        HostTensor.numeric(
            "x", DataType.DATA_TYPE_FLOAT32, shape, ByteBuffer.allocate((int) n * 4));
    return new ValidatedRequest(List.of(x), (int) shape[0], List.of("y"), false, Map.of());
  }

  @Test
  void aQueuedRequest_isDroppedWhenCancelled_orPastItsDeadline_andOnlyThen() {
    AtomicBoolean cancelled = new AtomicBoolean();
    InferenceRequest open =
        new InferenceRequest(request(1, 4), InferenceRequest.NO_DEADLINE, cancelled::get);
    assertThat(open.dropReason()).isNull();
    InferenceRequest later =
        new InferenceRequest(
            request(1, 4), System.nanoTime() + TimeUnit.HOURS.toNanos(1), cancelled::get);
    assertThat(later.dropReason()).isNull();
    InferenceRequest passed =
        new InferenceRequest(request(1, 4), System.nanoTime() - 1, cancelled::get);
    ModelportException late = passed.dropReason();
    assertThat(late.code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED);
    assertThat(late.getMessage())
        .isEqualTo("deadline passed while queued; the request was not computed");
    cancelled.set(true);
    assertThat(open.dropReason().code()).isEqualTo(ErrorCode.CANCELLED);
    assertThat(passed.dropReason().code()).isEqualTo(ErrorCode.CANCELLED);
    assertThat(open.dropReason().getMessage()).isEqualTo("the call was cancelled before it ran");
  }

  @Test
  void requestsShareABatchKey_exactlyWhenTheirDimensionsAfterTheFirstMatch() {
    Object a = new InferenceRequest(request(1, 4), 0, () -> false).batchKey();
    Object b = new InferenceRequest(request(7, 4), 0, () -> false).batchKey();
    Object c = new InferenceRequest(request(1, 5), 0, () -> false).batchKey();
    Object d = new InferenceRequest(request(1, 4, 1), 0, () -> false).batchKey();
    Object e = new InferenceRequest(request(4), 0, () -> false).batchKey();
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).isNotEqualTo(c).isNotEqualTo(d);
    // the key is hashed by the batcher: different dimensions spread
    assertThat(a.hashCode()).isNotEqualTo(c.hashCode()).isNotEqualTo(d.hashCode());
    assertThat(e).isNotEqualTo(a);
    assertThat(a).isNotEqualTo("[2, 4]");
    assertThat(a).hasToString("[2, 4]");
  }

  @Test
  void aRequestsRows_counting_andItsFirstOutcome() throws Exception {
    InferenceRequest r = new InferenceRequest(request(3, 4), 0, () -> false);
    assertThat(r.rows()).isEqualTo(3);
    assertThat(r.counted()).isTrue();
    assertThat(
            new InferenceRequest(request(1, 4), 0, () -> false, RequestTrace.NONE, false).counted())
        .isFalse();
    assertThat(r.isDone()).isFalse();
    r.complete(List.of());
    assertThat(r.isDone()).isTrue();
    r.fail(new IllegalStateException("too late"));
    assertThat(r.result().get()).isEmpty();
    InferenceRequest f = new InferenceRequest(request(1, 4), 0, () -> false);
    f.fail(new IllegalStateException("engine"));
    Assertions.assertThatThrownBy(() -> f.result().get())
        .isInstanceOf(ExecutionException.class)
        .hasRootCauseMessage("engine");
  }

  /** Tracing hears of a request's batch and of its one outcome, before the caller does. */
  @Test
  void theTrace_hearsTheBatch_andTheFirstOutcomeOnly() {
    List<String> heard = new java.util.ArrayList<>();
    RequestTrace trace =
        new RequestTrace() {
          @Override
          public void batchStarted(int requests, int rows, String device) {
            heard.add("batch " + requests + " " + rows + " " + device);
          }

          @Override
          public void finished(Throwable error) {
            heard.add("finished " + (error == null ? "ok" : error.getMessage()));
          }
        };
    InferenceRequest ok = new InferenceRequest(request(2, 4), 0, () -> false, trace);
    ok.result().whenComplete((v, e) -> heard.add("answered"));
    ok.batchStarted(3, 5, "cpu()");
    ok.complete(List.of());
    ok.fail(new IllegalStateException("late"));
    assertThat(heard).containsExactly("batch 3 5 cpu()", "finished ok", "answered");
    heard.clear();
    InferenceRequest failed = new InferenceRequest(request(2, 4), 0, () -> false, trace);
    failed.result().whenComplete((v, e) -> heard.add("answered"));
    failed.fail(new IllegalStateException("engine"));
    failed.fail(new IllegalStateException("again"));
    assertThat(heard).containsExactly("finished engine", "answered");
  }
}
