package io.tandem.server.config;

import io.tandem.proxy.config.ProxySettings;
import java.util.Objects;

/**
 * A validated {@code tandem.yaml}: what the proxy runs with and how the process logs.
 *
 * @param proxy    settings for {@link io.tandem.proxy.frontend.ProxyServer}
 * @param logging  the {@code logging} section
 */
public record TandemConfig(ProxySettings proxy, LoggingSettings logging) {

  public TandemConfig {
    Objects.requireNonNull(proxy, "proxy");
    Objects.requireNonNull(logging, "logging");
  }
}
