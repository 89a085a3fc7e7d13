package io.tandem.server.config;

import io.tandem.proxy.config.ProxySettings;
import io.tandem.proxy.route.WriterRole;
import io.tandem.router.failover.FailoverSettings;
import java.time.Duration;
import java.util.Objects;

/**
 * A validated {@code tandem.yaml}: what the proxy runs with and how the process logs.
 *
 * @param proxy    settings for {@link io.tandem.proxy.frontend.ProxyServer}
 * @param logging  the {@code logging} section
 * @param routing  the {@code routing} section and per-user routing keys
 * @param failover   the {@code failover} section (it needs {@code routing.monitor})
 * @param holdWrites how long writes wait while the writer is switched ({@code failover.hold_writes})
 */
public record TandemConfig(ProxySettings proxy, LoggingSettings logging, RoutingConfig routing,
    FailoverSettings failover, Duration holdWrites) {

  public TandemConfig {
    Objects.requireNonNull(proxy, "proxy");
    Objects.requireNonNull(logging, "logging");
    Objects.requireNonNull(routing, "routing");
    Objects.requireNonNull(failover, "failover");
    Objects.requireNonNull(holdWrites, "holdWrites");
  }

  /** A config without read/write splitting, with the default failover settings. */
  public TandemConfig(ProxySettings proxy, LoggingSettings logging) {
    this(proxy, logging, RoutingConfig.masterOnly(), FailoverSettings.defaults(),
        WriterRole.DEFAULT_HOLD_WRITES);
  }
}
