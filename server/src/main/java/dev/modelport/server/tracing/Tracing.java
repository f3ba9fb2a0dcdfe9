package dev.modelport.server.tracing;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.modelport.server.errors.Failure;
import dev.modelport.server.runtime.RequestTrace;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.common.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OpenTelemetry traces, off unless an exporter is named. When on: a server span per call ({@link
 * ServerSpans}, continuing the caller's W3C {@code traceparent}), and under it, per request, a
 * {@code modelport.queue} span (from enqueue to the start of its batch) and a {@code
 * modelport.compute} span (the batch's engine call) carrying the model, version, batch size and
 * device; a span per item on the streaming calls. A call that is not sampled costs one check per
 * request: nothing below its server span is built.
 */
public final class Tracing implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Tracing.class);

  /** Tracing off: no interceptor, no spans, nothing allocated per request. */
  public static final Tracing OFF = new Tracing(null, null);

  static final String INSTRUMENTATION = "dev.modelport.server";
  // The span attributes of modelport's own spans (ServerSpans declares the RPC conventions' ones
  // the same way: one constant per attribute name).
  static final AttributeKey<String> MODEL = AttributeKey.stringKey("modelport.model");
  static final AttributeKey<String> VERSION = AttributeKey.stringKey("modelport.version");
  static final AttributeKey<Long> BATCH_ROWS = AttributeKey.longKey("modelport.batch.rows");
  static final AttributeKey<Long> BATCH_REQUESTS = AttributeKey.longKey("modelport.batch.requests");
  static final AttributeKey<String> DEVICE = AttributeKey.stringKey("modelport.device");
  static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("modelport.request_id");
  static final AttributeKey<String> ERROR_MESSAGE = AttributeKey.stringKey("modelport.error");

  private final OpenTelemetry otel; // null: off
  private final Tracer tracer;
  private final AutoCloseable sdk; // shut down (flushing spans) by close(); may be null
  private final Clock clock = Clock.getDefault();

  private Tracing(OpenTelemetry otel, AutoCloseable sdk) {
    this.otel = otel;
    this.tracer = otel == null ? null : otel.getTracer(INSTRUMENTATION);
    this.sdk = sdk;
  }

  /** Tracing through {@code otel} (tests use an in-memory exporter); never closes it. */
  public static Tracing of(OpenTelemetry otel) {
    return new Tracing(otel, null);
  }

  /**
   * From the OpenTelemetry SDK's standard configuration (the {@code OTEL_*} environment variables
   * and {@code otel.*} system properties), with {@code overrides} ({@code otel.*} keys, from the
   * command line) winning over both. Off unless a traces exporter is named: metrics and logs are
   * not exported through OpenTelemetry unless asked (Prometheus has the metrics).
   */
  public static Tracing configure(Map<String, String> overrides, Map<String, String> env) {
    String exporter = overrides.get("otel.traces.exporter");
    if (exporter == null) {
      exporter = System.getProperty("otel.traces.exporter", env.get("OTEL_TRACES_EXPORTER"));
    }
    boolean disabled =
        "true"
            .equalsIgnoreCase(
                System.getProperty("otel.sdk.disabled", env.get("OTEL_SDK_DISABLED")));
    if (exporter == null
        || exporter.isBlank()
        || exporter.strip().toLowerCase(Locale.ROOT).equals("none")
        || disabled) {
      return OFF;
    }
    Map<String, String> defaults = new HashMap<>();
    defaults.put("otel.service.name", "modelport");
    defaults.put("otel.metrics.exporter", "none");
    defaults.put("otel.logs.exporter", "none");
    Map<String, String> seen = new HashMap<>();
    AutoConfiguredOpenTelemetrySdk configured =
        AutoConfiguredOpenTelemetrySdk.builder()
            .addPropertiesSupplier(() -> defaults)
            .addPropertiesCustomizer(
                config -> {
                  for (String key :
                      List.of(
                          "otel.traces.exporter",
                          "otel.exporter.otlp.endpoint",
                          "otel.exporter.otlp.traces.endpoint",
                          "otel.exporter.otlp.protocol",
                          "otel.traces.sampler",
                          "otel.traces.sampler.arg",
                          "otel.service.name")) {
                    String value = overrides.getOrDefault(key, config.getString(key));
                    if (value != null) {
                      seen.put(key, value);
                    }
                  }
                  return overrides;
                })
            .disableShutdownHook() // closed after the drain, so the last calls' spans are sent
            .build();
    var sdk = configured.getOpenTelemetrySdk();
    log.info(
        "tracing on: exporter {}, protocol {}, endpoint {}, sampler {} {}, service {}",
        seen.get("otel.traces.exporter"),
        seen.getOrDefault("otel.exporter.otlp.protocol", "grpc"),
        seen.getOrDefault(
            "otel.exporter.otlp.traces.endpoint",
            seen.getOrDefault("otel.exporter.otlp.endpoint", "(the exporter's default)")),
        seen.getOrDefault("otel.traces.sampler", "parentbased_always_on"),
        seen.getOrDefault("otel.traces.sampler.arg", ""),
        seen.get("otel.service.name"));
    return new Tracing(sdk, sdk);
  }

  public boolean enabled() {
    return otel != null;
  }

  /**
   * The interceptor that opens a server span per call and makes it current while the call's
   * callbacks run ({@link ServerSpans}); null when off.
   */
  public ServerInterceptor serverInterceptor() {
    if (otel == null) {
      return null;
    }
    return new ServerSpans(tracer, otel.getPropagators().getTextMapPropagator());
  }

  /** The current span when it records (tracing on and the call sampled), else null. */
  public Context recordingContext() {
    if (otel == null) {
      return null;
    }
    Context current = Context.current();
    return Span.fromContext(current).isRecording() ? current : null;
  }

  /**
   * The trace of one request queued for {@code model} {@code version} under {@code parent} (from
   * {@link #recordingContext()}); {@link RequestTrace#NONE} when {@code parent} is null.
   */
  public RequestTrace request(Context parent, String model, String version) {
    if (parent == null) {
      return RequestTrace.NONE;
    }
    return new QueuedRequest(parent, model, version, clock.now());
  }

  /**
   * Marks the span of {@code parent} with why its request was refused (the instrumentation sets the
   * gRPC code; this adds the message that names the field).
   */
  public static void rejected(Context parent, Status status) {
    if (parent == null) {
      return;
    }
    Span span = Span.fromContext(parent);
    span.addEvent(
        "modelport.rejected",
        Attributes.of(
            ServerSpans.RPC_STATUS,
            (long) status.getCode().value(),
            ERROR_MESSAGE,
            String.valueOf(status.getDescription())));
  }

  /**
   * A span for one item of a streaming call, child of the stream's span; {@link Item#NONE} when the
   * stream is not traced. Its queue and compute spans are made under it: dispatch the item inside
   * {@link Item#enter()}.
   */
  public Item streamItem(String name, String model, String requestId) {
    Context parent = recordingContext();
    if (parent == null) {
      return Item.NONE;
    }
    Span span =
        tracer
            .spanBuilder(name)
            .setParent(parent)
            .setSpanKind(SpanKind.INTERNAL)
            .setAttribute(MODEL, model)
            .setAttribute(REQUEST_ID, requestId)
            .startSpan();
    return new Item(parent.with(span), span);
  }

  /** One stream item's span. */
  public static final class Item {
    public static final Item NONE = new Item(null, null);

    private final Context context;
    private final Span span;

    Item(Context context, Span span) {
      this.context = context;
      this.span = span;
    }

    /** Makes this item's span current (for the dispatch); close the scope after it. */
    @com.google.errorprone.annotations.MustBeClosed
    public Scope enter() {
      return context == null ? Scope.noop() : context.makeCurrent();
    }

    /** Ends the item's span with the item's own outcome. */
    public void end(Status status, String version) {
      if (span == null) {
        return;
      }
      span.setAttribute(ServerSpans.RPC_STATUS, (long) status.getCode().value());
      if (!version.isEmpty()) {
        span.setAttribute(VERSION, version);
      }
      if (!status.isOk()) {
        span.setStatus(StatusCode.ERROR, status.getCode() + ": " + status.getDescription());
      }
      span.end();
    }
  }

  /** Spans made after the fact from recorded times, so a request never queued makes none. */
  private final class QueuedRequest implements RequestTrace {
    private final Context parent;
    private final String model;
    private final String version;
    private final long queuedAt; // epoch nanos
    private final Object lock = new Object();

    @GuardedBy("lock")
    private Span compute;

    @GuardedBy("lock")
    private boolean finished;

    QueuedRequest(Context parent, String model, String version, long queuedAt) {
      this.parent = parent;
      this.model = model;
      this.version = version;
      this.queuedAt = queuedAt;
    }

    @Override
    public void batchStarted(int requests, int rows, String device) {
      synchronized (lock) {
        startCompute(requests, rows, device);
      }
    }

    @GuardedBy("lock")
    private void startCompute(int requests, int rows, String device) {
      if (finished || compute != null) {
        return;
      }
      long now = clock.now();
      queueSpan(now, null);
      compute =
          tracer
              .spanBuilder("modelport.compute")
              .setParent(parent)
              .setStartTimestamp(now, TimeUnit.NANOSECONDS)
              .setAttribute(MODEL, model)
              .setAttribute(VERSION, version)
              .setAttribute(BATCH_REQUESTS, (long) requests)
              .setAttribute(BATCH_ROWS, (long) rows)
              .setAttribute(DEVICE, device)
              .startSpan();
    }

    @Override
    public void finished(Throwable error) {
      synchronized (lock) {
        finish(error);
      }
    }

    @GuardedBy("lock")
    private void finish(Throwable error) {
      if (finished) {
        return;
      }
      finished = true;
      if (compute == null) {
        queueSpan(clock.now(), error); // never ran: dropped from the queue, or failed there
        return;
      }
      if (error != null) {
        compute.setStatus(StatusCode.ERROR, describe(error));
      }
      compute.end();
    }

    private void queueSpan(long end, Throwable error) {
      Span queue =
          tracer
              .spanBuilder("modelport.queue")
              .setParent(parent)
              .setStartTimestamp(queuedAt, TimeUnit.NANOSECONDS)
              .setAttribute(MODEL, model)
              .setAttribute(VERSION, version)
              .startSpan();
      if (error != null) {
        queue.setStatus(StatusCode.ERROR, describe(error));
      }
      queue.end(end, TimeUnit.NANOSECONDS);
    }
  }

  private static String describe(Throwable error) {
    // The domain's code names are the contract's (and gRPC's) code names.
    Failure f = Failure.of(error);
    return f.code() + ": " + f.message();
  }

  /** Flushes and shuts down the SDK this created (not one given to {@link #of}). */
  @Override
  public void close() {
    if (sdk == null) {
      return;
    }
    try {
      sdk.close();
    } catch (Exception e) {
      log.warn("tracing: shutting down the exporter failed: {}", e.toString());
    }
  }
}
