package dev.modelport.server.tracing;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The server's tracing flags as OpenTelemetry SDK properties (which win over its {@code OTEL_*}
 * variables). Each argument is the flag's value, or null when it was not given.
 */
public final class TraceSettings {
  private TraceSettings() {}

  /**
   * The SDK properties for the given flags.
   *
   * @throws IllegalArgumentException naming the flag, the value and what was expected
   */
  public static Map<String, String> properties(
      String exporter, String endpoint, String protocol, String ratio) {
    Map<String, String> otel = new LinkedHashMap<>();
    if (exporter != null) {
      expect(
          exporter.equals("otlp") || exporter.equals("none"),
          "trace-exporter",
          exporter,
          "otlp or none");
      otel.put("otel.traces.exporter", exporter);
    }
    if (endpoint != null) {
      expect(
          endpoint.startsWith("http://") || endpoint.startsWith("https://"),
          "trace-endpoint",
          endpoint,
          "a URL (http://host:port)");
      otel.put("otel.exporter.otlp.endpoint", endpoint);
    }
    if (protocol != null) {
      expect(
          protocol.equals("grpc") || protocol.equals("http/protobuf"),
          "trace-protocol",
          protocol,
          "grpc or http/protobuf");
      otel.put("otel.exporter.otlp.protocol", protocol);
    }
    if (ratio != null) {
      double r;
      try {
        r = Double.parseDouble(ratio.strip());
      } catch (NumberFormatException e) {
        r = Double.NaN;
      }
      expect(r >= 0 && r <= 1, "trace-sample-ratio", ratio, "a number from 0 to 1");
      otel.put("otel.traces.sampler", "parentbased_traceidratio");
      otel.put("otel.traces.sampler.arg", Double.toString(r));
    }
    return Map.copyOf(otel);
  }

  private static void expect(boolean ok, String flag, String value, String expected) {
    if (!ok) {
      throw new IllegalArgumentException("--" + flag + ": \"" + value + "\"; expected " + expected);
    }
  }
}
