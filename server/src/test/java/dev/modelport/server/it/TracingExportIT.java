package dev.modelport.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.modelport.server.testing.TempStore;
import dev.modelport.v1.InferenceServiceGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The shipped jar, started as an operator would with only the OpenTelemetry SDK's standard {@code
 * OTEL_*} variables, sends its spans over OTLP/gRPC to a collector: here a real gRPC server
 * implementing the OTLP trace service. Seen failing with {@code Tracing.configure} returning {@code
 * OFF} (nothing received) and with {@code ModelportServer.stop} not closing the tracing (the spans
 * of the last call are lost at SIGTERM when the batch delay is long).
 */
class TracingExportIT {
  /** What the collector received: one entry per exported span, with its service. */
  record Received(String service, Span span) {}

  @Test
  void otelVariablesAlone_sendSpansToAnOtlpCollector_andJsonLogsCarryTheTraceId() throws Exception {
    LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
    Server collector =
        Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
            .addService(
                new TraceServiceGrpc.TraceServiceImplBase() {
                  @Override
                  public void export(
                      ExportTraceServiceRequest request,
                      StreamObserver<ExportTraceServiceResponse> out) {
                    for (ResourceSpans rs : request.getResourceSpansList()) {
                      String service =
                          attribute(rs.getResource().getAttributesList(), "service.name");
                      for (ScopeSpans ss : rs.getScopeSpansList()) {
                        ss.getSpansList().forEach(s -> received.add(new Received(service, s)));
                      }
                    }
                    out.onNext(ExportTraceServiceResponse.getDefaultInstance());
                    out.onCompleted();
                  }
                })
            .build()
            .start();
    TempStore store = new TempStore().copy("iris", "iris");
    String traceId = "4bf92f3577b34da6a3ce929d0e0e" + String.format("%04x", collector.getPort());
    try (ServerProcess p =
        new ServerProcess(
            Map.of(
                "OTEL_TRACES_EXPORTER", "otlp",
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:" + collector.getPort(),
                "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc",
                "OTEL_SERVICE_NAME", "modelport-it",
                // a batch delay longer than the test: spans arrive only because stop() flushes
                "OTEL_BSP_SCHEDULE_DELAY", "600000"),
            "--port",
            "0",
            "--metrics-port",
            "0",
            "--log-format",
            "json",
            "--access-log",
            "--model-store",
            store.root.toString())) {
      predictTracedThenStop(p, traceId);

      List<Received> mine = ofTrace(received, traceId);
      assertThat(mine).as(p.log()).isNotEmpty();
      assertThat(mine).allMatch(r -> r.service().equals("modelport-it"));
      Span call = named(mine, "modelport.v1.InferenceService/Predict");
      assertThat(call.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
      assertThat(HexFormat.of().formatHex(call.getParentSpanId().toByteArray()))
          .isEqualTo("00f067aa0ba902b7");
      for (String child : List.of("modelport.queue", "modelport.compute")) {
        assertThat(named(mine, child).getParentSpanId()).isEqualTo(call.getSpanId());
      }

      // the access log line of that call names its trace and span
      String spanId = HexFormat.of().formatHex(call.getSpanId().toByteArray());
      List<JsonObject> access = new ArrayList<>();
      for (String line : p.log().split("\n")) {
        if (line.startsWith("{") && line.contains("modelport.access")) {
          access.add(JsonParser.parseString(line).getAsJsonObject());
        }
      }
      assertThat(access)
          .as(p.log())
          .anySatisfy(
              e ->
                  assertThat(e.get("kvpList").toString())
                      .contains("\"trace_id\":\"" + traceId + "\"")
                      .contains("\"span_id\":\"" + spanId + "\""));
    } finally {
      collector.shutdownNow();
    }
  }

  /**
   * The same with {@code OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf} (collectors behind HTTP-only
   * ingress, Tempo's and Jaeger's 4318): the SDK posts to {@code <endpoint>/v1/traces}; here a JDK
   * HTTP server that parses what it gets as an OTLP export request.
   */
  @Test
  void httpProtobuf_sendsTheSameSpans() throws Exception {
    LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
    List<String> requests = new java.util.concurrent.CopyOnWriteArrayList<>();
    com.sun.net.httpserver.HttpServer collector =
        com.sun.net.httpserver.HttpServer.create(
            new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    collector.createContext(
        "/",
        exchange -> {
          requests.add(
              exchange.getRequestMethod()
                  + " "
                  + exchange.getRequestURI().getPath()
                  + " "
                  + exchange.getRequestHeaders().getFirst("Content-Type"));
          try (var in = exchange.getRequestBody()) {
            ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(in);
            for (ResourceSpans rs : request.getResourceSpansList()) {
              String service = attribute(rs.getResource().getAttributesList(), "service.name");
              for (ScopeSpans ss : rs.getScopeSpansList()) {
                ss.getSpansList().forEach(sp -> received.add(new Received(service, sp)));
              }
            }
          }
          byte[] ok = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
          exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
          exchange.sendResponseHeaders(200, ok.length == 0 ? -1 : ok.length);
          exchange.getResponseBody().write(ok);
          exchange.close();
        });
    collector.start();
    TempStore store = new TempStore().copy("iris", "iris");
    int port = collector.getAddress().getPort();
    String traceId = "5bf92f3577b34da6a3ce929d0e0e" + String.format("%04x", port);
    try (ServerProcess p =
        new ServerProcess(
            Map.of(
                "OTEL_TRACES_EXPORTER", "otlp",
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + port,
                "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
                "OTEL_SERVICE_NAME", "modelport-http",
                "OTEL_BSP_SCHEDULE_DELAY", "600000"),
            "--port",
            "0",
            "--metrics-port",
            "0",
            "--model-store",
            store.root.toString())) {
      predictTracedThenStop(p, traceId);
      assertThat(requests).as(p.log()).isNotEmpty();
      assertThat(requests).allMatch(r -> r.equals("POST /v1/traces application/x-protobuf"));
      List<Received> mine = ofTrace(received, traceId);
      assertThat(mine).allMatch(r -> r.service().equals("modelport-http"));
      Span call = named(mine, "modelport.v1.InferenceService/Predict");
      assertThat(call.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
      for (String child : List.of("modelport.queue", "modelport.compute")) {
        assertThat(named(mine, child).getParentSpanId()).isEqualTo(call.getSpanId());
      }
    } finally {
      collector.stop(0);
    }
  }

  /** One iris Predict as part of trace {@code traceId}, then SIGTERM (which flushes the spans). */
  private static void predictTracedThenStop(ServerProcess p, String traceId) throws Exception {
    ManagedChannel ch =
        Grpc.newChannelBuilderForAddress("localhost", p.port, InsecureChannelCredentials.create())
            .build();
    try {
      Metadata headers = new Metadata();
      headers.put(
          Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER),
          "00-" + traceId + "-00f067aa0ba902b7-01");
      InferenceServiceGrpc.newBlockingStub(ch)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
          .withDeadlineAfter(30, TimeUnit.SECONDS)
          .predict(Requests.iris("iris", Requests.CLASSIC_IRIS[0]));
    } finally {
      ch.shutdownNow();
    }
    p.sigterm();
    assertThat(p.awaitExit()).as(p.log()).isZero();
  }

  private static List<Received> ofTrace(Iterable<Received> received, String traceId) {
    List<Received> mine = new ArrayList<>();
    for (Received r : received) {
      if (HexFormat.of().formatHex(r.span().getTraceId().toByteArray()).equals(traceId)) {
        mine.add(r);
      }
    }
    return mine;
  }

  private static Span named(List<Received> spans, String name) {
    List<Span> named =
        spans.stream().map(Received::span).filter(s -> s.getName().equals(name)).toList();
    assertThat(named).as("spans named %s", name).hasSize(1);
    return named.get(0);
  }

  private static String attribute(List<KeyValue> attributes, String key) {
    return attributes.stream()
        .filter(a -> a.getKey().equals(key))
        .map(a -> a.getValue().getStringValue())
        .findFirst()
        .orElse("");
  }
}
