package dev.modelport.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.modelport.server.security.TlsReloader.Outcome;
import dev.modelport.server.testing.TestCertificates;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * What one look at the TLS files does, without a timer (period zero; {@link TlsReloader#reload}
 * called by the test): a changed pair is taken, an unchanged one is left alone, a bad one is
 * refused once with one log line while the pair in force stays. The handshakes themselves are in
 * {@code it.TlsRotationIT}.
 */
class TlsReloaderTest {
  static TestCertificates certs;

  @TempDir Path dir;
  Path cert;
  Path key;
  Path ca;

  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final Logger log = (Logger) LoggerFactory.getLogger(TlsReloader.class);

  /**
   * Made once per JVM, not per run of the class: mutation testing runs this class once per mutant
   * in the same JVM, and openssl's key generation would be most of its time.
   */
  @BeforeAll
  static void make() throws Exception {
    if (certs != null) {
      return;
    }
    certs =
        TestCertificates.make(Files.createTempDirectory("tls-reloader"))
            .signed("server2", "/CN=localhost", "ca")
            .selfSigned("ca2", "/CN=second-ca");
  }

  @BeforeEach
  void files() throws IOException {
    cert = dir.resolve("tls.crt");
    key = dir.resolve("tls.key");
    ca = dir.resolve("ca.crt");
    install("server", "ca");
    logged.start();
    log.addAppender(logged);
  }

  @AfterEach
  void quiet() {
    log.detachAppender(logged);
  }

  private void install(String pair, String caName) throws IOException {
    Files.copy(certs.pem(pair), cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.copy(certs.key(pair), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.copy(certs.pem(caName), ca, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private static BigInteger serial(Path pem) throws Exception {
    try (var in = Files.newInputStream(pem)) {
      return ((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in))
          .getSerialNumber();
    }
  }

  private List<String> warnings() {
    return logged.list.stream()
        .filter(e -> e.getLevel() == Level.WARN)
        .map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  @Test
  void aChangedPair_isTaken_andAnUnchangedOneIsLeftAlone() throws Exception {
    try (TlsReloader r = TlsReloader.start(cert, key, null, Duration.ZERO)) {
      assertThat(r.serving().getSerialNumber()).isEqualTo(serial(certs.pem("server")));
      assertThat(r.reload()).isEqualTo(Outcome.UNCHANGED);
      install("server2", "ca");
      assertThat(r.reload()).isEqualTo(Outcome.APPLIED);
      assertThat(r.serving().getSerialNumber()).isEqualTo(serial(certs.pem("server2")));
      assertThat(r.reload()).isEqualTo(Outcome.UNCHANGED);
      assertThat(warnings()).isEmpty();
    }
  }

  @Test
  void aKeyThatIsNotTheCertificates_isRefusedOnce_andTheOldPairStays() throws Exception {
    try (TlsReloader r = TlsReloader.start(cert, key, null, Duration.ZERO)) {
      Files.copy(certs.pem("server2"), cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      assertThat(r.reload()).isEqualTo(Outcome.REFUSED);
      assertThat(r.serving().getSerialNumber()).isEqualTo(serial(certs.pem("server")));
      assertThat(warnings())
          .singleElement()
          .asString()
          .contains("not the private key of the certificate in " + cert)
          .contains("still serving certificate serial " + serial(certs.pem("server")).toString(16));
      assertThat(r.reload()).as("the same bad pair again").isEqualTo(Outcome.UNCHANGED);
      assertThat(warnings()).hasSize(1);
      Files.copy(certs.key("server2"), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      assertThat(r.reload()).as("the key catches up").isEqualTo(Outcome.APPLIED);
      assertThat(r.serving().getSerialNumber()).isEqualTo(serial(certs.pem("server2")));
    }
  }

  @Test
  void anUnparsableCertificateOrKey_isRefused_namingTheFile() throws Exception {
    try (TlsReloader r = TlsReloader.start(cert, key, null, Duration.ZERO)) {
      Files.writeString(
          cert, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
      assertThat(r.reload()).isEqualTo(Outcome.REFUSED);
      assertThat(warnings().get(0)).contains(cert + ": not a PEM certificate chain");
      install("server", "ca");
      Files.writeString(key, "no key here\n");
      assertThat(r.reload()).isEqualTo(Outcome.REFUSED);
      assertThat(warnings().get(1)).contains(key + ": not a PEM PKCS#8 private key");
      Files.writeString(cert, "");
      assertThat(r.reload()).isEqualTo(Outcome.REFUSED);
      assertThat(warnings().get(2)).contains(cert + ": no PEM certificate in it");
      assertThat(r.serving().getSerialNumber()).isEqualTo(serial(certs.pem("server")));
    }
  }

  @Test
  void aMissingFile_isSaidOnce_untilItIsBack() throws Exception {
    try (TlsReloader r = TlsReloader.start(cert, key, null, Duration.ZERO)) {
      Files.delete(key);
      assertThat(r.reload()).isEqualTo(Outcome.REFUSED);
      assertThat(r.reload()).isEqualTo(Outcome.REFUSED);
      assertThat(warnings()).singleElement().asString().contains("cannot read " + key);
      Files.copy(certs.key("server"), key);
      assertThat(r.reload()).isEqualTo(Outcome.UNCHANGED);
      assertThat(r.serving().getSerialNumber()).isEqualTo(serial(certs.pem("server")));
    }
  }

  @Test
  void aBadPairAtStart_failsTheStart_namingTheFile() throws Exception {
    Files.copy(certs.key("rogue"), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThatThrownBy(() -> TlsReloader.start(cert, key, null, Duration.ZERO))
        .isInstanceOf(IOException.class)
        .hasMessage(key + ": not the private key of the certificate in " + cert);
    install("server", "ca");
    Files.writeString(ca, "garbage");
    assertThatThrownBy(() -> TlsReloader.start(cert, key, ca, Duration.ZERO))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith(ca + ": ");
    assertThat(warnings()).as("a refusal at start is the start's error, not a log line").isEmpty();
  }

  @Test
  void aChangedClientCa_isTaken_aBadOneRefused() throws Exception {
    try (TlsReloader r = TlsReloader.start(cert, key, ca, Duration.ZERO)) {
      assertThat(r.reload()).isEqualTo(Outcome.UNCHANGED);
      Files.copy(certs.pem("ca2"), ca, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      assertThat(r.reload()).isEqualTo(Outcome.APPLIED);
      assertThat(r.serving().getSerialNumber()).isEqualTo(serial(certs.pem("server")));
      assertThat(logged.list)
          .extracting(ILoggingEvent::getFormattedMessage)
          .contains("tls: client certificates must chain to 1 CA certificate(s) from " + ca);
      Files.writeString(ca, "");
      assertThat(r.reload()).isEqualTo(Outcome.REFUSED);
      assertThat(warnings())
          .singleElement()
          .asString()
          .contains("new client CA refused: " + ca + ": no PEM certificate in it");
    }
  }

  @Test
  void matches_tellsAKeyFromAnother_forRsaAndEc() throws Exception {
    var rsa = KeyPairGenerator.getInstance("RSA").generateKeyPair();
    var rsa2 = KeyPairGenerator.getInstance("RSA").generateKeyPair();
    var ec = KeyPairGenerator.getInstance("EC").generateKeyPair();
    var ec2 = KeyPairGenerator.getInstance("EC").generateKeyPair();
    assertThat(TlsReloader.matches(rsa.getPrivate(), rsa.getPublic())).isTrue();
    assertThat(TlsReloader.matches(rsa.getPrivate(), rsa2.getPublic())).isFalse();
    assertThat(TlsReloader.matches(ec.getPrivate(), ec.getPublic())).isTrue();
    assertThat(TlsReloader.matches(ec.getPrivate(), ec2.getPublic())).isFalse();
    assertThat(TlsReloader.matches(rsa.getPrivate(), ec.getPublic())).isFalse();
  }

  @Test
  void credentials_requireClientCertificates_onlyWithACa() throws Exception {
    try (TlsReloader tls = TlsReloader.start(cert, key, null, Duration.ZERO);
        TlsReloader mutual = TlsReloader.start(cert, key, ca, Duration.ZERO)) {
      assertThat(((io.grpc.TlsServerCredentials) tls.credentials()).getClientAuth())
          .isEqualTo(io.grpc.TlsServerCredentials.ClientAuth.NONE);
      assertThat(((io.grpc.TlsServerCredentials) mutual.credentials()).getClientAuth())
          .isEqualTo(io.grpc.TlsServerCredentials.ClientAuth.REQUIRE);
    }
  }

  private static X509Certificate[] chain(Path pem) throws Exception {
    try (var in = Files.newInputStream(pem)) {
      return new X509Certificate[] {
        (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in)
      };
    }
  }

  @Test
  void theClientCheck_usesTheCaInForce_andAdvertisesNoIssuers() throws Exception {
    try (TlsReloader r = TlsReloader.start(cert, key, ca, Duration.ZERO);
        java.net.Socket socket =
            javax.net.ssl.SSLContext.getDefault().getSocketFactory().createSocket()) {
      var trust =
          (javax.net.ssl.X509ExtendedTrustManager)
              ((io.grpc.TlsServerCredentials) r.credentials()).getTrustManagers().get(0);
      assertThat(trust.getAcceptedIssuers()).isEmpty();
      X509Certificate[] client = chain(certs.pem("client"));
      X509Certificate[] rogue = chain(certs.pem("rogue"));
      javax.net.ssl.SSLEngine engine = javax.net.ssl.SSLContext.getDefault().createSSLEngine();
      trust.checkClientTrusted(client, "RSA", socket); // an unconnected socket: the chain decides
      trust.checkServerTrusted(client, "RSA", socket);
      // every form answers what grpc-util's manager answers: a refusal passes through
      List<org.assertj.core.api.ThrowableAssert.ThrowingCallable> refused =
          List.of(
              () -> trust.checkClientTrusted(rogue, "RSA", socket),
              () -> trust.checkServerTrusted(rogue, "RSA", socket),
              () -> trust.checkClientTrusted(client, "RSA"), // no socket: not enough to check
              () -> trust.checkServerTrusted(client, "RSA"),
              () -> trust.checkClientTrusted(client, "RSA", engine), // no handshake yet
              () -> trust.checkServerTrusted(client, "RSA", engine));
      for (var call : refused) {
        assertThatThrownBy(call).isInstanceOf(java.security.cert.CertificateException.class);
      }
      // after the CA changes, the same manager answers for the new CA
      Files.copy(certs.pem("rogue"), ca, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      assertThat(r.reload()).isEqualTo(Outcome.APPLIED);
      trust.checkClientTrusted(rogue, "RSA", socket);
      assertThatThrownBy(() -> trust.checkClientTrusted(client, "RSA", socket))
          .isInstanceOf(java.security.cert.CertificateException.class);
    }
  }

  @Test
  void aTakenPair_isLoggedWithItsSerial() throws Exception {
    try (TlsReloader r = TlsReloader.start(cert, key, null, Duration.ZERO)) {
      install("server2", "ca");
      r.reload();
      String line =
          "tls: now serving certificate serial " + serial(certs.pem("server2")).toString(16);
      assertThat(logged.list)
          .extracting(ILoggingEvent::getFormattedMessage)
          .anyMatch(m -> m.startsWith(line));
    }
  }

  @Test
  void withAPeriod_theFilesAreReadAgainByTheTimer() throws Exception {
    try (TlsReloader r = TlsReloader.start(cert, key, null, Duration.ofMillis(20))) {
      install("server2", "ca");
      BigInteger want = serial(certs.pem("server2"));
      long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
      while (!r.serving().getSerialNumber().equals(want) && System.nanoTime() < until) {
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // polling, not a timed wait
      }
      assertThat(r.serving().getSerialNumber()).isEqualTo(want);
    }
  }
}
