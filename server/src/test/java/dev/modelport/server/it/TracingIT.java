package dev.modelport.server.it;

import static dev.modelport.server.it.Requests.CLASSIC_IRIS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelport.oip.GRPCInferenceServiceGrpc;
import dev.modelport.oip.ModelInferRequest;
import dev.modelport.oip.ModelStreamInferResponse;
import dev.modelport.server.ModelportServer;
import dev.modelport.server.testing.TempStore;
import dev.modelport.server.tracing.InMemoryTracing;
import dev.modelport.server.tracing.Tracing;
import dev.modelport.store.ModelStore;
import dev.modelport.v1.InferenceServiceGrpc;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tracing on a real server with the real iris model, spans caught by an in-memory exporter. Each
 * call carries a W3C {@code traceparent} with a fresh trace id, as a caller's instrumentation would
 * send it, so each test reads its own trace. Seen failing: with the interceptor not installed (no
 * server span), with {@code Dispatcher} passing {@code RequestTrace.NONE} (no queue or compute
 * span), with the item span not entered around the dispatch (queue and compute under the stream
 * span instead of the item), and with {@code Tracing.rejected} returning at once (no event).
 */
class TracingIT {
  static final AttributeKey<Long> GRPC_STATUS = AttributeKey.longKey("rpc.grpc.status_code");
  static final Metadata.Key<String> TRACEPARENT =
      Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);

  static InMemorySpanExporter spans;
  static OpenTelemetrySdk otel;
  static ModelportServer server;
  static ManagedChannel channel;

  @BeforeAll
  static void start() throws Exception {
    spans = InMemorySpanExporter.create();
    otel = InMemoryTracing.sdk(spans);
    TempStore store = new TempStore().copy("iris", "iris");
    List<ServerBuilder<?>> builders =
        List.of(Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()));
    server =
        ModelportServer.builder()
            .listeners(builders)
            .store(ModelStore.open(store.root))
            .drainGrace(Duration.ofSeconds(5))
            .tracing(Tracing.of(otel))
            .warmup(Duration.ZERO)
            .build()
            .start();
    channel =
        Grpc.newChannelBuilderForAddress(
                "localhost", server.port(), InsecureChannelCredentials.create())
            .build();
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    server.stop();
    otel.close();
  }

  /** A caller's trace: a fresh trace id and parent span id, sampled unless told otherwise. */
  record Caller(String traceId, String parentSpanId, boolean sampled) {
    static Caller fresh(boolean sampled) {
      ThreadLocalRandom r = ThreadLocalRandom.current();
      return new Caller(
          String.format("%016x%016x", r.nextLong() | 1, r.nextLong()),
          String.format("%016x", r.nextLong() | 1),
          sampled);
    }

    Metadata headers() {
      Metadata m = new Metadata();
      m.put(TRACEPARENT, "00-" + traceId + "-" + parentSpanId + (sampled ? "-01" : "-00"));
      return m;
    }

    InferenceServiceGrpc.InferenceServiceBlockingStub blocking() {
      return InferenceServiceGrpc.newBlockingStub(channel)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers()))
          .withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    InferenceServiceGrpc.InferenceServiceStub async() {
      return InferenceServiceGrpc.newStub(channel)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers()));
    }
  }

  /**
   * The spans of {@code trace} once {@code done} holds for them. The server span ends as the call
   * closes, which may be just after the client has its answer: wait for it, bounded.
   */
  static List<SpanData> trace(String traceId, Predicate<List<SpanData>> done) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      List<SpanData> mine =
          spans.getFinishedSpanItems().stream()
              .filter(s -> s.getTraceId().equals(traceId))
              .toList();
      if (done.test(mine) || System.nanoTime() > deadline) {
        return mine;
      }
      TimeUnit.MILLISECONDS.sleep(5);
    }
  }

  static boolean has(List<SpanData> spans, String name) {
    return spans.stream().anyMatch(s -> s.getName().equals(name));
  }

  static SpanData one(List<SpanData> spans, String name) {
    List<SpanData> named = spans.stream().filter(s -> s.getName().equals(name)).toList();
    assertThat(named).as("spans named %s in %s", name, spans).hasSize(1);
    return named.get(0);
  }

  static List<SpanData> childrenOf(List<SpanData> spans, SpanData parent) {
    return spans.stream().filter(s -> s.getParentSpanId().equals(parent.getSpanId())).toList();
  }

  @Test
  void unaryPredict_isAServerSpanInTheCallersTrace_withQueueAndComputeUnderIt() throws Exception {
    Caller caller = Caller.fresh(true);
    PredictResponse r = caller.blocking().predict(Requests.iris("iris", CLASSIC_IRIS[0]));

    List<SpanData> t =
        trace(
            caller.traceId(),
            s -> has(s, "modelport.v1.InferenceService/Predict") && has(s, "modelport.compute"));
    SpanData call = one(t, "modelport.v1.InferenceService/Predict");
    assertThat(call.getKind()).isEqualTo(SpanKind.SERVER);
    assertThat(call.getParentSpanId()).isEqualTo(caller.parentSpanId());
    assertThat(call.getAttributes().get(GRPC_STATUS)).isEqualTo(0L);

    SpanData queue = one(t, "modelport.queue");
    SpanData compute = one(t, "modelport.compute");
    assertThat(childrenOf(t, call)).containsExactlyInAnyOrder(queue, compute);
    for (SpanData s : List.of(queue, compute)) {
      assertThat(s.getAttributes().get(AttributeKey.stringKey("modelport.model")))
          .isEqualTo("iris");
      assertThat(s.getAttributes().get(AttributeKey.stringKey("modelport.version")))
          .isEqualTo(r.getModelVersion());
    }
    assertThat(compute.getAttributes().get(AttributeKey.longKey("modelport.batch.rows")))
        .isEqualTo(1L);
    assertThat(compute.getAttributes().get(AttributeKey.longKey("modelport.batch.requests")))
        .isEqualTo(1L);
    assertThat(compute.getAttributes().get(AttributeKey.stringKey("modelport.device")))
        .isEqualTo("cpu()");
    // the queue wait ends where the batch begins, and both lie inside the call
    assertThat(queue.getEndEpochNanos()).isEqualTo(compute.getStartEpochNanos());
    assertThat(queue.getStartEpochNanos()).isGreaterThanOrEqualTo(call.getStartEpochNanos());
    assertThat(compute.getEndEpochNanos()).isLessThanOrEqualTo(call.getEndEpochNanos());
  }

  @Test
  void rejectedPredict_hasOnlyTheServerSpan_withTheCodeAndTheMessage() throws Exception {
    Caller caller = Caller.fresh(true);
    PredictRequest bad =
        PredictRequest.newBuilder()
            .setModelName("iris")
            .addInputs(Requests.floats("petals", new float[][] {CLASSIC_IRIS[0]}))
            .build();
    assertThatThrownBy(() -> caller.blocking().predict(bad))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));

    List<SpanData> t =
        trace(caller.traceId(), s -> has(s, "modelport.v1.InferenceService/Predict"));
    SpanData call = one(t, "modelport.v1.InferenceService/Predict");
    assertThat(t).containsExactly(call); // nothing was queued or computed
    assertThat(call.getAttributes().get(GRPC_STATUS)).isEqualTo(3L);
    assertThat(call.getEvents())
        .anySatisfy(
            ev -> {
              assertThat(ev.getName()).isEqualTo("modelport.rejected");
              assertThat(ev.getAttributes().get(AttributeKey.stringKey("modelport.error")))
                  .contains("petals");
            });
  }

  @Test
  void predictStream_hasASpanPerItem_withItsOwnQueueAndComputeOrItsError() throws Exception {
    Caller caller = Caller.fresh(true);
    List<PredictResponse> answers = new ArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<PredictRequest> in =
        caller
            .async()
            .predictStream(
                new StreamObserver<>() {
                  @Override
                  public void onNext(PredictResponse r) {
                    synchronized (answers) {
                      answers.add(r);
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
    in.onNext(Requests.iris("iris", CLASSIC_IRIS[2]).toBuilder().setRequestId("good").build());
    in.onNext(
        PredictRequest.newBuilder()
            .setModelName("iris")
            .setRequestId("bad")
            .addInputs(Requests.floats("features", new float[][] {{1f, 2f}}))
            .build());
    in.onCompleted();
    done.get(30, TimeUnit.SECONDS);
    assertThat(answers).hasSize(2);

    String itemName = "modelport.v1.InferenceService/PredictStream item";
    List<SpanData> t =
        trace(
            caller.traceId(),
            s ->
                has(s, "modelport.v1.InferenceService/PredictStream")
                    && s.stream().filter(x -> x.getName().equals(itemName)).count() == 2);
    SpanData stream = one(t, "modelport.v1.InferenceService/PredictStream");
    assertThat(stream.getParentSpanId()).isEqualTo(caller.parentSpanId());
    List<SpanData> items = childrenOf(t, stream);
    assertThat(items).extracting(SpanData::getName).containsOnly(itemName).hasSize(2);
    SpanData good = item(items, "good");
    SpanData bad = item(items, "bad");

    assertThat(childrenOf(t, good))
        .extracting(SpanData::getName)
        .containsExactlyInAnyOrder("modelport.queue", "modelport.compute");
    assertThat(good.getAttributes().get(GRPC_STATUS)).isEqualTo(0L);
    assertThat(good.getStatus().getStatusCode()).isNotEqualTo(StatusCode.ERROR);

    assertThat(childrenOf(t, bad)).isEmpty();
    assertThat(bad.getAttributes().get(GRPC_STATUS)).isEqualTo(3L);
    assertThat(bad.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(bad.getStatus().getDescription()).contains("INVALID_ARGUMENT", "features");
  }

  private static SpanData item(List<SpanData> items, String requestId) {
    return items.stream()
        .filter(
            s ->
                requestId.equals(
                    s.getAttributes().get(AttributeKey.stringKey("modelport.request_id"))))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no item span for " + requestId + " in " + items));
  }

  @Test
  void oipStreamItem_hasItsSpan_withQueueAndComputeUnderIt() throws Exception {
    Caller caller = Caller.fresh(true);
    CompletableFuture<ModelStreamInferResponse> first = new CompletableFuture<>();
    StreamObserver<ModelInferRequest> in =
        GRPCInferenceServiceGrpc.newStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(caller.headers()))
            .modelStreamInfer(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ModelStreamInferResponse r) {
                    first.complete(r);
                  }

                  @Override
                  public void onError(Throwable t) {
                    first.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    ModelInferRequest.InferInputTensor.Builder x =
        ModelInferRequest.InferInputTensor.newBuilder()
            .setName("features")
            .setDatatype("FP32")
            .addShape(1)
            .addShape(4);
    for (float f : CLASSIC_IRIS[4]) {
      x.getContentsBuilder().addFp32Contents(f);
    }
    in.onNext(
        ModelInferRequest.newBuilder().setModelName("iris").setId("one").addInputs(x).build());
    assertThat(first.get(30, TimeUnit.SECONDS).getErrorMessage()).isEmpty();
    in.onCompleted();

    String itemName = "inference.GRPCInferenceService/ModelStreamInfer item";
    List<SpanData> t =
        trace(
            caller.traceId(),
            s -> has(s, "inference.GRPCInferenceService/ModelStreamInfer") && has(s, itemName));
    SpanData stream = one(t, "inference.GRPCInferenceService/ModelStreamInfer");
    SpanData item = one(t, itemName);
    assertThat(item.getParentSpanId()).isEqualTo(stream.getSpanId());
    assertThat(item.getAttributes().get(AttributeKey.stringKey("modelport.request_id")))
        .isEqualTo("one");
    assertThat(childrenOf(t, item))
        .extracting(SpanData::getName)
        .containsExactlyInAnyOrder("modelport.queue", "modelport.compute");
  }

  @Test
  void aCallerThatDidNotSample_getsNoSpans() throws Exception {
    Caller unsampled = Caller.fresh(false);
    unsampled.blocking().predict(Requests.iris("iris", CLASSIC_IRIS[0]));
    // a sampled call after it: once its spans are in, the unsampled call's would be too
    Caller sampled = Caller.fresh(true);
    sampled.blocking().predict(Requests.iris("iris", CLASSIC_IRIS[0]));
    trace(sampled.traceId(), s -> has(s, "modelport.v1.InferenceService/Predict"));

    assertThat(trace(unsampled.traceId(), s -> true)).isEmpty();
  }
}
