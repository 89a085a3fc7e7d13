package io.tandem.proxy.config;

import java.time.Duration;

/**
 * Backend connection pool settings. Pools are kept per event loop and per (backend, user,
 * client capabilities), so a client and its backend connection share one thread.
 *
 * @param connectTimeout  how long opening and authenticating a backend connection may take
 * @param idleTimeout     an idle pooled connection older than this is closed
 * @param maxIdlePerKey   idle connections kept per pool key and event loop; 0 means 64
 */
public record PoolSettings(Duration connectTimeout, Duration idleTimeout, int maxIdlePerKey) {

  public int effectiveMaxIdlePerKey() {
    return maxIdlePerKey <= 0 ? 64 : maxIdlePerKey;
  }
}
