package dev.modelport.server.tracing;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A server span per call, following OpenTelemetry's RPC semantic conventions for gRPC (span name
 * {@code service/method}, kind SERVER, {@code rpc.system}, {@code rpc.service}, {@code rpc.method},
 * {@code rpc.grpc.status_code}, the peer's address; ERROR only for the codes that mean a server
 * fault). The caller's context comes from the SDK's propagators (W3C {@code traceparent} by
 * default); the span is current while each of the call's callbacks runs.
 *
 * <p>Why not OpenTelemetry's {@code opentelemetry-grpc-1.6} instrumentation here (the client uses
 * it): measured with iris at 64 callers, it allocated 5.3 KB more per call with 1 % sampling (its
 * attribute extraction and wrappers run for unsampled calls too), and on the class path it installs
 * a gRPC context-storage override that every call goes through, traced or not; BENCHMARKS.md,
 * "Tracing". Here an unsampled call costs one non-recording span (and the propagator's extract when
 * the caller sent a trace header), and nothing is wrapped.
 */
final class ServerSpans implements ServerInterceptor {
  static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
  static final AttributeKey<String> RPC_SERVICE = AttributeKey.stringKey("rpc.service");
  static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
  static final AttributeKey<Long> RPC_STATUS = AttributeKey.longKey("rpc.grpc.status_code");
  static final AttributeKey<String> PEER_ADDRESS = AttributeKey.stringKey("network.peer.address");
  static final AttributeKey<Long> PEER_PORT = AttributeKey.longKey("network.peer.port");

  /** The codes a server span marks as ERROR (the RPC conventions: the server's own faults). */
  static final Set<Status.Code> SERVER_ERRORS =
      EnumSet.of(
          Status.Code.UNKNOWN,
          Status.Code.DEADLINE_EXCEEDED,
          Status.Code.UNIMPLEMENTED,
          Status.Code.INTERNAL,
          Status.Code.UNAVAILABLE,
          Status.Code.DATA_LOSS);

  /** Header keys by name, made once: {@code Metadata.Key.of} validates and allocates. */
  private static final ConcurrentHashMap<String, Metadata.Key<String>> KEYS =
      new ConcurrentHashMap<>();

  static Metadata.Key<String> key(String name) {
    return KEYS.computeIfAbsent(name, n -> Metadata.Key.of(n, Metadata.ASCII_STRING_MARSHALLER));
  }

  private static final TextMapGetter<Metadata> HEADERS =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Metadata carrier) {
          return carrier.keys();
        }

        @Override
        public String get(Metadata carrier, String name) {
          if (carrier == null || name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
            return null;
          }
          return carrier.get(key(name));
        }
      };

  private final Tracer tracer;
  private final TextMapPropagator propagator;
  private final List<Metadata.Key<String>> fields; // the headers the propagators read

  ServerSpans(Tracer tracer, TextMapPropagator propagator) {
    this.tracer = tracer;
    this.propagator = propagator;
    this.fields =
        propagator.fields().stream()
            .filter(f -> !f.endsWith(Metadata.BINARY_HEADER_SUFFIX))
            .map(ServerSpans::key)
            .toList();
  }

  /** The caller's context, or the root one when no propagation header came (no extraction). */
  private Context parent(Metadata headers) {
    for (Metadata.Key<String> f : fields) {
      if (headers.containsKey(f)) {
        return propagator.extract(Context.root(), headers, HEADERS);
      }
    }
    return Context.root();
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    MethodDescriptor<ReqT, RespT> method = call.getMethodDescriptor();
    Context parent = parent(headers);
    Span span =
        tracer
            .spanBuilder(method.getFullMethodName())
            .setParent(parent)
            .setSpanKind(SpanKind.SERVER)
            .startSpan();
    if (!span.isRecording()) {
      return next.startCall(call, headers); // not sampled: nothing to carry
    }
    describe(span, call);
    CallSpan callSpan = new CallSpan(span);
    Context context = parent.with(span);
    ServerCall.Listener<ReqT> delegate;
    try (Scope s = context.makeCurrent()) {
      delegate = next.startCall(new TracedCall<>(call, callSpan), headers);
    } catch (RuntimeException | Error e) {
      callSpan.end(Status.fromThrowable(e));
      throw e;
    }
    return new TracedListener<>(delegate, context, callSpan);
  }

  private static void describe(Span span, ServerCall<?, ?> call) {
    MethodDescriptor<?, ?> method = call.getMethodDescriptor();
    span.setAttribute(RPC_SYSTEM, "grpc");
    span.setAttribute(RPC_SERVICE, String.valueOf(method.getServiceName()));
    span.setAttribute(RPC_METHOD, String.valueOf(method.getBareMethodName()));
    SocketAddress peer = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    if (peer instanceof InetSocketAddress inet) {
      span.setAttribute(PEER_ADDRESS, inet.getHostString());
      span.setAttribute(PEER_PORT, (long) inet.getPort());
    }
  }

  /** A call's span, ended once: by the call's close or, when the caller went away, its cancel. */
  private static final class CallSpan {
    private final Span span;
    private final AtomicBoolean ended = new AtomicBoolean();

    CallSpan(Span span) {
      this.span = span;
    }

    void end(Status status) {
      if (!ended.compareAndSet(false, true)) {
        return;
      }
      span.setAttribute(RPC_STATUS, (long) status.getCode().value());
      if (SERVER_ERRORS.contains(status.getCode())) {
        span.setStatus(
            StatusCode.ERROR,
            status.getDescription() == null
                ? status.getCode().name()
                : status.getCode() + ": " + status.getDescription());
      }
      span.end();
    }
  }

  private static final class TracedCall<ReqT, RespT>
      extends SimpleForwardingServerCall<ReqT, RespT> {
    private final CallSpan span;

    TracedCall(ServerCall<ReqT, RespT> call, CallSpan span) {
      super(call);
      this.span = span;
    }

    @Override
    public void close(Status status, Metadata trailers) {
      // ended before the answer leaves, so a caller that has its answer finds the span
      span.end(status);
      super.close(status, trailers);
    }
  }

  /** Makes the call's span current while each callback runs. */
  private static final class TracedListener<ReqT> extends SimpleForwardingServerCallListener<ReqT> {
    private final Context context;
    private final CallSpan span;

    TracedListener(ServerCall.Listener<ReqT> delegate, Context context, CallSpan span) {
      super(delegate);
      this.context = context;
      this.span = span;
    }

    @Override
    public void onMessage(ReqT message) {
      try (Scope s = context.makeCurrent()) {
        super.onMessage(message);
      }
    }

    @Override
    public void onHalfClose() {
      try (Scope s = context.makeCurrent()) {
        super.onHalfClose();
      }
    }

    @Override
    public void onReady() {
      try (Scope s = context.makeCurrent()) {
        super.onReady();
      }
    }

    @Override
    public void onCancel() {
      try (Scope s = context.makeCurrent()) {
        super.onCancel();
      } finally {
        span.end(Status.CANCELLED); // the caller went away: no close() follows
      }
    }

    @Override
    public void onComplete() {
      try (Scope s = context.makeCurrent()) {
        super.onComplete();
      }
    }
  }
}
