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
 * @param admin      the {@code admin} section (the admin SQL listener)
 * @param metrics    the {@code metrics} section (Prometheus metrics and the status page)
 */
public record TandemConfig(ProxySettings proxy, LoggingSettings logging, RoutingConfig routing,
    FailoverSettings failover, Duration holdWrites, AdminConfig admin, MetricsConfig metrics) {

  /** A config without the admin listener and without metrics. */
  public TandemConfig(ProxySettings proxy, LoggingSettings logging, RoutingConfig routing,
      FailoverSettings failover, Duration holdWrites) {
    this(proxy, logging, routing, failover, holdWrites, AdminConfig.disabled(), MetricsConfig.disabled());
  }

  public TandemConfig {
    Objects.requireNonNull(admin, "admin");
    Objects.requireNonNull(metrics, "metrics");
    Objects.requireNonNull(proxy, "proxy");
    Objects.requireNonNull(logging, "logging");
    Objects.requireNonNull(routing, "routing");
    Objects.requireNonNull(failover, "failover");
    Objects.requireNonNull(holdWrites, "holdWrites");
  }

  /** This config with other {@code admin} and {@code metrics} sections. */
  public TandemConfig with(AdminConfig newAdmin, MetricsConfig newMetrics) {
    return new TandemConfig(proxy, logging, routing, failover, holdWrites, newAdmin, newMetrics);
  }

  /** A config without read/write splitting, with the default failover settings. */
  public TandemConfig(ProxySettings proxy, LoggingSettings logging) {
    this(proxy, logging, RoutingConfig.masterOnly(), FailoverSettings.defaults(),
        WriterRole.DEFAULT_HOLD_WRITES);
  }
}
