package io.tandem.proxy.frontend;

import io.tandem.proxy.config.ClientLimits;
import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failed logins per client address: after {@link ClientLimits#maxLoginFailures()} within the
 * window, the address is blocked for {@link ClientLimits#loginBlockTime()} (connections from it get
 * ERR 1129 at once), logged once per block. A successful login clears the address's count, like
 * MariaDB's {@code max_connect_errors}. Thread-safe; one entry per address that failed recently.
 */
final class LoginThrottle {

  private static final Logger log = LoggerFactory.getLogger(LoginThrottle.class);

  /** Addresses kept before the ones whose failures are over are swept out. */
  private static final int SWEEP_ABOVE = 1024;

  private final ClientLimits limits;
  private final ConcurrentHashMap<InetAddress, Failures> byAddress = new ConcurrentHashMap<>();

  /** Failures of one address: the window's start, how many, and until when it is blocked. */
  private static final class Failures {
    long windowStart;
    int count;
    long blockedUntil;
  }

  LoginThrottle(ClientLimits limits) {
    this.limits = limits;
  }

  /** Whether {@code address} is blocked now. */
  boolean blocked(InetAddress address) {
    if (address == null || limits.maxLoginFailures() <= 0) {
      return false;
    }
    Failures f = byAddress.get(address);
    if (f == null) {
      return false;
    }
    synchronized (f) {
      return f.blockedUntil != 0 && System.nanoTime() - f.blockedUntil < 0;
    }
  }

  /** A login from {@code address} failed (wrong password, unknown user). */
  void failed(InetAddress address) {
    if (address == null || limits.maxLoginFailures() <= 0) {
      return;
    }
    long now = System.nanoTime();
    Failures f = byAddress.computeIfAbsent(address, a -> new Failures());
    synchronized (f) {
      if (f.count == 0 || now - f.windowStart > limits.loginFailureWindow().toNanos()) {
        f.windowStart = now;
        f.count = 0;
      }
      if (++f.count >= limits.maxLoginFailures() && (f.blockedUntil == 0 || now - f.blockedUntil >= 0)) {
        f.blockedUntil = now + limits.loginBlockTime().toNanos();
        f.count = 0;
        log.warn("client address {} blocked for {} s after {} failed logins within {} s", address.getHostAddress(),
            limits.loginBlockTime().toSeconds(), limits.maxLoginFailures(), limits.loginFailureWindow().toSeconds());
      }
    }
    if (byAddress.size() > SWEEP_ABOVE) {
      byAddress.entrySet().removeIf(e -> expired(e.getValue(), now)); // keeps the map to recent failures
    }
  }

  /** A login from {@code address} succeeded: its failures are forgotten. */
  void succeeded(InetAddress address) {
    if (address != null && !byAddress.isEmpty()) {
      Failures f = byAddress.get(address);
      if (f != null) {
        synchronized (f) {
          if (f.blockedUntil == 0 || System.nanoTime() - f.blockedUntil >= 0) {
            byAddress.remove(address, f);
          }
        }
      }
    }
  }

  private boolean expired(Failures f, long now) {
    synchronized (f) {
      boolean blockOver = f.blockedUntil == 0 || now - f.blockedUntil >= 0;
      return blockOver && now - f.windowStart > limits.loginFailureWindow().toNanos();
    }
  }
}
