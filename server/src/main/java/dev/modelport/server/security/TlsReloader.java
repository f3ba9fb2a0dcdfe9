package dev.modelport.server.security;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.grpc.util.CertificateUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS credentials read from files and read again every period, so that a renewed certificate is
 * served without a restart. New handshakes use the pair in force at that moment; connections
 * already open keep the session they made. A new pair is taken only whole: the certificate chain
 * must parse, the key must parse (PKCS#8) and must be the private half of the certificate's public
 * key; a client CA must parse. Anything else is refused with one log line and the pair in force
 * keeps serving.
 *
 * <p>Change is seen by content, not by modification time: the files are read through their paths
 * (so Kubernetes' swap of a mounted Secret's {@code ..data} symlink is one change), and a content
 * already applied or already refused is not looked at again. grpc-util's key and trust managers
 * hold the credentials; their own file watchers are not used, because they insist on a period of a
 * minute or more and on both files' times changing, and take a key that does not match.
 */
public final class TlsReloader implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TlsReloader.class);

  /** What one look at the files did. */
  public enum Outcome {
    UNCHANGED,
    APPLIED,
    REFUSED
  }

  private final Path cert;
  private final Path key;
  private final Path clientCa; // null: server-only TLS
  private final AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
  private final AdvancedTlsX509TrustManager trust; // null without clientCa
  private final ScheduledExecutorService timer; // null: read once

  private final Object lock = new Object();

  @GuardedBy("lock")
  private byte[] seenCert = new byte[0]; // the content last looked at, applied or refused

  @GuardedBy("lock")
  private byte[] seenKey = new byte[0];

  @GuardedBy("lock")
  private byte[] seenCa = new byte[0];

  @GuardedBy("lock")
  private String unreadable; // the last read failure, said once until the files read again

  private volatile X509Certificate serving;

  private TlsReloader(Path cert, Path key, Path clientCa, Duration period) throws IOException {
    this.cert = cert;
    this.key = key;
    this.clientCa = clientCa;
    try {
      this.trust =
          clientCa == null
              ? null
              : AdvancedTlsX509TrustManager.newBuilder()
                  .setVerification(
                      AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION)
                  .build();
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot make a trust manager: " + e.getMessage(), e);
    }
    String problem = reloadIdentity(true);
    if (problem == null && clientCa != null) {
      problem = reloadCa(true);
    }
    if (problem != null) {
      throw new IOException(problem);
    }
    if (period.isZero()) {
      this.timer = null;
    } else {
      this.timer =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "modelport-tls-reload");
                t.setDaemon(true);
                return t;
              });
      long ms = period.toMillis();
      timer.scheduleWithFixedDelay(this::reloadLogged, ms, ms, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Reads the pair (and the client CA) now; throws, naming the file and the problem, when they
   * cannot serve. Then re-reads them every {@code period} (zero: never).
   *
   * @param clientCa the CA client certificates must chain to, or null for server-only TLS
   */
  public static TlsReloader start(Path cert, Path key, Path clientCa, Duration period)
      throws IOException {
    return new TlsReloader(cert, key, clientCa, period);
  }

  /** Credentials whose handshakes use whatever pair (and CA) is in force at the time. */
  public ServerCredentials credentials() {
    TlsServerCredentials.Builder b = TlsServerCredentials.newBuilder().keyManager(keys);
    if (trust != null) {
      b.trustManager(new NoIssuerHints(trust)).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
    }
    return b.build();
  }

  /** The certificate new handshakes present. */
  public X509Certificate serving() {
    return serving;
  }

  /** Looks at the files once; what changed is applied or refused (each logged once). */
  public Outcome reload() {
    Outcome identity = outcome(reloadIdentity(false));
    Outcome ca = clientCa == null ? Outcome.UNCHANGED : outcome(reloadCa(false));
    if (identity == Outcome.REFUSED || ca == Outcome.REFUSED) {
      return Outcome.REFUSED;
    }
    return identity == Outcome.APPLIED || ca == Outcome.APPLIED
        ? Outcome.APPLIED
        : Outcome.UNCHANGED;
  }

  private static final String UNCHANGED = "(unchanged)";

  private static Outcome outcome(String problem) {
    if (problem == null) {
      return Outcome.APPLIED;
    }
    return problem.equals(UNCHANGED) ? Outcome.UNCHANGED : Outcome.REFUSED;
  }

  private void reloadLogged() {
    try {
      reload();
    } catch (RuntimeException e) {
      // the timer must go on: a thrown task would cancel every later look
      log.warn("tls: reloading {} failed: {}", cert, e.toString());
    }
  }

  /** null: applied; {@link #UNCHANGED}: nothing new; else the problem (logged unless at start). */
  private String reloadIdentity(boolean atStart) {
    synchronized (lock) {
      byte[] certBytes;
      byte[] keyBytes;
      try {
        certBytes = Files.readAllBytes(cert);
        keyBytes = Files.readAllBytes(key);
      } catch (IOException e) {
        return unreadable(atStart, PAIR, e);
      }
      unreadable = null;
      if (Arrays.equals(certBytes, seenCert) && Arrays.equals(keyBytes, seenKey)) {
        return UNCHANGED;
      }
      seenCert = certBytes;
      seenKey = keyBytes;
      String problem;
      X509Certificate[] chain = null;
      PrivateKey privateKey = null;
      try {
        chain = CertificateUtils.getX509Certificates(new ByteArrayInputStream(certBytes));
        problem = chain.length == 0 ? cert + ": no PEM certificate in it" : null;
      } catch (GeneralSecurityException | RuntimeException e) {
        problem = cert + ": not a PEM certificate chain (" + e.getMessage() + ")";
      }
      if (problem == null) {
        try {
          privateKey = CertificateUtils.getPrivateKey(new ByteArrayInputStream(keyBytes));
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
          problem = key + ": not a PEM PKCS#8 private key (" + e + ")";
        }
      }
      if (problem == null && !matches(privateKey, chain[0].getPublicKey())) {
        problem = key + ": not the private key of the certificate in " + cert;
      }
      if (problem != null) {
        return refused(atStart, PAIR, problem);
      }
      keys.updateIdentityCredentials(chain, privateKey);
      serving = chain[0];
      log.info(
          "tls: {} certificate serial {} ({}, valid until {}) from {}",
          atStart ? "serving" : "now serving",
          chain[0].getSerialNumber().toString(16),
          chain[0].getSubjectX500Principal().getName(),
          chain[0].getNotAfter().toInstant(),
          cert);
      return null;
    }
  }

  private String reloadCa(boolean atStart) {
    synchronized (lock) {
      byte[] caBytes;
      try {
        caBytes = Files.readAllBytes(clientCa);
      } catch (IOException e) {
        return unreadable(atStart, CA, e);
      }
      unreadable = null;
      if (Arrays.equals(caBytes, seenCa)) {
        return UNCHANGED;
      }
      seenCa = caBytes;
      X509Certificate[] cas;
      try {
        cas = CertificateUtils.getX509Certificates(new ByteArrayInputStream(caBytes));
      } catch (GeneralSecurityException | RuntimeException e) {
        return refusedCa(atStart, "not a PEM certificate list (" + e.getMessage() + ")");
      }
      if (cas.length == 0) {
        return refusedCa(atStart, "no PEM certificate in it");
      }
      try {
        trust.updateTrustCredentials(cas);
      } catch (IOException | GeneralSecurityException e) {
        return refusedCa(atStart, "cannot be trusted (" + e.getMessage() + ")");
      }
      log.info(
          "tls: client certificates must chain to {} CA certificate(s) from {}",
          cas.length,
          clientCa);
      return null;
    }
  }

  /** A file that cannot be read (e.g. removed): refused, said once while it stays so. */
  @GuardedBy("lock")
  private String unreadable(boolean atStart, String what, IOException e) {
    String problem = "cannot read " + e.getMessage() + " (" + e.getClass().getSimpleName() + ")";
    if (problem.equals(unreadable)) {
      return problem;
    }
    unreadable = problem;
    return refused(atStart, what, problem);
  }

  private static final String PAIR = "certificate pair";
  private static final String CA = "client CA";

  private String refused(boolean atStart, String what, String problem) {
    if (!atStart) {
      X509Certificate now = serving;
      log.warn(
          "tls: new {} refused: {}; still serving certificate serial {}{}",
          what,
          problem,
          now == null ? "(none)" : now.getSerialNumber().toString(16),
          what.equals(CA) ? " and the client CA in force" : "");
    }
    return problem;
  }

  private String refusedCa(boolean atStart, String problem) {
    return refused(atStart, CA, clientCa + ": " + problem);
  }

  private static final byte[] PROBE =
      "modelport: does this key belong to this certificate?".getBytes(StandardCharsets.UTF_8);

  /** Whether {@code key} signs what {@code pub} verifies (RSA, EC and EdDSA keys). */
  static boolean matches(PrivateKey key, PublicKey pub) {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
          default -> null;
        };
    if (algorithm == null || !key.getAlgorithm().equals(pub.getAlgorithm())) {
      return false;
    }
    try {
      byte[] probe = PROBE.clone();
      Signature s = Signature.getInstance(algorithm);
      s.initSign(key);
      s.update(probe);
      byte[] signed = s.sign();
      Signature v = Signature.getInstance(algorithm);
      v.initVerify(pub);
      v.update(probe);
      return v.verify(signed);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /**
   * The client CA's trust manager, minus the list of acceptable issuers. Netty's OpenSSL server
   * context sends that list in its certificate request, read once when the context is made; a
   * client (the JDK's among them) offers only a certificate from a listed issuer, so after a CA
   * rotation the new CA's clients would send none. With no list, a client sends its certificate and
   * the check below, against the CA in force, decides.
   */
  private static final class NoIssuerHints extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager delegate;

    NoIssuerHints(X509ExtendedTrustManager delegate) {
      this.delegate = delegate;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      delegate.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      delegate.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      delegate.checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      delegate.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      delegate.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      delegate.checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
