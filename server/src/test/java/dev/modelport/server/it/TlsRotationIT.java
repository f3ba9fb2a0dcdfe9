package dev.modelport.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.modelport.server.ModelportServer;
import dev.modelport.server.ServerOptions;
import dev.modelport.server.security.TlsReloader;
import dev.modelport.server.testing.TempStore;
import dev.modelport.server.testing.TestCertificates;
import dev.modelport.server.testing.TestServers;
import dev.modelport.v1.ListModelsRequest;
import dev.modelport.v1.ModelServiceGrpc;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Certificate rotation on a real TLS port, with the files mounted the way Kubernetes mounts a
 * Secret: {@code tls.crt}, {@code tls.key} and {@code ca.crt} are symlinks through {@code ..data},
 * itself a symlink to a timestamped folder; an update writes a new folder and swaps {@code ..data}
 * in one rename. The server re-reads every second here ({@code --tls-reload-seconds 1}); what a
 * handshake presents is read off a raw TLS socket, so no client caching is involved.
 */
class TlsRotationIT {
  static TestCertificates certs;
  static Path store;

  Path secret;
  int generation;
  ModelportServer server;
  final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeAll
  static void make() throws Exception {
    store = new TempStore().copy("iris", "iris").root;
    certs =
        TestCertificates.make(store.resolveSibling(store.getFileName() + "-certs"))
            .signed("server2", "/CN=localhost", "ca")
            .signed("server3", "/CN=localhost", "ca")
            .selfSigned("ca2", "/CN=second-ca")
            .signed("client2", "/CN=client2", "ca2");
  }

  @BeforeEach
  void mount() throws Exception {
    secret = Files.createTempDirectory("secret-volume");
    publish("server", "server", "ca");
    for (String f : List.of("tls.crt", "tls.key", "ca.crt")) {
      Files.createSymbolicLink(secret.resolve(f), Path.of("..data", f));
    }
  }

