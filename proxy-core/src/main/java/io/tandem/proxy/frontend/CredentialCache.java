package io.tandem.proxy.frontend;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the proxy learns at logins: the caching_sha2_password fast-path digest of a user after a
 * successful full authentication (the "cache" in the plugin's name), and {@code SHA1(password)}
 * of users configured with a native hash only, needed to log into backends.
 */
final class CredentialCache {

  private final Map<String, byte[]> sha2Digests = new ConcurrentHashMap<>();
  private final Map<String, byte[]> nativeStage1 = new ConcurrentHashMap<>();

  byte[] sha2Digest(String user) {
    return sha2Digests.get(user);
  }

  void sha2Digest(String user, byte[] digest) {
    sha2Digests.put(user, digest);
  }

  byte[] nativeStage1(String user) {
    return nativeStage1.get(user);
  }

  void nativeStage1(String user, byte[] stage1) {
    nativeStage1.put(user, stage1);
  }

  /** Forgets everything (the accounts were reloaded: a password may have changed). */
  void clear() {
    sha2Digests.clear();
    nativeStage1.clear();
  }
}
