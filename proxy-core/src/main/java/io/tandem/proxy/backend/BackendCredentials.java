package io.tandem.proxy.backend;

/**
 * How the proxy logs into a backend as a given user: with the cleartext password when known,
 * else with {@code SHA1(password)} recovered from the client's mysql_native_password login
 * (enough for mysql_native_password accounts on the backend, not for caching_sha2_password).
 */
public record BackendCredentials(String user, String password, byte[] nativeStage1) {

  public boolean hasPassword() {
    return password != null;
  }
}
