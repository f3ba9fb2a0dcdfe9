/**
 * Prometheus metrics through Micrometer: per model and version, requests by gRPC code, latency
 * split into queue wait, compute and total, batch sizes, queue depth, instances per device, load
 * failures; plus JVM and process metrics. {@link dev.modelport.server.metrics.MetricsHttpServer}
 * serves them at {@code /metrics}. Depends on Micrometer, {@code batching} (it observes batches)
 * and {@code runtime} (it reads served versions); nothing depends on it but the wiring and {@code
 * grpc}.
 */
package dev.modelport.server.metrics;
