package dev.modelport.server.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The server span of one call, over a one-method service whose request says how to answer: its
 * name, kind, parent and RPC attributes, which codes are errors, a cancelled call, an unsampled
 * caller, and that the span is current where the handler runs.
 */
class ServerSpansTest {
  static final MethodDescriptor.Marshaller<String> TEXT =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
          return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
          try {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
          } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
          }
        }
      };
  static final MethodDescriptor<String, String> ECHO =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("test.Svc/Echo")
          .setRequestMarshaller(TEXT)
          .setResponseMarshaller(TEXT)
          .build();

  final InMemorySpanExporter spans = InMemorySpanExporter.create();
  final OpenTelemetrySdk otel = InMemoryTracing.sdk(spans);
  final AtomicReference<String> spanInHandler = new AtomicReference<>();
  final CountDownLatch hanging = new CountDownLatch(1);
  final CountDownLatch cancelSeen = new CountDownLatch(1);
  Server server;
  ManagedChannel channel;
  Channel traced;

  @BeforeEach
  void start() throws Exception {
    ServerServiceDefinition service =
        ServerServiceDefinition.builder("test.Svc")
            .addMethod(
                ECHO,
                ServerCalls.asyncUnaryCall(
                    (request, out) -> {
                      spanInHandler.set(Span.current().getSpanContext().getSpanId());
                      switch (request) {
                        case "ok" -> {
                          out.onNext("ok");
                          out.onCompleted();
                        }
                        case "hang" -> {
                          ((io.grpc.stub.ServerCallStreamObserver<String>) out)
                              .setOnCancelHandler(cancelSeen::countDown);
                          hanging.countDown();
                        }
                        default ->
                            out.onError(
                                Status.fromCodeValue(Integer.parseInt(request))
                                    .withDescription("told to")
                                    .asRuntimeException());
                      }
                    }))
            .build();
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(ServerInterceptors.intercept(service, Tracing.of(otel).serverInterceptor()))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    traced = ClientInterceptors.intercept(channel, InMemoryTracing.propagating());
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
    otel.close();
  }

  String call(String request) {
    return ClientCalls.blockingUnaryCall(traced, ECHO, CallOptions.DEFAULT, request);
  }

  SpanData serverSpan() {
    List<SpanData> server =
        spans.getFinishedSpanItems().stream().filter(s -> s.getKind() == SpanKind.SERVER).toList();
    assertThat(server).hasSize(1);
    return server.get(0);
  }

  @Test
  void anAnsweredCall_isAServerSpanUnderTheCaller_currentInTheHandler() {
    Span caller = otel.getTracer("t").spanBuilder("caller").startSpan();
    try (Scope s = caller.makeCurrent()) {
      assertThat(call("ok")).isEqualTo("ok");
    }
    SpanData span = serverSpan();
    assertThat(span.getName()).isEqualTo("test.Svc/Echo");
    assertThat(span.getTraceId()).isEqualTo(caller.getSpanContext().getTraceId());
    assertThat(span.getParentSpanId()).isEqualTo(caller.getSpanContext().getSpanId());
    assertThat(span.getAttributes().get(AttributeKey.stringKey("rpc.system"))).isEqualTo("grpc");
    assertThat(span.getAttributes().get(AttributeKey.stringKey("rpc.service")))
        .isEqualTo("test.Svc");
    assertThat(span.getAttributes().get(AttributeKey.stringKey("rpc.method"))).isEqualTo("Echo");
    assertThat(span.getAttributes().get(ServerSpans.RPC_STATUS)).isEqualTo(0L);
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertThat(spanInHandler.get()).isEqualTo(span.getSpanId());
  }

  @Test
  void serverFaultsAreErrors_callerMistakesAreNot() {
    for (Status.Code code : Status.Code.values()) {
      if (code == Status.Code.OK) {
        continue;
      }
      spans.reset();
      assertThatThrownBy(() -> call(Integer.toString(code.value())))
          .isInstanceOf(StatusRuntimeException.class);
      SpanData span = serverSpan();
      assertThat(span.getAttributes().get(ServerSpans.RPC_STATUS)).isEqualTo(code.value());
      boolean fault =
          List.of(
                  Status.Code.UNKNOWN,
                  Status.Code.DEADLINE_EXCEEDED,
                  Status.Code.UNIMPLEMENTED,
                  Status.Code.INTERNAL,
                  Status.Code.UNAVAILABLE,
                  Status.Code.DATA_LOSS)
              .contains(code);
      assertThat(span.getStatus().getStatusCode())
          .as("%s", code)
          .isEqualTo(fault ? StatusCode.ERROR : StatusCode.UNSET);
      if (fault) {
        assertThat(span.getStatus().getDescription()).isEqualTo(code + ": told to");
      }
    }
  }

  @Test
  void aCancelledCall_endsItsSpan_cancelled() throws Exception {
    ClientCall<String, String> c = traced.newCall(ECHO, CallOptions.DEFAULT);
    c.start(new ClientCall.Listener<>() {}, new Metadata());
    c.sendMessage("hang");
    c.halfClose();
    c.request(1);
    assertThat(hanging.await(10, TimeUnit.SECONDS)).isTrue();
    c.cancel("the caller gave up", null);
    SpanData span = serverSpan(); // direct executors: the cancel has been delivered
    assertThat(cancelSeen.getCount()).as("the handler heard of the cancel").isZero();
    assertThat(span.getAttributes().get(ServerSpans.RPC_STATUS))
        .isEqualTo((long) Status.Code.CANCELLED.value());
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
  }

  @Test
  void anUnsampledCaller_getsNoSpan_andTheHandlerSeesNone() {
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER),
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
    headers.put(Metadata.Key.of("tracestate", Metadata.ASCII_STRING_MARSHALLER), "vendor=x");
    Channel unsampled =
        ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    assertThat(ClientCalls.blockingUnaryCall(unsampled, ECHO, CallOptions.DEFAULT, "ok"))
        .isEqualTo("ok");
    assertThat(spans.getFinishedSpanItems()).isEmpty();
    assertThat(spanInHandler.get()).isEqualTo(Span.getInvalid().getSpanContext().getSpanId());
  }
}
