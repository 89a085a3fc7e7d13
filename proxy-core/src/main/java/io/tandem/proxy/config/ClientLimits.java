package io.tandem.proxy.config;

import java.time.Duration;
import java.util.Objects;

/**
 * What a client connection may cost the proxy before it is cut off (the {@code listen} section).
 *
 * @param loginTimeout       from accept to authenticated; longer: the connection is closed (MariaDB's
 *                           {@code connect_timeout}, 10 s)
 * @param readTimeout        after login, a client that stopped in the middle of a packet (or of a
 *                           multi-packet command) for this long is disconnected
 * @param idleTimeout        a client that sends nothing between commands for this long is
 *                           disconnected (like {@code wait_timeout}); zero: never
 * @param maxLoginFailures   failed logins (wrong password, unknown user) from one address within
 *                           {@code loginFailureWindow} after which the address is blocked; zero: never
 * @param loginFailureWindow the window failed logins are counted in
 * @param loginBlockTime     how long a blocked address gets ERR 1129 at connect
 */
public record ClientLimits(Duration loginTimeout, Duration readTimeout, Duration idleTimeout, int maxLoginFailures,
    Duration loginFailureWindow, Duration loginBlockTime) {

  public static final Duration DEFAULT_LOGIN_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);
  public static final int DEFAULT_MAX_LOGIN_FAILURES = 10;
  public static final Duration DEFAULT_LOGIN_FAILURE_WINDOW = Duration.ofMinutes(1);
  public static final Duration DEFAULT_LOGIN_BLOCK_TIME = Duration.ofMinutes(1);

  public ClientLimits {
    Objects.requireNonNull(loginTimeout, "loginTimeout");
    Objects.requireNonNull(readTimeout, "readTimeout");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(loginFailureWindow, "loginFailureWindow");
    Objects.requireNonNull(loginBlockTime, "loginBlockTime");
  }

  public static ClientLimits defaults() {
    return new ClientLimits(DEFAULT_LOGIN_TIMEOUT, DEFAULT_READ_TIMEOUT, Duration.ZERO, DEFAULT_MAX_LOGIN_FAILURES,
        DEFAULT_LOGIN_FAILURE_WINDOW, DEFAULT_LOGIN_BLOCK_TIME);
  }
}
