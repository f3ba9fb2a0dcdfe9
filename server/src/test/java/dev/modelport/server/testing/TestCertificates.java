package dev.modelport.server.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Certificates for TLS tests, made with {@code openssl} (CI installs it): a CA, a server
 * certificate for localhost (and 127.0.0.1) and a client certificate signed by it, and a rogue
 * self-signed certificate that the server must refuse. Valid for two days.
 */
public final class TestCertificates {
  public final Path dir;

  private TestCertificates(Path dir) {
    this.dir = dir;
  }

  /** Makes the set in {@code dir} (created if needed). */
  public static TestCertificates make(Path dir) throws Exception {
    TestCertificates c = new TestCertificates(Files.createDirectories(dir));
    Files.writeString(dir.resolve("san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    c.selfSigned("ca", "/CN=modelport-test-ca");
    c.signed("server", "/CN=localhost", "ca");
    c.signed("client", "/CN=client", "ca");
    c.selfSigned("rogue", "/CN=rogue");
    return c;
  }

  /** {@code NAME.pem} (certificate) in the set. */
  public Path pem(String name) {
    return dir.resolve(name + ".pem");
  }

  /** {@code NAME.key} (PKCS#8 private key) in the set. */
  public Path key(String name) {
    return dir.resolve(name + ".key");
  }

  /** A new self-signed certificate {@code NAME.pem} with its key {@code NAME.key} (e.g. a CA). */
  public TestCertificates selfSigned(String name, String subject) throws Exception {
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        name + ".key",
        "-out",
        name + ".pem",
        "-days",
        "2",
        "-subj",
        subject);
    return this;
  }

  /**
   * A new certificate {@code NAME.pem} for localhost, signed by {@code ca} (a name in the set),
   * with its key {@code NAME.key}; each one gets its own serial.
   */
  public TestCertificates signed(String name, String subject, String ca) throws Exception {
    openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        name + ".key",
        "-out",
        name + ".csr",
        "-subj",
        subject);
    openssl(
        "x509",
        "-req",
        "-in",
        name + ".csr",
        "-CA",
        ca + ".pem",
        "-CAkey",
        ca + ".key",
        "-CAcreateserial",
        "-out",
        name + ".pem",
        "-days",
        "2",
        "-extfile",
        "san.ext");
    return this;
  }

  private void openssl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + " failed:\n" + out);
    }
  }
}
