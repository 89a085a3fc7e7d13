package io.tandem.proxy.frontend;

import io.netty.handler.ssl.SslContext;
import io.tandem.proxy.auth.RsaKeys;
import io.tandem.proxy.config.ClientLimits;
import io.tandem.proxy.config.UserAccount;
import io.tandem.proxy.metrics.ProxyMetrics;
import java.util.List;
import java.util.Objects;

/**
 * What logging in to one listener needs, shared by its connections: the accounts (replaced whole
 * by a configuration reload), the greeting's identity, TLS, the RSA keys and credential cache of
 * caching_sha2_password, failed-login blocking, the connection slots and the timeouts. The client
 * listener and the admin listener each have one. Thread-safe.
 */
public final class LoginContext {

  final ServerIdentity identity;
  /** Null when TLS is not offered. */
  final SslContext sslContext;
  final boolean tlsRequired;
  final RsaKeys rsaKeys = RsaKeys.generate();
  final CredentialCache credentials = new CredentialCache();
  final LoginThrottle throttle;
  final ConnectionRegistry registry;
  final ProxyMetrics metrics;
  private volatile List<UserAccount> users;
  private volatile ClientLimits limits;

  public LoginContext(List<UserAccount> users, ServerIdentity identity, SslContext sslContext, boolean tlsRequired,
      ClientLimits limits, int maxConnections, ProxyMetrics metrics) {
    this.users = List.copyOf(users);
    this.identity = identity;
    this.sslContext = sslContext;
    this.tlsRequired = tlsRequired;
    this.limits = Objects.requireNonNull(limits);
    this.throttle = new LoginThrottle(limits);
    this.registry = new ConnectionRegistry(maxConnections);
    this.metrics = metrics;
  }

  /** The account named {@code name}, or null. */
  UserAccount user(String name) {
    for (UserAccount u : users) {
      if (u.name().equals(name)) {
        return u;
      }
    }
    return null;
  }

  ClientLimits limits() {
    return limits;
  }

  /**
   * New accounts and timeouts for the logins that start from now on (sessions already logged in
   * keep going). Cached caching_sha2_password digests of every account are forgotten, so a changed
   * password needs a full authentication; failed-login blocking keeps its settings.
   */
  public void reload(List<UserAccount> newUsers, ClientLimits newLimits) {
    this.users = List.copyOf(newUsers);
    this.limits = Objects.requireNonNull(newLimits);
    credentials.clear();
  }
}
