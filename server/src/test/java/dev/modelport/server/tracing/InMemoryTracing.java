package dev.modelport.server.tracing;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;

/** For tests: an OpenTelemetry SDK that hands every span to {@code spans} as it ends. */
public final class InMemoryTracing {
  private InMemoryTracing() {}

  /**
   * A client interceptor that sends the current context as W3C {@code traceparent}, as a traced
   * caller would (the server's tests do without OpenTelemetry's gRPC instrumentation).
   */
  public static ClientInterceptor propagating() {
    return new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
          MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(
            next.newCall(method, options)) {
          @Override
          public void start(Listener<RespT> listener, Metadata headers) {
            W3CTraceContextPropagator.getInstance()
                .inject(
                    Context.current(),
                    headers,
                    (carrier, key, value) ->
                        carrier.put(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER), value));
            super.start(listener, headers);
          }
        };
      }
    };
  }

  public static OpenTelemetrySdk sdk(InMemorySpanExporter spans) {
    return OpenTelemetrySdk.builder()
        .setTracerProvider(
            SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
  }
}
