package dev.modelport.cli;

import dev.modelport.client.ModelportClient;
import dev.modelport.client.ModelportClientBuilder;
import dev.modelport.client.RetryPolicy;
import java.io.File;
import java.io.IOException;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The options every command that talks to a server shares. */
public final class ConnectionOptions {
  @Option(
      names = "--target",
      paramLabel = "HOST:PORT",
      defaultValue = "localhost:8500",
      description =
          "server address, or dns:///name:port for every replica (default: ${DEFAULT-VALUE})")
  String target;

  @Option(names = "--tls-ca", paramLabel = "FILE", description = "PEM CA: connect with TLS")
  File tlsCa;

  @Option(names = "--tls-cert", paramLabel = "FILE", description = "PEM client certificate (mTLS)")
  File tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM client key (mTLS)")
  File tlsKey;

  @Option(
      names = "--token",
      paramLabel = "T",
      defaultValue = "${env:MODELPORT_TOKEN}",
      description = "bearer token (default: $MODELPORT_TOKEN)")
  String token;

  @Option(
      names = "--deadline-seconds",
      paramLabel = "N",
      defaultValue = "120",
      description = "deadline of each call (default: ${DEFAULT-VALUE})")
  int deadlineSeconds;

  public String target() {
    return target;
  }

  /** A client for these options, retrying UNAVAILABLE {@code maxAttempts} times. */
  public ModelportClient open(int maxAttempts) throws IOException {
    ModelportClientBuilder b =
        ModelportClient.builder()
            .target(target)
            .defaultDeadline(Duration.ofSeconds(deadlineSeconds))
            .retryPolicy(RetryPolicy.DEFAULT.withMaxAttempts(maxAttempts));
    if (tlsCert != null) {
      if (tlsCa == null || tlsKey == null) {
        throw new IllegalArgumentException("--tls-cert needs --tls-key and --tls-ca");
      }
      b.mutualTls(tlsCa, tlsCert, tlsKey);
    } else if (tlsCa != null) {
      b.tls(tlsCa);
    }
    if (token != null && !token.isBlank()) {
      b.bearerToken(token);
    }
    return b.build();
  }
}
