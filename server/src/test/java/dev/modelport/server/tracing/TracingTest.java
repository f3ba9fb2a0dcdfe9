package dev.modelport.server.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelport.server.errors.ErrorCode;
import dev.modelport.server.errors.ModelportException;
import dev.modelport.server.runtime.RequestTrace;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The spans one request makes, whatever path it takes; and when tracing is on at all. */
class TracingTest {
  final InMemorySpanExporter spans = InMemorySpanExporter.create();
  final OpenTelemetrySdk otel = InMemoryTracing.sdk(spans);
  final Tracing tracing = Tracing.of(otel);

  @AfterEach
  void close() {
    otel.close();
  }

  /** Runs {@code body} with a recording call span current; returns that span (ended). */
  private Span inCall(java.util.function.Consumer<Context> body) {
    Span call = otel.getTracer("test").spanBuilder("call").startSpan();
    try (Scope s = call.makeCurrent()) {
      body.accept(tracing.recordingContext());
    }
    call.end();
    return call;
  }

  private List<SpanData> named(String name) {
    return spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).toList();
  }

  @Test
  void aRequestThatRan_hasItsQueueWaitThenItsCompute() {
    Span call =
        inCall(
            ctx -> {
              RequestTrace t = tracing.request(ctx, "iris", "2");
              t.batchStarted(3, 7, "cpu()");
              t.batchStarted(3, 7, "cpu()"); // once only
              t.finished(null);
              t.finished(new RuntimeException("late")); // ignored: already finished
            });
    SpanData queue = named("modelport.queue").get(0);
    SpanData compute = named("modelport.compute").get(0);
    assertThat(spans.getFinishedSpanItems()).hasSize(3);
    assertThat(queue.getParentSpanId()).isEqualTo(call.getSpanContext().getSpanId());
    assertThat(compute.getParentSpanId()).isEqualTo(call.getSpanContext().getSpanId());
    assertThat(queue.getEndEpochNanos()).isEqualTo(compute.getStartEpochNanos());
    assertThat(queue.getStartEpochNanos()).isLessThanOrEqualTo(queue.getEndEpochNanos());
    assertThat(compute.getAttributes().asMap().toString())
        .contains("modelport.batch.requests=3", "modelport.batch.rows=7", "modelport.device=cpu()")
        .contains("modelport.model=iris", "modelport.version=2");
    assertThat(compute.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
  }

  @Test
  void aRequestDroppedFromTheQueue_hasOnlyItsQueueSpan_markedWithWhy() {
    inCall(
        ctx -> {
          RequestTrace t = tracing.request(ctx, "iris", "2");
          t.finished(new ModelportException(ErrorCode.DEADLINE_EXCEEDED, "deadline passed"));
          t.batchStarted(1, 1, "cpu()"); // too late: nothing more
        });
    assertThat(named("modelport.compute")).isEmpty();
    SpanData queue = named("modelport.queue").get(0);
    assertThat(queue.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(queue.getStatus().getDescription()).contains("DEADLINE_EXCEEDED", "deadline passed");
  }

  @Test
  void aBatchThatFailed_marksTheCompute() {
    inCall(
        ctx -> {
          RequestTrace t = tracing.request(ctx, "iris", "2");
          t.batchStarted(1, 1, "cpu()");
          t.finished(new ModelportException(ErrorCode.INTERNAL, "engine failed"));
        });
    SpanData compute = named("modelport.compute").get(0);
    assertThat(compute.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(compute.getStatus().getDescription()).contains("INTERNAL", "engine failed");
    assertThat(named("modelport.queue").get(0).getStatus().getStatusCode())
        .isEqualTo(StatusCode.UNSET);
  }

  @Test
  void aStreamItem_isCurrentInsideEnter_andEndsWithItsOutcome() {
    Span call =
        inCall(
            ctx -> {
              Tracing.Item item = tracing.streamItem("item", "iris", "r-1");
              String inside;
              try (Scope s = item.enter()) {
                inside = Span.current().getSpanContext().getSpanId();
              }
              item.end(io.grpc.Status.NOT_FOUND.withDescription("no such model"), "");
              SpanData ended = named("item").get(0);
              assertThat(inside).isEqualTo(ended.getSpanId());
              assertThat(ended.getStatus().getDescription()).isEqualTo("NOT_FOUND: no such model");
            });
    assertThat(named("item").get(0).getParentSpanId()).isEqualTo(call.getSpanContext().getSpanId());
  }

  @Test
  void unsampledOrUntracedCalls_makeNothing() {
    assertThat(tracing.recordingContext()).isNull(); // no span current
    assertThat(tracing.request(null, "iris", "2")).isSameAs(RequestTrace.NONE);
    assertThat(tracing.streamItem("item", "iris", "a")).isSameAs(Tracing.Item.NONE);
    OpenTelemetrySdk never =
        OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().setSampler(Sampler.alwaysOff()).build())
            .build();
    Span unsampled = never.getTracer("t").spanBuilder("call").startSpan();
    try (Scope s = unsampled.makeCurrent()) {
      assertThat(Tracing.of(never).recordingContext()).isNull();
    }
    assertThat(Tracing.OFF.enabled()).isFalse();
    assertThat(Tracing.OFF.serverInterceptor()).isNull();
    assertThat(Tracing.OFF.recordingContext()).isNull();
    Tracing.OFF.close();
  }

  @Test
  void configure_isOffUnlessAnExporterIsNamed() {
    assertThat(Tracing.configure(Map.of(), Map.of()).enabled()).isFalse();
    assertThat(Tracing.configure(Map.of(), Map.of("OTEL_TRACES_EXPORTER", "none")).enabled())
        .isFalse();
    assertThat(
            Tracing.configure(
                    Map.of(), Map.of("OTEL_TRACES_EXPORTER", "otlp", "OTEL_SDK_DISABLED", "true"))
                .enabled())
        .isFalse();
    // the flag wins over the environment, both ways
    assertThat(
            Tracing.configure(
                    Map.of("otel.traces.exporter", "none"), Map.of("OTEL_TRACES_EXPORTER", "otlp"))
                .enabled())
        .isFalse();
    try (Tracing on = Tracing.configure(Map.of("otel.traces.exporter", "otlp"), Map.of())) {
      assertThat(on.enabled()).isTrue();
      assertThat(on.serverInterceptor()).isNotNull();
    }
  }
}
