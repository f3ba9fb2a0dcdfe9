package dev.modelport.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelport.oip.GRPCInferenceServiceGrpc;
import dev.modelport.oip.ModelInferRequest;
import dev.modelport.oip.ModelStreamInferResponse;
import dev.modelport.server.admission.Admission;
import dev.modelport.server.admission.MemoryBudget;
import dev.modelport.server.admission.ReceiveSlots;
import dev.modelport.server.tracing.InMemoryTracing;
import dev.modelport.server.tracing.Tracing;
import dev.modelport.v1.InferenceServiceGrpc;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The services' own tracing, in process over fake models: item spans on both streaming calls with
 * each item's outcome, and refused requests marked with their message. The client side traces with
 * OpenTelemetry's gRPC interceptor, so the server's spans join the test's trace (TracingIT covers
 * the same on a real port, with real models).
 */
class TracedServicesTest {
  static final AttributeKey<Long> CODE = AttributeKey.longKey("rpc.grpc.status_code");
  static final AttributeKey<String> ID = AttributeKey.stringKey("modelport.request_id");

  @TempDir Path dir;
  final FakeModels models = new FakeModels();
  final InMemorySpanExporter spans = InMemorySpanExporter.create();
  final OpenTelemetrySdk otel = InMemoryTracing.sdk(spans);
  InProcessModelport fixture;
  Channel channel;
  Span call;
  Scope scope;

  @BeforeEach
  @SuppressWarnings("MustBeClosedChecker") // the scope is a field, closed in stop()
  void start() throws Exception {
    FakeModels.store(dir);
    fixture =
        new InProcessModelport(
            dir,
            models,
            new Admission(new MemoryBudget(1 << 30), new ReceiveSlots(8)),
            Tracing.of(otel));
    channel = ClientInterceptors.intercept(fixture.channel, InMemoryTracing.propagating());
    call = otel.getTracer("test").spanBuilder("call").startSpan();
    scope = Context.current().with(call).makeCurrent();
  }

  @AfterEach
  void stop() {
    scope.close();
    fixture.close();
    otel.close();
  }

  SpanData server(String method) {
    return spans.getFinishedSpanItems().stream()
        .filter(s -> s.getName().equals(method) && s.getKind() == SpanKind.SERVER)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no server span " + method));
  }

