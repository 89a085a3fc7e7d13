package io.tandem.proxy.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * {@code caching_sha2_password}. Fast path: the client sends
 * {@code SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) + nonce)}, which the server checks against a
 * cached {@code SHA256(SHA256(pw))}. Full path: the cleartext password over TLS, or
 * RSA-encrypted with the server's public key ({@link RsaKeys}).
 */
public final class CachingSha2Password {

  public static final String NAME = "caching_sha2_password";
  /** Second byte of the 0x01 "more data" packet: the fast path succeeded. */
  public static final int FAST_AUTH_SUCCESS = 3;
  /** Second byte of the 0x01 "more data" packet: send the password (TLS or RSA). */
  public static final int PERFORM_FULL_AUTHENTICATION = 4;
  /** A client asking for the RSA public key sends this single byte. */
  public static final int REQUEST_PUBLIC_KEY = 2;

  private CachingSha2Password() {}

  /** {@code SHA256(SHA256(password))}: what the fast path checks against. */
  public static byte[] digest(String password) {
    return Digests.sha256(Digests.sha256(password.getBytes(StandardCharsets.UTF_8)));
  }

  /** The client side of the fast path. */
  public static byte[] scramble(String password, byte[] nonce) {
    if (password == null || password.isEmpty()) {
      return new byte[0];
    }
    byte[] stage1 = Digests.sha256(password.getBytes(StandardCharsets.UTF_8));
    byte[] stage2 = Digests.sha256(stage1);
    return Digests.xor(stage1, Digests.sha256(stage2, nonce));
  }

  /** Checks a fast-path answer against {@code SHA256(SHA256(pw))}. */
  public static boolean verify(byte[] response, byte[] nonce, byte[] digest) {
    if (response.length != 32) {
      return false;
    }
    byte[] candidate = Digests.xor(response, Digests.sha256(digest, nonce));
    return MessageDigest.isEqual(Digests.sha256(candidate), digest);
  }

  /** The payload for a full authentication over TLS: the password, NUL terminated. */
  public static byte[] cleartext(String password) {
    byte[] pw = password.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[pw.length + 1];
    System.arraycopy(pw, 0, out, 0, pw.length);
    return out;
  }

  /** Strips the trailing NUL(s) of a cleartext password payload. */
  public static String fromCleartext(byte[] payload) {
    int end = payload.length;
    while (end > 0 && payload[end - 1] == 0) {
      end--;
    }
    return new String(payload, 0, end, StandardCharsets.UTF_8);
  }
}
