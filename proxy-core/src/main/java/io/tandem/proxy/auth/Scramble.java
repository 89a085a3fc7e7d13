package io.tandem.proxy.auth;

import java.security.SecureRandom;

/** The 20-byte nonce of a handshake: printable, no NUL, as servers send it. */
public final class Scramble {

  private static final SecureRandom RANDOM = new SecureRandom();

  private Scramble() {}

  public static byte[] generate() {
    byte[] bytes = new byte[20];
    RANDOM.nextBytes(bytes);
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (((bytes[i] & 0x7F) % 94) + 33);
    }
    return bytes;
  }
}