  List<SpanData> items(String name) {
    return spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).toList();
  }

  static ModelInferRequest unknownDatatype(String id) {
    ModelInferRequest r = OipServiceTest.rows(1, id);
    return r.toBuilder().setInputs(0, r.getInputs(0).toBuilder().setDatatype("FP99")).build();
  }

  static SpanData withId(List<SpanData> items, String id) {
    return items.stream()
        .filter(s -> id.equals(s.getAttributes().get(ID)))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no span for " + id + " in " + items));
  }

  @Test
  void predictStream_itemSpans_carryEachItemsOutcome() throws Exception {
    Answers<PredictResponse> answers = new Answers<>();
    StreamObserver<PredictRequest> in =
        InferenceServiceGrpc.newStub(channel).predictStream(answers);
    in.onNext(AdmissionTest.request(1).toBuilder().setRequestId("good").build());
    FakeModels.answer(models.submitted.poll(10, TimeUnit.SECONDS));
    assertThat(answers.queue.poll(10, TimeUnit.SECONDS)).isInstanceOf(PredictResponse.class);
    in.onNext(AdmissionTest.request(1).toBuilder().setRequestId("bad").setModelName("zz").build());
    assertThat(answers.queue.poll(10, TimeUnit.SECONDS)).isInstanceOf(PredictResponse.class);
    in.onCompleted();
    assertThat(answers.queue.poll(10, TimeUnit.SECONDS)).isEqualTo("completed");

    List<SpanData> items = items(InferenceServiceImpl.ITEM_SPAN);
    String stream = server("modelport.v1.InferenceService/PredictStream").getSpanId();
    assertThat(items).hasSize(2).allMatch(s -> s.getParentSpanId().equals(stream));
    SpanData good = withId(items, "good");
    assertThat(good.getAttributes().get(CODE)).isEqualTo(0L);
    assertThat(good.getAttributes().get(AttributeKey.stringKey("modelport.version")))
        .isEqualTo("1");
    assertThat(good.getAttributes().get(AttributeKey.stringKey("modelport.model"))).isEqualTo("m");
    assertThat(good.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    SpanData bad = withId(items, "bad");
    assertThat(bad.getAttributes().get(CODE)).isEqualTo(5L); // NOT_FOUND
    assertThat(bad.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(bad.getStatus().getDescription()).contains("NOT_FOUND", "zz");
    // the refused item is also marked on its own span, with the message
    assertThat(bad.getEvents()).anyMatch(e -> e.getName().equals("modelport.rejected"));
  }

  @Test
  void modelStreamInfer_itemSpans_carryEachItemsOutcome() throws Exception {
    Answers<ModelStreamInferResponse> answers = new Answers<>();
    StreamObserver<ModelInferRequest> in =
        GRPCInferenceServiceGrpc.newStub(channel).modelStreamInfer(answers);
    in.onNext(OipServiceTest.rows(1, "good"));
    FakeModels.answer(models.submitted.poll(10, TimeUnit.SECONDS));
    assertThat(answers.queue.poll(10, TimeUnit.SECONDS))
        .isInstanceOf(ModelStreamInferResponse.class);
    // a datatype OIP does not have: refused by the codec, before the dispatcher
    in.onNext(unknownDatatype("short"));
    assertThat(answers.queue.poll(10, TimeUnit.SECONDS))
        .isInstanceOf(ModelStreamInferResponse.class);
    in.onCompleted();
    assertThat(answers.queue.poll(10, TimeUnit.SECONDS)).isEqualTo("completed");

    List<SpanData> items = items(OipInference.ITEM_SPAN);
    String stream = server("inference.GRPCInferenceService/ModelStreamInfer").getSpanId();
    assertThat(items).hasSize(2).allMatch(s -> s.getParentSpanId().equals(stream));
    SpanData good = withId(items, "good");
    assertThat(good.getAttributes().get(CODE)).isEqualTo(0L);
    assertThat(good.getAttributes().get(AttributeKey.stringKey("modelport.version")))
        .isEqualTo("1");
    SpanData shortOne = withId(items, "short");
    assertThat(shortOne.getAttributes().get(CODE)).isEqualTo(3L);
    assertThat(shortOne.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(shortOne.getStatus().getDescription()).contains("INVALID_ARGUMENT");
  }

  @Test
  void refusedCalls_markTheCallSpan_withTheMessage() {
    assertThatThrownBy(
            () ->
                InferenceServiceGrpc.newBlockingStub(channel)
                    .predict(AdmissionTest.request(1).toBuilder().setModelName("zz").build()))
        .isInstanceOf(StatusRuntimeException.class);
    assertThatThrownBy(
            () ->
                GRPCInferenceServiceGrpc.newBlockingStub(channel).modelInfer(unknownDatatype("x")))
        .isInstanceOf(StatusRuntimeException.class);
    SpanData predict = server("modelport.v1.InferenceService/Predict");
    SpanData infer = server("inference.GRPCInferenceService/ModelInfer");
    assertThat(predict.getEvents())
        .filteredOn(e -> e.getName().equals("modelport.rejected"))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getAttributes().get(AttributeKey.stringKey("modelport.error")))
                  .contains("zz");
              assertThat(e.getAttributes().get(CODE)).isEqualTo(5L);
            });
    assertThat(infer.getEvents())
        .filteredOn(e -> e.getName().equals("modelport.rejected"))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getAttributes().get(AttributeKey.stringKey("modelport.error")))
                  .contains("FP99");
              assertThat(e.getAttributes().get(CODE)).isEqualTo(3L);
            });
  }
}
