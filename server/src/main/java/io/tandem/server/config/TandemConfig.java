package io.tandem.server.config;

import io.tandem.proxy.config.ProxySettings;
import java.util.Objects;

/**
 * A validated {@code tandem.yaml}: what the proxy runs with and how the process logs.
 *
 * @param proxy    settings for {@link io.tandem.proxy.frontend.ProxyServer}
 * @param logging  the {@code logging} section
 * @param routing  the {@code routing} section and per-user routing keys
 */
public record TandemConfig(ProxySettings proxy, LoggingSettings logging, RoutingConfig routing) {

  public TandemConfig {
    Objects.requireNonNull(proxy, "proxy");
    Objects.requireNonNull(logging, "logging");
    Objects.requireNonNull(routing, "routing");
  }

  /** A config without read/write splitting. */
  public TandemConfig(ProxySettings proxy, LoggingSettings logging) {
    this(proxy, logging, RoutingConfig.masterOnly());
  }
}
