/**
 * OpenTelemetry tracing: {@link dev.modelport.server.tracing.ServerSpans} (a gRPC server
 * interceptor that opens one span per call, continuing the caller's W3C trace context), {@link
 * dev.modelport.server.tracing.Tracing} (the SDK set up from the flags and {@code OTEL_*}
 * variables, the per-item spans of streams and the queue and compute spans of a request, made after
 * the fact from recorded times) and {@link dev.modelport.server.tracing.TraceSettings} (the tracing
 * flags as SDK properties). Imports gRPC server classes (the interceptor), OpenTelemetry, {@code
 * errors} (to describe a failure) and {@code runtime} (the {@code RequestTrace} it implements);
 * nothing imports it but {@code grpc} and the wiring.
 */
package dev.modelport.server.tracing;
