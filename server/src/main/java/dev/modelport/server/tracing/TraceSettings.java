package dev.modelport.server.tracing;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

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
    put(
        otel,
        "otel.traces.exporter",
        "trace-exporter",
        exporter,
        v -> v.equals("otlp") || v.equals("none"),
        "otlp or none");
    put(
        otel,
        "otel.exporter.otlp.endpoint",
        "trace-endpoint",
        endpoint,
        v -> v.startsWith("http://") || v.startsWith("https://"),
        "a URL (http://host:port)");
    put(
        otel,
        "otel.exporter.otlp.protocol",
        "trace-protocol",
        protocol,
        v -> v.equals("grpc") || v.equals("http/protobuf"),
        "grpc or http/protobuf");
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

  /** {@code property} = {@code value} when the flag was given and its value is {@code valid}. */
  private static void put(
      Map<String, String> otel,
      String property,
      String flag,
      String value,
      Predicate<String> valid,
      String expected) {
    if (value != null) {
      expect(valid.test(value), flag, value, expected);
      otel.put(property, value);
    }
  }

  private static void expect(boolean ok, String flag, String value, String expected) {
    if (!ok) {
      throw new IllegalArgumentException("--" + flag + ": \"" + value + "\"; expected " + expected);
    }
  }
}
