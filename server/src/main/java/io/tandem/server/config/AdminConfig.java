package io.tandem.server.config;

import io.tandem.proxy.config.UserAccount;
import java.util.List;

/**
 * The {@code admin} section: the admin SQL listener. It runs when {@code users} names at least one
 * account (they are not the proxy's client accounts).
 *
 * @param host  address to bind (default 127.0.0.1: loopback only)
 * @param port  TCP port (default 6032; 0 picks a free one)
 * @param users accounts that may log in to the admin port
 */
public record AdminConfig(String host, int port, List<UserAccount> users) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 6032;

  public AdminConfig {
    users = List.copyOf(users);
  }

  /** No admin listener. */
  public static AdminConfig disabled() {
    return new AdminConfig(DEFAULT_HOST, DEFAULT_PORT, List.of());
  }

  public boolean enabled() {
    return !users.isEmpty();
  }
}