  /** The kubelet's atomic update: a new folder, then {@code ..data} swapped in one rename. */
  void publish(String certName, String keyName, String caName) throws Exception {
    Path folder = secret.resolve("..2026_12_03_" + (++generation));
    Files.createDirectory(folder);
    Files.copy(certs.pem(certName), folder.resolve("tls.crt"));
    Files.copy(certs.key(keyName), folder.resolve("tls.key"));
    Files.copy(certs.pem(caName), folder.resolve("ca.crt"));
    Path tmp = secret.resolve("..data_tmp");
    Files.createSymbolicLink(tmp, folder.getFileName());
    Files.move(tmp, secret.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
  }

  void start(boolean mutual) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--port=0",
                "--model-store=" + store,
                "--tls-cert=" + secret.resolve("tls.crt"),
                "--tls-key=" + secret.resolve("tls.key"),
                "--tls-reload-seconds=1"));
    if (mutual) {
      args.add("--tls-client-ca=" + secret.resolve("ca.crt"));
    }
    ServerOptions o = ServerOptions.parse(args.toArray(String[]::new), java.util.Map.of());
    server = TestServers.fromOptions(o, List.of());
  }

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    if (server != null) {
      server.stop();
    }
  }

  static BigInteger serial(String name) throws Exception {
    try (var in = Files.newInputStream(certs.pem(name))) {
      return ((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in))
          .getSerialNumber();
    }
  }

  /** Trusts anything, and keeps every server certificate it is shown. */
  static final class Recording implements X509TrustManager {
    final List<BigInteger> seen = new CopyOnWriteArrayList<>();

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
      seen.add(chain[0].getSerialNumber());
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  /** The serial of the certificate a new handshake on the server's port presents. */
  BigInteger presented() throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    Recording trust = new Recording();
    ctx.init(null, new TrustManager[] {trust}, null);
    try (Socket raw = new Socket("localhost", server.port());
        SSLSocket s =
            (SSLSocket)
                ctx.getSocketFactory().createSocket(raw, "localhost", server.port(), true)) {
      s.setSoTimeout(10_000);
      s.setEnabledProtocols(new String[] {"TLSv1.3"});
      s.setSSLParameters(withAlpn(s));
      s.startHandshake();
      return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  private static javax.net.ssl.SSLParameters withAlpn(SSLSocket s) {
    javax.net.ssl.SSLParameters p = s.getSSLParameters();
    p.setApplicationProtocols(new String[] {"h2"}); // gRPC's Netty server insists on ALPN h2
    return p;
  }

  /**
   * Waits (up to 20 s) for {@code condition}, looking again every 50 ms; false if it never held.
   */
  static boolean within20s(BooleanSupplier condition) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < until) {
      if (condition.getAsBoolean()) {
        return true;
      }
      TimeUnit.MILLISECONDS.sleep(50); // polling interval, not synchronisation: the loop checks
    }
    return condition.getAsBoolean();
  }

  BooleanSupplier presents(String name) throws Exception {
    BigInteger want = serial(name);
    return () -> {
      try {
        return presented().equals(want);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
  }

  ManagedChannel channel(TlsChannelCredentials.Builder creds) {
    ManagedChannel c =
        Grpc.newChannelBuilderForAddress("localhost", server.port(), creds.build()).build();
    channels.add(c);
    return c;
  }

  static int models(ManagedChannel c) {
    return ModelServiceGrpc.newBlockingStub(c)
        .withDeadlineAfter(20, TimeUnit.SECONDS)
        .listModels(ListModelsRequest.getDefaultInstance())
        .getModelsCount();
  }

  @Test
  void aSwappedSecret_isPresentedByNewHandshakes_whileOpenConnectionsKeepWorking()
      throws Exception {
    start(false);
    assertThat(presented()).isEqualTo(serial("server"));
    Recording trust = new Recording();
    ManagedChannel open = channel(TlsChannelCredentials.newBuilder().trustManager(trust));
    assertThat(models(open)).isEqualTo(1);

    publish("server2", "server2", "ca");
    assertThat(within20s(presents("server2"))).as("a new handshake presents server2").isTrue();

    assertThat(models(open)).as("the connection opened before the swap").isEqualTo(1);
    assertThat(trust.seen)
        .as("that channel never handshook again: the same connection carried both calls")
        .containsExactly(serial("server"));
    Recording after = new Recording();
    assertThat(models(channel(TlsChannelCredentials.newBuilder().trustManager(after))))
        .isEqualTo(1);
    assertThat(after.seen).containsExactly(serial("server2"));
  }

  @Test
  void aBrokenPair_isRefusedWithOneLogLine_andTheOldPairKeepsServing() throws Exception {
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    Logger reloader = (Logger) LoggerFactory.getLogger(TlsReloader.class);
    logged.start();
    reloader.addAppender(logged);
    try {
      start(false);
      ManagedChannel c =
          channel(TlsChannelCredentials.newBuilder().trustManager(certs.pem("ca").toFile()));
      assertThat(models(c)).isEqualTo(1);
      publish("server2", "server3", "ca"); // server2's certificate with server3's key
      assertThat(within20s(() -> warnings(logged).size() == 1)).as("the refusal").isTrue();
      assertThat(warnings(logged).get(0))
          .contains("not the private key of the certificate")
          .contains("still serving certificate serial " + serial("server").toString(16));
      assertThat(presented()).isEqualTo(serial("server"));
      assertThat(models(c)).isEqualTo(1);
      assertThat(
              models(
                  channel(
                      TlsChannelCredentials.newBuilder().trustManager(certs.pem("ca").toFile()))))
          .as("a new connection, after the refusal")
          .isEqualTo(1);

      publish("server3", "server3", "ca");
      assertThat(within20s(presents("server3"))).as("a good pair after the bad one").isTrue();
      assertThat(warnings(logged)).as("the bad pair was said once").hasSize(1);
    } finally {
      reloader.detachAppender(logged);
    }
  }

  static List<String> warnings(ListAppender<ILoggingEvent> logged) {
    synchronized (logged.list) {
      return logged.list.stream()
          .filter(e -> e.getLevel() == Level.WARN)
          .map(ILoggingEvent::getFormattedMessage)
          .toList();
    }
  }

  @Test
  void aRotatedClientCa_acceptsClientsOfTheNewCa() throws Exception {
    start(true);
    TlsChannelCredentials.Builder client2 =
        TlsChannelCredentials.newBuilder()
            .trustManager(certs.pem("ca").toFile())
            .keyManager(certs.pem("client2").toFile(), certs.key("client2").toFile());
    assertThat(accepted(client2)).as("client2's CA is not trusted yet").isFalse();

    // the new CA bundle trusts both CAs during the overlap
    Path bundle = certs.dir.resolve("ca-bundle.pem");
    Files.writeString(
        bundle, Files.readString(certs.pem("ca")) + Files.readString(certs.pem("ca2")));
    Path folder = secret.resolve("..2026_12_03_" + (++generation));
    Files.createDirectory(folder);
    Files.copy(certs.pem("server"), folder.resolve("tls.crt"));
    Files.copy(certs.key("server"), folder.resolve("tls.key"));
    Files.copy(bundle, folder.resolve("ca.crt"));
    Path tmp = secret.resolve("..data_tmp");
    Files.createSymbolicLink(tmp, folder.getFileName());
    Files.move(tmp, secret.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);

    assertThat(within20s(() -> accepted(client2))).as("client2 accepted after the swap").isTrue();
    TlsChannelCredentials.Builder client1 =
        TlsChannelCredentials.newBuilder()
            .trustManager(certs.pem("ca").toFile())
            .keyManager(certs.pem("client").toFile(), certs.key("client").toFile());
    assertThat(accepted(client1)).as("the old CA's clients, during the overlap").isTrue();
  }

  /** Whether a new connection with these credentials gets an answer. */
  boolean accepted(TlsChannelCredentials.Builder creds) {
    ManagedChannel c = channel(creds);
    try {
      return models(c) == 1;
    } catch (StatusRuntimeException e) {
      return false;
    } finally {
      c.shutdownNow();
    }
  }
}
