package io.tandem.proxy.config;

import java.util.Objects;

/**
 * A client account the proxy authenticates itself.
 *
 * <p>Either {@code password} (cleartext) or {@code nativeHash} (the server's {@code *HEX}
 * mysql_native_password hash, i.e. {@code SHA1(SHA1(password))}) must be set. With a cleartext
 * password the proxy logs into the backends with it directly. With the hash only, the proxy
 * cannot know the password up front: it recovers {@code SHA1(password)} from the client's
 * mysql_native_password scramble (or the cleartext from a caching_sha2_password full
 * authentication) at login and uses that to log into the backends as the same user.
 *
 * @param name        user name (the same name is used on the backends)
 * @param password    cleartext password, or null
 * @param nativeHash  {@code *} followed by 40 hex digits, or null
 * @param authPlugin  the plugin this user authenticates with at the proxy
 */
public record UserAccount(String name, String password, String nativeHash, AuthPlugin authPlugin) {

  public UserAccount {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(authPlugin, "authPlugin");
    if (password == null && nativeHash == null) {
      throw new IllegalArgumentException("user " + name + " needs a password or a native hash");
    }
  }

  /** Authentication plugins the proxy speaks to clients. */
  public enum AuthPlugin {
    MYSQL_NATIVE_PASSWORD("mysql_native_password"),
    CACHING_SHA2_PASSWORD("caching_sha2_password");

    private final String protocolName;

    AuthPlugin(String protocolName) {
      this.protocolName = protocolName;
    }

    /** The name the protocol uses, e.g. {@code mysql_native_password}. */
    public String protocolName() {
      return protocolName;
    }

    public static AuthPlugin fromProtocolName(String name) {
      for (AuthPlugin p : values()) {
        if (p.protocolName.equals(name)) {
          return p;
        }
      }
      return null;
    }
  }
}
