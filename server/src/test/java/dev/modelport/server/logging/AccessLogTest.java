package dev.modelport.server.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.modelport.v1.InferenceServiceGrpc;
import dev.modelport.v1.PredictRequest;
import dev.modelport.v1.PredictResponse;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Scope;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** {@code --access-log}: one line per call with its fields, none for health probes. */
class AccessLogTest {
  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String SPAN = "00f067aa0ba902b7";

  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private final Logger access = (Logger) LoggerFactory.getLogger("modelport.access");
  private Server server;
  private ManagedChannel channel;

  /** Answers "ok" with version 3, fails "bad" with INVALID_ARGUMENT. */
  private static final class Echo extends InferenceServiceGrpc.InferenceServiceImplBase {
    @Override
    public void predict(PredictRequest request, StreamObserver<PredictResponse> out) {
      if (request.getModelName().equals("bad")) {
        out.onError(Status.INVALID_ARGUMENT.withDescription("no").asRuntimeException());
        return;
      }
      out.onNext(
          PredictResponse.newBuilder()
              .setModelName(request.getModelName())
              .setModelVersion("3")
              .build());
      out.onCompleted();
    }
  }

  /** Makes a span current around the call's start, as the tracing interceptor (outside) does. */
  private static final ServerInterceptor TRACED =
      new ServerInterceptor() {
        @Override
        public <Q, A> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
          if (headers.get(Metadata.Key.of("traced", Metadata.ASCII_STRING_MARSHALLER)) == null) {
            return next.startCall(call, headers);
          }
          SpanContext ctx =
              SpanContext.create(TRACE, SPAN, TraceFlags.getSampled(), TraceState.getDefault());
          try (Scope s = Span.wrap(ctx).makeCurrent()) {
            return next.startCall(call, headers);
          }
        }
      };

  @BeforeEach
  void start() throws Exception {
    lines.start();
    access.addAppender(lines);
    String name = InProcessServerBuilder.generateName();
    AccessLog log = new AccessLog();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                ServerInterceptors.intercept(ServerInterceptors.intercept(new Echo(), log), TRACED))
            .addService(
                ServerInterceptors.intercept(new HealthStatusManager().getHealthService(), log))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
    access.detachAppender(lines);
  }

  private static Map<String, String> fields(ILoggingEvent e) {
    Map<String, String> out = new LinkedHashMap<>();
    e.getKeyValuePairs().forEach(kv -> out.put(kv.key, String.valueOf(kv.value)));
    return out;
  }

  @Test
  void oneLinePerCall_withItsModelVersionStatusAndDuration_noneForHealth() {
    var stub = InferenceServiceGrpc.newBlockingStub(channel);
    stub.predict(PredictRequest.newBuilder().setModelName("ok").build());
    assertThatThrownBy(() -> stub.predict(PredictRequest.newBuilder().setModelName("bad").build()));
    HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());

    assertThat(lines.list).hasSize(2);
    Map<String, String> ok = fields(lines.list.get(0));
    assertThat(ok)
        .containsEntry("method", "modelport.v1.InferenceService/Predict")
        .containsEntry("model", "ok")
        .containsEntry("version", "3")
        .containsEntry("status", "OK")
        .containsKey("peer")
        .doesNotContainKey("trace_id");
    assertThat(Double.parseDouble(ok.get("duration_ms"))).isNotNegative();
    assertThat(ok.get("duration_ms")).matches("\\d+\\.\\d{3}");
    assertThat(lines.list.get(0).getFormattedMessage())
        .startsWith("modelport.v1.InferenceService/Predict model=ok version=3 status=OK ");
    Map<String, String> bad = fields(lines.list.get(1));
    assertThat(bad)
        .containsEntry("model", "bad")
        .containsEntry("version", "")
        .containsEntry("status", "INVALID_ARGUMENT");
  }

  @Test
  void aTracedCall_namesItsTraceAndSpan() {
    Metadata h = new Metadata();
    h.put(Metadata.Key.of("traced", Metadata.ASCII_STRING_MARSHALLER), "1");
    InferenceServiceGrpc.newBlockingStub(channel)
        .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(h))
        .predict(PredictRequest.newBuilder().setModelName("ok").build());
    assertThat(lines.list).hasSize(1);
    assertThat(fields(lines.list.get(0)))
        .containsEntry("trace_id", TRACE)
        .containsEntry("span_id", SPAN)
        .containsEntry("model", "ok");
    assertThat(lines.list.get(0).getFormattedMessage())
        .endsWith("trace_id=" + TRACE + " span_id=" + SPAN);
  }

  @Test
  void field_readsOnlySingleStringFields() {
    PredictRequest r = PredictRequest.newBuilder().setModelName("m").addOutputNames("y").build();
    assertThat(AccessLog.field(r, "model_name")).isEqualTo("m");
    assertThat(AccessLog.field(r, "output_names")).as("repeated").isEmpty();
    assertThat(AccessLog.field(r, "raw_output")).as("not a string").isEmpty();
    assertThat(AccessLog.field(r, "nope")).isEmpty();
    assertThat(AccessLog.field("not a message", "model_name")).isEmpty();
  }
}
