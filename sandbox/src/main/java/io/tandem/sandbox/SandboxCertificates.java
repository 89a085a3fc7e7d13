package io.tandem.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for {@code localhost} / {@code 127.0.0.1} (RSA 2048, ten years),
 * made with the JDK's {@code keytool} and written as PEM: {@code cert.pem} and a PKCS#8
 * {@code key.pem}. The sandbox servers and the proxy's frontend use the same pair.
 */
public final class SandboxCertificates {

  private static final String PASSWORD = "tandem-sandbox";

  private SandboxCertificates() {}

  /** Creates (or reuses) {@code dir/cert.pem} and {@code dir/key.pem}. */
  public static void generate(Path dir) throws IOException, InterruptedException {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    if (Files.exists(cert) && Files.exists(key)) {
      return;
    }
    Files.createDirectories(dir);
    Path store = dir.resolve("sandbox.p12");
    Files.deleteIfExists(store);
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    Process p = new ProcessBuilder(List.of(keytool, "-genkeypair", "-alias", "sandbox", "-keyalg", "RSA",
        "-keysize", "2048", "-validity", "3650", "-dname", "CN=localhost", "-ext",
        "SAN=dns:localhost,ip:127.0.0.1", "-storetype", "PKCS12", "-keystore", store.toString(),
        "-storepass", PASSWORD, "-keypass", PASSWORD, "-noprompt"))
        .redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("keytool failed: " + output);
    }
    try (InputStream in = Files.newInputStream(store)) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(in, PASSWORD.toCharArray());
      Key privateKey = ks.getKey("sandbox", PASSWORD.toCharArray());
      Certificate certificate = ks.getCertificate("sandbox");
      Files.writeString(key, pem("PRIVATE KEY", privateKey.getEncoded()));
      Files.writeString(cert, pem("CERTIFICATE", certificate.getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot read the generated key store: " + e.getMessage(), e);
    }
  }

  private static String pem(String type, byte[] der) {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
  }
}
