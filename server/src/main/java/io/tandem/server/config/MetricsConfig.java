package io.tandem.server.config;

/**
 * The {@code metrics} section: Prometheus metrics at {@code /metrics} and the status page at
 * {@code /}, on one HTTP address.
 *
 * @param enabled      serve them, and count (false: the hot path counts nothing)
 * @param host         address to bind (default 127.0.0.1)
 * @param port         TCP port (default 6070; 0 picks a free one)
 * @param queryDigests keep statistics per statement digest for {@code SHOW QUERY DIGESTS}
 *                     (statements are digested only where read/write splitting parses them)
 */
public record MetricsConfig(boolean enabled, String host, int port, boolean queryDigests) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 6070;

  public static MetricsConfig defaults() {
    return new MetricsConfig(true, DEFAULT_HOST, DEFAULT_PORT, true);
  }

  public static MetricsConfig disabled() {
    return new MetricsConfig(false, DEFAULT_HOST, DEFAULT_PORT, false);
  }
}
