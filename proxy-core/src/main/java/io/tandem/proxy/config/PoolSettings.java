package io.tandem.proxy.config;

import java.time.Duration;
import java.util.Map;

/**
 * Backend connection pool settings. Pools are kept per event loop and per (backend, user,
 * client capabilities), so a client and its backend connection share one thread.
 *
 * @param connectTimeout  how long opening and authenticating a backend connection may take
 * @param idleTimeout     an idle pooled connection older than this is closed
 * @param maxIdlePerKey   idle connections kept per pool key and event loop; 0 means 64
 * @param maxConnectionsPerBackend  connections the proxy opens to one backend at most (idle, in
 *                        use or logging in), shared evenly by the event loops; 0: no limit
 * @param multiplexing    sessions give their backend connections back between commands when
 *                        nothing ties them to them (see {@code PinReason})
 * @param multiplexingByUser  users for whom {@code multiplexing} is set otherwise
 */
public record PoolSettings(Duration connectTimeout, Duration idleTimeout, int maxIdlePerKey,
    int maxConnectionsPerBackend, boolean multiplexing, Map<String, Boolean> multiplexingByUser) {

  public PoolSettings {
    multiplexingByUser = Map.copyOf(multiplexingByUser);
  }

  /** Multiplexing on, for every user. */
  public PoolSettings(Duration connectTimeout, Duration idleTimeout, int maxIdlePerKey) {
    this(connectTimeout, idleTimeout, maxIdlePerKey, 0, true, Map.of());
  }

  /** Whether sessions of {@code user} give their connections back between commands. */
  public boolean multiplexing(String user) {
    Boolean own = multiplexingByUser.get(user);
    return own != null ? own : multiplexing;
  }

  public int effectiveMaxIdlePerKey() {
    return maxIdlePerKey <= 0 ? 64 : maxIdlePerKey;
  }
}
