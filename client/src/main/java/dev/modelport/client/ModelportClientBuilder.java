package dev.modelport.client;

import io.grpc.CallCredentials;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.NameResolverRegistry;
import io.grpc.TlsChannelCredentials;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * Builds a {@link ModelportClient}. Exactly one of {@link #target}, {@link #addresses} or {@link
 * #channel}; plaintext unless {@link #tls} is set.
 */
public final class ModelportClientBuilder {
  private String target;
  private List<InetSocketAddress> addresses;
  private ManagedChannel channel;
  private ChannelCredentials credentials = InsecureChannelCredentials.create();
  private Duration deadline = Duration.ofSeconds(30);
  private RetryPolicy retry = RetryPolicy.DEFAULT;
  private java.util.function.Consumer<ManagedChannelBuilder<?>> customizer = b -> {};
  private String token;
  private int maxMessageBytes = 64 << 20;
  private io.opentelemetry.api.@org.jspecify.annotations.Nullable OpenTelemetry openTelemetry;

  ModelportClientBuilder() {}

  /**
   * A gRPC target: {@code host:port}, or {@code dns:///name:port} to balance across every address
   * the name resolves to (e.g. a Kubernetes headless service).
   */
  public ModelportClientBuilder target(String target) {
    this.target = target;
    return this;
  }

  /** Fixed replicas, balanced round-robin. */
  public ModelportClientBuilder addresses(List<InetSocketAddress> addresses) {
    if (addresses.isEmpty()) {
      throw new IllegalArgumentException("addresses: at least one");
    }
    this.addresses = List.copyOf(addresses);
    return this;
  }

  /** Uses a channel you built; the client will not close it. */
  public ModelportClientBuilder channel(ManagedChannel channel) {
    this.channel = channel;
    return this;
  }

  /** TLS, trusting {@code caPem} (null: the JVM's trust store). */
  public ModelportClientBuilder tls(@org.jspecify.annotations.Nullable File caPem)
      throws IOException {
    TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
    if (caPem != null) {
      b.trustManager(caPem);
    }
    this.credentials = b.build();
    return this;
  }

  /** Mutual TLS: trust {@code caPem} and present {@code certPem}/{@code keyPem}. */
  public ModelportClientBuilder mutualTls(File caPem, File certPem, File keyPem)
      throws IOException {
    this.credentials =
        TlsChannelCredentials.newBuilder().trustManager(caPem).keyManager(certPem, keyPem).build();
    return this;
  }

  /** Sends {@code authorization: Bearer <token>} on every call. */
  public ModelportClientBuilder bearerToken(String token) {
    this.token = token;
    return this;
  }

  /** Deadline of every call (default 30 s). */
  public ModelportClientBuilder defaultDeadline(Duration deadline) {
    this.deadline = deadline;
    return this;
  }

  /** Attempts per call under the current retry policy (default 5; 1 turns retries off). */
  public ModelportClientBuilder maxAttempts(int maxAttempts) {
    this.retry = retry.withMaxAttempts(maxAttempts);
    return this;
  }

  /** Which failures are retried, how often and how fast (default {@link RetryPolicy#DEFAULT}). */
  public ModelportClientBuilder retryPolicy(RetryPolicy policy) {
    this.retry = java.util.Objects.requireNonNull(policy, "policy");
    return this;
  }

  /**
   * Adjusts the channel before it is built: interceptors, an executor, keepalive, user agent. Runs
   * before the client sets its round-robin, health-checking and retry configuration, which it
   * keeps. Not used with {@link #channel}.
   */
  public ModelportClientBuilder channelCustomizer(
      java.util.function.Consumer<ManagedChannelBuilder<?>> customizer) {
    this.customizer = java.util.Objects.requireNonNull(customizer, "customizer");
    return this;
  }

  /**
   * Traces every call through {@code openTelemetry}: a client span per call, and the W3C {@code
   * traceparent} (whatever propagators it has) sent along, so the server's spans join the caller's
   * trace. Uses OpenTelemetry's gRPC instrumentation, {@code
   * io.opentelemetry.instrumentation:opentelemetry-grpc-1.6}, which the application adds (the BOM
   * names its version); without this call the client needs no OpenTelemetry at all. Not used with
   * {@link #channel}: add that instrumentation's client interceptor to your own channel.
   */
  public ModelportClientBuilder openTelemetry(io.opentelemetry.api.OpenTelemetry openTelemetry) {
    this.openTelemetry = java.util.Objects.requireNonNull(openTelemetry, "openTelemetry");
    return this;
  }

  /** Largest response accepted (default 64 MiB). */
  public ModelportClientBuilder maxMessageBytes(int bytes) {
    this.maxMessageBytes = bytes;
    return this;
  }

  public ModelportClient build() {
    int given = (target != null ? 1 : 0) + (addresses != null ? 1 : 0) + (channel != null ? 1 : 0);
    if (given != 1) {
      throw new IllegalStateException("set exactly one of target, addresses or channel");
    }
    CallCredentials call = token == null ? null : new Bearer(token);
    if (channel != null) {
      if (openTelemetry != null) {
        throw new IllegalStateException(
            "openTelemetry applies to channels the builder makes; with channel(...), add"
                + " GrpcTelemetry.create(openTelemetry).createClientInterceptor() to your channel");
      }
      return new ModelportClient(channel, deadline, call, false);
    }
    ManagedChannelBuilder<?> b;
    if (addresses != null) {
      NameResolverRegistry registry = new NameResolverRegistry();
      registry.register(new StaticAddressResolverProvider(addresses));
      b =
          Grpc.newChannelBuilder(
              StaticAddressResolverProvider.SCHEME + ":///replicas", credentials, registry);
    } else {
      b = Grpc.newChannelBuilder(target, credentials);
    }
    b.maxInboundMessageSize(maxMessageBytes);
    customizer.accept(b);
    if (openTelemetry != null) {
      // in its own class, so that without tracing no OpenTelemetry class is ever loaded
      b.intercept(ClientTracing.interceptor(openTelemetry));
    }
    b.defaultServiceConfig(serviceConfig(retry));
    if (retry.maxAttempts() > 1) {
      b.enableRetry().maxRetryAttempts(retry.maxAttempts());
    } else {
      b.disableRetry();
    }
    return new ModelportClient(b.build(), deadline, call, true);
  }

  /**
   * Round-robin across resolved addresses, skipping replicas whose {@code
   * modelport.v1.InferenceService} health is NOT_SERVING (client-side health checking: a replica
   * draining on SIGTERM, or with a model that has no READY version, leaves the rotation as soon as
   * its health changes); failures retried as {@code retry} says.
   */
  static Map<String, Object> serviceConfig(RetryPolicy retry) {
    List<Object> names = new ArrayList<>();
    names.add(Map.of("service", "modelport.v1.InferenceService"));
    names.add(Map.of("service", "modelport.v1.ModelService", "method", "ListModels"));
    names.add(Map.of("service", "modelport.v1.ModelService", "method", "GetModel"));
    Map<String, Object> method =
        retry.maxAttempts() > 1
            ? Map.of("name", names, "retryPolicy", retry.serviceConfig())
            : Map.of("name", names);
    return Map.of(
        "loadBalancingConfig", List.of(Map.of("round_robin", Map.of())),
        "healthCheckConfig", Map.of("serviceName", "modelport.v1.InferenceService"),
        "methodConfig", List.of(method));
  }

  /** {@code authorization: Bearer <token>} on every call. */
  private static final class Bearer extends CallCredentials {
    private static final Metadata.Key<String> AUTHORIZATION =
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private final String token;

    Bearer(String token) {
      this.token = token;
    }

    @Override
    public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
      Metadata m = new Metadata();
      m.put(AUTHORIZATION, "Bearer " + token);
      applier.apply(m);
    }
  }
}
