package dev.modelport.server.security;

import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The listeners' credentials: plaintext, TLS, or mutual TLS (clients must present a cert), read
 * once. A server that re-reads its certificates uses {@link TlsReloader} itself.
 */
public final class TlsSetup {
  private TlsSetup() {}

  /**
   * @param cert PEM certificate chain, or null for plaintext
   * @param key PEM private key (PKCS#8), with {@code cert}
   * @param clientCa PEM CA that client certificates must chain to, or null for server-only TLS
   */
  public static ServerCredentials credentials(Path cert, Path key, Path clientCa)
      throws IOException {
    if (cert == null) {
      if (clientCa != null) {
        throw new IOException("--tls-client-ca needs --tls-cert and --tls-key");
      }
      return InsecureServerCredentials.create();
    }
    return TlsReloader.start(cert, key, clientCa, Duration.ZERO).credentials(); // read once
  }
}
