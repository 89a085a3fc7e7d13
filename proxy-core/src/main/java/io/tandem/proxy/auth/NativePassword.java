package io.tandem.proxy.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * {@code mysql_native_password}: the client sends
 * {@code SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw)))}. The server stores
 * {@code SHA1(SHA1(pw))} (printed as {@code *HEX}).
 */
public final class NativePassword {

  public static final String NAME = "mysql_native_password";

  private NativePassword() {}

  /** {@code SHA1(password)}: enough to log into a server with this plugin. */
  public static byte[] stage1(String password) {
    return Digests.sha1(password.getBytes(StandardCharsets.UTF_8));
  }

  /** {@code SHA1(SHA1(password))}: what the server stores. */
  public static byte[] stage2(String password) {
    return Digests.sha1(stage1(password));
  }

  /** Parses a {@code *HEX} hash as MySQL prints it. */
  public static byte[] parseHash(String starHex) {
    return HexFormat.of().parseHex(starHex.substring(1));
  }

  /** The client's answer to {@code scramble}, computed from {@code SHA1(password)}. */
  public static byte[] scramble(byte[] stage1, byte[] scramble) {
    if (stage1 == null) {
      return new byte[0];
    }
    byte[] stage2 = Digests.sha1(stage1);
    return Digests.xor(stage1, Digests.sha1(scramble, stage2));
  }

  /**
   * Checks a client's answer against the stored {@code SHA1(SHA1(pw))}. Returns the recovered
   * {@code SHA1(pw)} on success (the proxy uses it to log into backends), or null.
   */
  public static byte[] verify(byte[] response, byte[] scramble, byte[] stage2) {
    if (response.length == 0) {
      return null;
    }
    if (response.length != 20) {
      return null;
    }
    byte[] candidate = Digests.xor(response, Digests.sha1(scramble, stage2));
    return MessageDigest.isEqual(Digests.sha1(candidate), stage2) ? candidate : null;
  }
}
