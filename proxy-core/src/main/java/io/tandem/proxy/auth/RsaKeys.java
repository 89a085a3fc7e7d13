package io.tandem.proxy.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import javax.crypto.Cipher;

/**
 * The RSA key pair the proxy hands to caching_sha2_password clients that log in without TLS.
 * Generated at start-up; clients ask for the public key and send the password encrypted with
 * OAEP padding, XOR-ed with the nonce.
 */
public final class RsaKeys {

  private static final String TRANSFORMATION = "RSA/ECB/OAEPWithSHA-1AndMGF1Padding";

  private final KeyPair keyPair;
  private final byte[] publicKeyPem;

  private RsaKeys(KeyPair keyPair) {
    this.keyPair = keyPair;
    String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(keyPair.getPublic().getEncoded());
    this.publicKeyPem = ("-----BEGIN PUBLIC KEY-----\n" + base64 + "\n-----END PUBLIC KEY-----\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  public static RsaKeys generate() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return new RsaKeys(generator.generateKeyPair());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public byte[] publicKeyPem() {
    return publicKeyPem.clone();
  }

  /** Decrypts a client's RSA answer back to the cleartext password. */
  public String decryptPassword(byte[] encrypted, byte[] nonce) throws GeneralSecurityException {
    Cipher cipher = Cipher.getInstance(TRANSFORMATION);
    cipher.init(Cipher.DECRYPT_MODE, keyPair.getPrivate());
    byte[] xored = cipher.doFinal(encrypted);
    return CachingSha2Password.fromCleartext(Digests.xor(xored, nonce));
  }

  /** Encrypts a password for a server that sent {@code pem} (client side, for backends). */
  public static byte[] encryptPassword(String password, byte[] nonce, byte[] pem)
      throws GeneralSecurityException {
    String text = new String(pem, StandardCharsets.US_ASCII)
        .replaceAll("-----[A-Z ]+-----", "")
        .replaceAll("\\s", "");
    PublicKey key = KeyFactory.getInstance("RSA")
        .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(text)));
    Cipher cipher = Cipher.getInstance(TRANSFORMATION);
    cipher.init(Cipher.ENCRYPT_MODE, key);
    return cipher.doFinal(Digests.xor(CachingSha2Password.cleartext(password), nonce));
  }
}
