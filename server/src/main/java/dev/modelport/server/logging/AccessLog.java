package dev.modelport.server.logging;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * {@code --access-log}: one INFO line per call on the logger {@code modelport.access}: method,
 * model, version, status, duration, peer (also as key-value pairs, which the JSON log format writes
 * as fields). Health checks and reflection are not logged (probes would drown the rest). A stream
 * is one call: it is logged when it ends, with the first item's model.
 */
public final class AccessLog implements ServerInterceptor {
  private static final Logger log = LoggerFactory.getLogger("modelport.access");

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    String service = call.getMethodDescriptor().getServiceName();
    if (service == null
        || service.equals("grpc.health.v1.Health")
        || service.startsWith("grpc.reflection.")) {
      return next.startCall(call, headers);
    }
    // the call's span, when tracing is on (its interceptor runs outside this one)
    SpanContext span = Span.current().getSpanContext();
    Entry entry = new Entry(call.getMethodDescriptor().getFullMethodName(), peer(call), span);
    ServerCall<ReqT, RespT> logged =
        new SimpleForwardingServerCall<>(call) {
          @Override
          public void sendMessage(RespT message) {
            if (entry.version.isEmpty()) {
              entry.version = field(message, "model_version");
            }
            super.sendMessage(message);
          }

          @Override
          public void close(Status status, Metadata trailers) {
            entry.write(status);
            super.close(status, trailers);
          }
        };
    return new SimpleForwardingServerCallListener<>(next.startCall(logged, headers)) {
      @Override
      public void onMessage(ReqT message) {
        if (entry.model.isEmpty()) {
          entry.model = field(message, "model_name");
        }
        super.onMessage(message);
      }
    };
  }

  private static String peer(ServerCall<?, ?> call) {
    SocketAddress a = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    return a == null ? "" : a.toString();
  }

  /** A string field of a request or answer, "" if it has none. */
  static String field(Object message, String name) {
    if (message instanceof Message m) {
      Descriptors.FieldDescriptor f = m.getDescriptorForType().findFieldByName(name);
      if (f != null && f.getType() == Descriptors.FieldDescriptor.Type.STRING && !f.isRepeated()) {
        return (String) m.getField(f);
      }
    }
    return "";
  }

  /** One call's line, filled as the call goes. */
  private static final class Entry {
    final String method;
    final String peer;
    final SpanContext span;
    final long start = System.nanoTime();
    volatile String model = "";
    volatile String version = "";

    Entry(String method, String peer, SpanContext span) {
      this.method = method;
      this.peer = peer;
      this.span = span;
    }

    void write(Status status) {
      double ms = (System.nanoTime() - start) / 1e6;
      String duration = String.format(java.util.Locale.ROOT, "%.3f", ms);
      LoggingEventBuilder line =
          log.atInfo()
              .addKeyValue("method", method)
              .addKeyValue("model", model)
              .addKeyValue("version", version)
              .addKeyValue("status", status.getCode().name())
              .addKeyValue("duration_ms", duration)
              .addKeyValue("peer", peer);
      if (span.isValid()) {
        line.addKeyValue("trace_id", span.getTraceId())
            .addKeyValue("span_id", span.getSpanId())
            .log(
                "{} model={} version={} status={} duration_ms={} peer={} trace_id={} span_id={}",
                method,
                model,
                version,
                status.getCode(),
                duration,
                peer,
                span.getTraceId(),
                span.getSpanId());
      } else {
        line.log(
            "{} model={} version={} status={} duration_ms={} peer={}",
            method,
            model,
            version,
            status.getCode(),
            duration,
            peer);
      }
    }
  }
}
