package dev.modelport.client;

import io.grpc.ClientInterceptor;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.instrumentation.grpc.v1_6.GrpcTelemetry;

/** OpenTelemetry's gRPC client interceptor; loaded only when the builder is given one. */
final class ClientTracing {
  private ClientTracing() {}

  static ClientInterceptor interceptor(OpenTelemetry openTelemetry) {
    return GrpcTelemetry.builder(openTelemetry)
        .setEmitMessageEvents(false)
        .build()
        .createClientInterceptor();
  }
}
