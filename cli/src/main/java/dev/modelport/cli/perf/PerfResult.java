package dev.modelport.cli.perf;

import java.util.Map;
import java.util.TreeMap;

/**
 * One measured configuration.
 *
 * @param label what ran: "server", "in-process", "echo"
 * @param mode "unary", "stream" or "direct"
 * @param concurrency callers (unary), requests in flight (stream) or threads (in-process)
 * @param rowsPerRequest batch rows in each request
 * @param requests completed requests in the measured window, failed ones included (the rates count
 *     only the answered ones)
 * @param seconds length of the measured window
 * @param errors failures by status code
 */
record PerfResult(
    String label,
    String mode,
    int concurrency,
    int rowsPerRequest,
    long requests,
    double seconds,
    double p50Micros,
    double p90Micros,
    double p99Micros,
    Map<String, Long> errors) {

  /** Requests that failed (any status but OK). */
  long failed() {
    return errors.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Answered requests per second: failed ones are not throughput. */
  double requestsPerSecond() {
    return (requests - failed()) / seconds;
  }

  double rowsPerSecond() {
    return (requests - failed()) * (double) rowsPerRequest / seconds;
  }

  static String header() {
    return String.format(
        "%-10s %-6s %5s %5s %10s %11s %11s %9s %9s %9s  %s",
        "target",
        "mode",
        "conc",
        "rows",
        "requests",
        "req/s",
        "rows/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "errors");
  }

  String row() {
    return String.format(
        "%-10s %-6s %5d %5d %10d %11.1f %11.1f %9.3f %9.3f %9.3f  %s",
        label,
        mode,
        concurrency,
        rowsPerRequest,
        requests,
        requestsPerSecond(),
        rowsPerSecond(),
        p50Micros / 1000,
        p90Micros / 1000,
        p99Micros / 1000,
        errors.isEmpty() ? "-" : errors);
  }

  String json() {
    StringBuilder e = new StringBuilder("{");
    new TreeMap<>(errors)
        .forEach(
            (k, v) ->
                e.append(e.length() > 1 ? "," : "").append('"').append(k).append("\":").append(v));
    e.append('}');
    return String.format(
        java.util.Locale.ROOT,
        "{\"target\":\"%s\",\"mode\":\"%s\",\"concurrency\":%d,\"rows_per_request\":%d,\"requests\":%d,"
            + "\"seconds\":%.3f,\"requests_per_second\":%.1f,\"rows_per_second\":%.1f,"
            + "\"p50_ms\":%.4f,\"p90_ms\":%.4f,\"p99_ms\":%.4f,\"failed\":%d,\"errors\":%s}",
        label,
        mode,
        concurrency,
        rowsPerRequest,
        requests,
        seconds,
        requestsPerSecond(),
        rowsPerSecond(),
        p50Micros / 1000,
        p90Micros / 1000,
        p99Micros / 1000,
        failed(),
        e);
  }
}
