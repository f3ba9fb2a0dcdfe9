package dev.modelport.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tokens and the interceptor, in process: who gets in, with which role, and what the refused are
 * told (never the token). TLS itself is exercised over real sockets by SecurityIT.
 */
class SecurityTest {
  static final String USER = "user-token-0123456789";
  static final String ADMIN = "admin-token-0123456789";

  @TempDir Path dir;
  Server server;
  ManagedChannel channel;

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
      server.shutdownNow();
    }
  }

  private TokenStore tokens(String text) throws IOException {
    Path f = dir.resolve("tokens.txt");
    Files.writeString(f, text);
    return TokenStore.load(f);
  }

  @Test
  void tokenFile_rolesCommentsAndBlankLines() throws Exception {
    TokenStore t =
        tokens("# ours\n\n" + USER + "\n" + ADMIN + " admin\n  other-token-000000 USER\n");
    assertThat(t.size()).isEqualTo(3);
    assertThat(t.roleOf(USER)).contains(TokenStore.Role.USER);
    assertThat(t.roleOf(ADMIN)).contains(TokenStore.Role.ADMIN);
    assertThat(t.roleOf("other-token-000000")).contains(TokenStore.Role.USER);
    assertThat(t.roleOf("nope")).isEmpty();
    assertThat(t.roleOf(USER + "x")).isEmpty();
  }

  @Test
  void tokenFile_errorsNameTheLine_andNeverTheToken() {
    assertThatThrownBy(() -> tokens(USER + " root\n"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("tokens.txt:1: role \"root\"; expected user or admin")
        .hasMessageNotContaining(USER);
    assertThatThrownBy(() -> tokens("\n" + USER + " admin extra\n"))
        .hasMessageContaining("tokens.txt:2: expected TOKEN [user|admin]");
    assertThatThrownBy(() -> tokens("tiny admin\n"))
        .hasMessageContaining(":1: token shorter than 16 characters")
        .hasMessageNotContaining("tiny");
  }

  @Test
  void exactlySixteenCharacters_isLongEnough_andAnEmptyFileIsNot() throws Exception {
    assertThat(tokens("0123456789abcdef\n").size()).isEqualTo(1);
    assertThatThrownBy(() -> tokens("# nothing\n")).hasMessageContaining("no tokens");
  }

  static final MethodDescriptor.Marshaller<byte[]> BYTES = dev.modelport.server.RawBytes.MARSHALLER;

  static MethodDescriptor<byte[], byte[]> method(String service, String name) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(service, name))
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
  }

  static final MethodDescriptor<byte[], byte[]> PREDICT =
      method("modelport.v1.InferenceService", "Predict");
  static final MethodDescriptor<byte[], byte[]> RELOAD =
      method("modelport.v1.ModelService", "ReloadModel");
  static final MethodDescriptor<byte[], byte[]> OIP_LOAD =
      method("inference.GRPCInferenceService", "RepositoryModelLoad");
  static final MethodDescriptor<byte[], byte[]> OIP_UNLOAD =
      method("inference.GRPCInferenceService", "RepositoryModelUnload");
  static final MethodDescriptor<byte[], byte[]> OIP_INFER =
      method("inference.GRPCInferenceService", "ModelInfer");

  void start() throws Exception {
    TokenStore t = tokens(USER + "\n" + ADMIN + " admin\n");
    AuthInterceptor auth = new AuthInterceptor(t);
    String name = InProcessServerBuilder.generateName();
    ServerServiceDefinition inference =
        ServerServiceDefinition.builder("modelport.v1.InferenceService")
            .addMethod(
                PREDICT,
                ServerCalls.asyncUnaryCall(
                    (req, out) -> {
                      out.onNext(req);
                      out.onCompleted();
                    }))
            .build();
    ServerServiceDefinition models =
        ServerServiceDefinition.builder("modelport.v1.ModelService")
            .addMethod(
                RELOAD,
                ServerCalls.asyncUnaryCall(
                    (req, out) -> {
                      out.onNext(req);
                      out.onCompleted();
                    }))
            .build();
    ServerServiceDefinition oip =
        ServerServiceDefinition.builder("inference.GRPCInferenceService")
            .addMethod(OIP_LOAD, ServerCalls.asyncUnaryCall(SecurityTest::echo))
            .addMethod(OIP_UNLOAD, ServerCalls.asyncUnaryCall(SecurityTest::echo))
            .addMethod(OIP_INFER, ServerCalls.asyncUnaryCall(SecurityTest::echo))
            .build();
    HealthStatusManager health = new HealthStatusManager();
    server =
        InProcessServerBuilder.forName(name)
            .addService(ServerInterceptors.intercept(inference, auth))
            .addService(ServerInterceptors.intercept(models, auth))
            .addService(ServerInterceptors.intercept(oip, auth))
            .addService(ServerInterceptors.intercept(health.getHealthService(), auth))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  private static void echo(byte[] req, io.grpc.stub.StreamObserver<byte[]> out) {
    out.onNext(req);
    out.onCompleted();
  }

  Status call(MethodDescriptor<byte[], byte[]> m, String authorization) {
    Metadata h = new Metadata();
    if (authorization != null) {
      h.put(AuthInterceptor.AUTHORIZATION, authorization);
    }
    io.grpc.Channel ch =
        io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(h));
    try {
      byte[] out =
          ClientCalls.blockingUnaryCall(
              ch,
              m,
              CallOptions.DEFAULT.withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS),
              new byte[] {42});
      assertThat(out).containsExactly(42);
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
  }

  @Test
  void theInterceptor_admitsValidTokens_andRefusesTheRest_withoutEchoingThem() throws Exception {
    start();
    assertThat(call(PREDICT, "Bearer " + USER).getCode()).isEqualTo(Status.Code.OK);
    assertThat(call(PREDICT, "bearer " + ADMIN).getCode()).isEqualTo(Status.Code.OK);
    Status missing = call(PREDICT, null);
    assertThat(missing.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(missing.getDescription()).contains("authorization: Bearer <token>");
    assertThat(call(PREDICT, "Basic " + USER).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(call(PREDICT, "Bearer").getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    Status wrong = call(PREDICT, "Bearer wrong-token-0123456789");
    assertThat(wrong.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(wrong.getDescription()).isEqualTo("invalid token");
  }

  @Test
  void reloadModel_needsAnAdminToken() throws Exception {
    start();
    Status user = call(RELOAD, "Bearer " + USER);
    assertThat(user.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(user.getDescription()).contains("admin");
    assertThat(call(RELOAD, "Bearer " + ADMIN).getCode()).isEqualTo(Status.Code.OK);
    assertThat(call(RELOAD, null).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
  }

  @Test
  void oipRepositoryLoadAndUnload_needAnAdminToken_inferenceAUserOne() throws Exception {
    start();
    for (MethodDescriptor<byte[], byte[]> m : List.of(OIP_LOAD, OIP_UNLOAD)) {
      Status user = call(m, "Bearer " + USER);
      assertThat(user.getCode()).as(m.getFullMethodName()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(user.getDescription()).endsWith("needs an admin token");
      assertThat(call(m, "Bearer " + ADMIN).getCode()).isEqualTo(Status.Code.OK);
    }
    assertThat(call(OIP_INFER, "Bearer " + USER).getCode()).isEqualTo(Status.Code.OK);
    assertThat(call(OIP_INFER, null).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
  }

  @Test
  void healthChecks_needNoToken() throws Exception {
    start();
    assertThat(
            HealthGrpc.newBlockingStub(channel)
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus()
                .name())
        .isEqualTo("SERVING");
  }

  @Test
  void credentials_plaintextWithoutACert_andAClientCaNeedsOne() throws Exception {
    assertThat(TlsSetup.credentials(null, null, null))
        .isInstanceOf(io.grpc.InsecureServerCredentials.class);
    assertThatThrownBy(() -> TlsSetup.credentials(null, null, dir.resolve("ca.pem")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("--tls-client-ca needs --tls-cert");
  }

  @Test
  void credentials_tls_andMutualTlsRequiresClientCertificates() throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Process p =
        new ProcessBuilder(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=localhost",
                "-keyout",
                key.toString(),
                "-out",
                cert.toString())
            .redirectErrorStream(true)
            .start();
    p.getInputStream().readAllBytes();
    assertThat(p.waitFor()).isZero();
    var tls = (io.grpc.TlsServerCredentials) TlsSetup.credentials(cert, key, null);
    assertThat(tls.getClientAuth()).isEqualTo(io.grpc.TlsServerCredentials.ClientAuth.NONE);
    var mutual = (io.grpc.TlsServerCredentials) TlsSetup.credentials(cert, key, cert);
    assertThat(mutual.getClientAuth()).isEqualTo(io.grpc.TlsServerCredentials.ClientAuth.REQUIRE);
    assertThat(mutual.getTrustManagers()).hasSize(1); // the client CA, re-read by TlsReloader
  }
}
