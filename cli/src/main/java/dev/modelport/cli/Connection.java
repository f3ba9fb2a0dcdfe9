package dev.modelport.cli;

import dev.modelport.client.ModelportClient;
import dev.modelport.client.ModelportClientBuilder;
import java.io.File;
import java.io.IOException;
import java.time.Duration;

/**
 * The client every command uses: {@code --target host:port}, {@code --tls-ca FILE} (TLS), plus
 * {@code --tls-cert FILE --tls-key FILE} (mutual TLS), {@code --token T} (bearer token; also
 * MODELPORT_TOKEN).
 */
public final class Connection {
  private Connection() {}

  public static ModelportClient open(Args a, Duration deadline, int maxAttempts)
      throws IOException {
    ModelportClientBuilder b =
        ModelportClient.builder()
            .target(a.get("target", "localhost:8500"))
            .defaultDeadline(deadline)
            .maxAttempts(maxAttempts);
    String ca = a.get("tls-ca", null);
    String cert = a.get("tls-cert", null);
    if (cert != null) {
      if (ca == null || a.get("tls-key", null) == null) {
        throw new IllegalArgumentException("--tls-cert needs --tls-key and --tls-ca");
      }
      b.mutualTls(new File(ca), new File(cert), new File(a.get("tls-key", null)));
    } else if (ca != null) {
      b.tls(new File(ca));
    }
    String token = a.get("token", System.getenv("MODELPORT_TOKEN"));
    if (token != null) {
      b.bearerToken(token);
    }
    return b.build();
  }
}
