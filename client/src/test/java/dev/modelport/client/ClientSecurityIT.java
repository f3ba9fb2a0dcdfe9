package dev.modelport.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelport.server.ModelportServer;
import dev.modelport.server.ServerOptions;
import dev.modelport.server.security.AuthInterceptor;
import dev.modelport.server.security.TokenStore;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The client's mutual TLS and bearer-token options against a server that requires both. */
class ClientSecurityIT {

  @Test
  void mutualTlsAndToken_letTheClientIn_andMissingOnesKeepItOut() throws Exception {
    Path store = ClientAgainstServerIT.irisStore();
    Path certs =
        dev.modelport.server.testing.TestCertificates.make(
                store.resolveSibling(store.getFileName() + "-certs"))
            .dir;
    Path tokens = Files.writeString(certs.resolve("tokens"), "client-token-0123456789 admin\n");
    ServerOptions o =
        ServerOptions.parse(
            new String[] {
              "--port=0",
              "--model-store=" + store,
              "--tls-cert=" + certs.resolve("server.pem"),
              "--tls-key=" + certs.resolve("server.key"),
              "--tls-client-ca=" + certs.resolve("ca.pem"),
              "--auth-tokens=" + tokens
            },
            Map.of());
    List<ServerInterceptor> auth = List.of(new AuthInterceptor(TokenStore.load(o.authTokens())));
    ModelportServer s = dev.modelport.server.testing.TestServers.fromOptions(o, auth);
    File ca = certs.resolve("ca.pem").toFile();
    try {
      try (ModelportClient good =
          ModelportClient.builder()
              .target("localhost:" + s.port())
              .mutualTls(
                  ca, certs.resolve("client.pem").toFile(), certs.resolve("client.key").toFile())
              .bearerToken("client-token-0123456789")
              .build()) {
        assertThat(
                good.predict("iris", Tensors.of("features", ClientAgainstServerIT.CLASSIC))
                    .getOutputs(0)
                    .getShapeList())
            .containsExactly(6L, 3L);
        assertThat(good.reloadModel("iris")).hasSize(1);
      }
      try (ModelportClient noToken =
          ModelportClient.builder()
              .target("localhost:" + s.port())
              .mutualTls(
                  ca, certs.resolve("client.pem").toFile(), certs.resolve("client.key").toFile())
              .build()) {
        assertThatThrownBy(noToken::listModels)
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
      }
      try (ModelportClient noCert =
          ModelportClient.builder()
              .target("localhost:" + s.port())
              .tls(ca)
              .bearerToken("client-token-0123456789")
              .maxAttempts(1)
              .build()) {
        assertThatThrownBy(noCert::listModels)
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
      }
    } finally {
      s.stop();
    }
  }
}
