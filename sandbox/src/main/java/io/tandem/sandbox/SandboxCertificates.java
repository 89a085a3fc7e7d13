package io.tandem.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A self-signed TLS certificate for {@code localhost}: CN=localhost, subject alternative names
 * DNS localhost, DNS 127.0.0.1 and IP 127.0.0.1, RSA 2048, valid ten years, basic constraints
 * CA:true (so that it can be its own trust anchor). Made with the JDK's {@code keytool} into
 * {@code sandbox.p12} (PKCS#12, password {@value #STORE_PASSWORD}) and written as PEM:
 * {@code cert.pem} and the PKCS#8 {@code key.pem}. The sandbox servers and the proxy's frontend
 * use the same pair.
 *
 * <p>Why the extras: the MariaDB server's replication client (WolfSSL in the bundled build) only
 * accepts the self-signed certificate as a CA with CA:true, and matches the host name
 * {@code 127.0.0.1} against DNS names, not IP addresses.
 */
public final class SandboxCertificates {

  private static final Logger log = LoggerFactory.getLogger(SandboxCertificates.class);
  /** Password of {@code sandbox.p12}. */
  public static final String STORE_PASSWORD = "tandem-sandbox";
  private static final String ALIAS = "sandbox";

  private SandboxCertificates() {}

  /** Creates {@code dir/cert.pem}, {@code dir/key.pem} and {@code dir/sandbox.p12}; existing files are reused. */
  public static void generate(Path dir) throws IOException, InterruptedException {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    if (Files.exists(cert) && Files.exists(key)) {
      return;
    }
    Files.createDirectories(dir);
    long began = System.nanoTime();
    Path store = dir.resolve("sandbox.p12");
    Path newStore = dir.resolve("sandbox.p12.new");
    Files.deleteIfExists(newStore);
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    Process p = new ProcessBuilder(List.of(keytool, "-genkeypair", "-alias", ALIAS, "-keyalg", "RSA",
        "-keysize", "2048", "-validity", "3650", "-dname", "CN=localhost",
        "-ext", "SAN=dns:localhost,dns:127.0.0.1,ip:127.0.0.1", "-ext", "BC=ca:true",
        "-storetype", "PKCS12", "-keystore", newStore.toString(),
        "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD, "-noprompt"))
        .redirectErrorStream(true).start();
    p.getOutputStream().close();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("keytool did not finish: " + output);
    }
    if (p.exitValue() != 0) {
      throw new IOException("keytool failed (exit " + p.exitValue() + "): " + output);
    }
    try (InputStream in = Files.newInputStream(newStore)) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(in, STORE_PASSWORD.toCharArray());
      Key privateKey = ks.getKey(ALIAS, STORE_PASSWORD.toCharArray());
      Certificate certificate = ks.getCertificate(ALIAS);
      writeAtomically(key, pem("PRIVATE KEY", privateKey.getEncoded()));
      writeAtomically(cert, pem("CERTIFICATE", certificate.getEncoded()));
      Files.move(newStore, store, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot read the key store keytool made: " + e.getMessage(), e);
    }
    log.debug("made a TLS certificate in {} in {} ms", dir, (System.nanoTime() - began) / 1_000_000);
  }

  /**
   * Fills {@code dir} with the certificate files, copying them from a cached pair in
   * {@code $TANDEM_HOME/tls} (made once; keytool needs a second or more) when possible. Files
   * already in {@code dir} are replaced.
   */
  static void provide(Path dir) throws IOException, InterruptedException {
    // always from the cache: files an older run left in dir may not pass today's checks
    Path cached = ServerBinaries.cacheRoot().resolve("tls");
    try {
      if (!Files.exists(cached.resolve("cert.pem"))) {
        Files.createDirectories(cached.getParent());
        Path temp = Files.createTempDirectory(cached.getParent(), "tls-");
        try {
          generate(temp);
          ServerBinaries.publish(temp, cached);
        } finally {
          ServerBinaries.deleteTree(temp);
        }
      }
      Files.createDirectories(dir);
      for (String file : List.of("sandbox.p12", "key.pem", "cert.pem")) {
        Path tmp = dir.resolve(file + ".tmp");
        Files.copy(cached.resolve(file), tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, dir.resolve(file), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
    } catch (IOException e) {
      log.debug("no cached certificate in {} ({}); making one in {}", cached, e.toString(), dir);
      generate(dir);
    }
  }

  private static void writeAtomically(Path file, String text) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.US_ASCII);
    if (file.getFileName().toString().startsWith("key")) {
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException | IOException ignored) {
        // not a POSIX file system
      }
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static String pem(String type, byte[] der) {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
  }
}
