package dev.modelport.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelport.server.ModelportServer;
import dev.modelport.server.tracing.Tracing;
import dev.modelport.store.ModelStore;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ServerBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A service that traces with OpenTelemetry gives the client its {@code OpenTelemetry}: each call is
 * a client span in the caller's trace, and the server's spans continue it. Client and server have
 * separate SDKs, as two processes would, so the only link is the {@code traceparent} on the wire.
 * Seen failing with the builder's {@code b.intercept(...)} removed (the server starts a trace of
 * its own).
 */
class ClientTracingIT {
  static OpenTelemetrySdk sdk(InMemorySpanExporter exporter) {
    return OpenTelemetrySdk.builder()
        .setTracerProvider(
            SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                .build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
  }

  @Test
  void theServersSpansContinueTheCallersTrace() throws Exception {
    InMemorySpanExporter serverSpans = InMemorySpanExporter.create();
    InMemorySpanExporter clientSpans = InMemorySpanExporter.create();
    List<ServerBuilder<?>> builders =
        List.of(Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()));
    try (OpenTelemetrySdk serverOtel = sdk(serverSpans);
        OpenTelemetrySdk clientOtel = sdk(clientSpans)) {
      ModelportServer server =
          ModelportServer.builder()
              .listeners(builders)
              .store(ModelStore.open(ClientAgainstServerIT.irisStore()))
              .drainGrace(Duration.ofSeconds(5))
              .tracing(Tracing.of(serverOtel))
              .warmup(Duration.ZERO)
              .build()
              .start();
      Span checkout = clientOtel.getTracer("shop").spanBuilder("checkout").startSpan();
      try (ModelportClient client =
              ModelportClient.builder()
                  .target("localhost:" + server.port())
                  .openTelemetry(clientOtel)
                  .build();
          Scope s = checkout.makeCurrent()) {
        client.predict(
            "iris", Tensors.of("features", new float[][] {ClientAgainstServerIT.CLASSIC[0]}));
      } finally {
        checkout.end();
        server.stop();
      }
      String traceId = checkout.getSpanContext().getTraceId();
      SpanData clientCall =
          clientSpans.getFinishedSpanItems().stream()
              .filter(x -> x.getKind() == SpanKind.CLIENT)
              .findFirst()
              .orElseThrow(() -> new AssertionError(clientSpans.getFinishedSpanItems().toString()));
      assertThat(clientCall.getName()).isEqualTo("modelport.v1.InferenceService/Predict");
      assertThat(clientCall.getTraceId()).isEqualTo(traceId);
      assertThat(clientCall.getParentSpanId()).isEqualTo(checkout.getSpanContext().getSpanId());

      // server.stop() drained every call, so its spans have all ended
      SpanData serverCall =
          serverSpans.getFinishedSpanItems().stream()
              .filter(x -> x.getKind() == SpanKind.SERVER)
              .findFirst()
              .orElseThrow(() -> new AssertionError(serverSpans.getFinishedSpanItems().toString()));
      assertThat(serverCall.getTraceId()).isEqualTo(traceId);
      assertThat(serverCall.getParentSpanId()).isEqualTo(clientCall.getSpanId());
      assertThat(serverSpans.getFinishedSpanItems())
          .filteredOn(x -> x.getName().equals("modelport.compute"))
          .singleElement()
          .satisfies(c -> assertThat(c.getTraceId()).isEqualTo(traceId));
    }
  }

  @Test
  void withAChannelOfYourOwn_theBuilderSaysHowToTraceIt() {
    ManagedChannel own =
        Grpc.newChannelBuilderForAddress("localhost", 1, InsecureChannelCredentials.create())
            .build();
    try {
      assertThatThrownBy(
              () ->
                  ModelportClient.builder()
                      .channel(own)
                      .openTelemetry(sdk(InMemorySpanExporter.create()))
                      .build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("createClientInterceptor");
    } finally {
      own.shutdownNow();
      assertThat(own.isShutdown()).isTrue();
    }
  }
}
