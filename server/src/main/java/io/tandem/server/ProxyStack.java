package io.tandem.server;

import io.tandem.admin.AdminContext;
import io.tandem.admin.AdminServer;
import io.tandem.admin.MetricsServer;
import io.tandem.admin.metrics.TandemMetrics;
import io.tandem.proxy.config.ProxySettings;
import io.tandem.proxy.frontend.ProxyServer;
import io.tandem.proxy.metrics.ProxyMetrics;
import io.tandem.proxy.route.BackendAvailability;
import io.tandem.proxy.route.MasterOnlyRouter;
import io.tandem.proxy.route.RouterFactory;
import io.tandem.proxy.route.WriterRole;
import io.tandem.router.failover.FailoverController;
import io.tandem.router.failover.FailoverSettings;
import io.tandem.router.monitor.ReplicaMonitor;
import io.tandem.router.split.ReadWriteSplit;
import io.tandem.server.config.AdminConfig;
import io.tandem.server.config.MetricsConfig;
import io.tandem.server.config.RoutingConfig;
import io.tandem.server.config.TandemConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The running proxy and what decides for it and watches it: the writer role, the monitor (in every
 * routing mode, when {@code routing.monitor} is configured), the router factory (read/write
 * splitting or master only), the failover controller, the admin listener and the metrics server.
 * {@code tandem run}, {@code tandem sandbox} and the integration tests all start it here. Closed
 * in reverse order.
 */
public final class ProxyStack implements AutoCloseable {

  private final WriterRole writerRole;
  private final BackendAvailability availability;
  private final ReplicaMonitor monitor;
  private final ReadWriteSplit split;
  private final FailoverController controller;
  private final ProxyServer proxy;
  private final TandemMetrics metrics;
  private AdminServer adminServer;
  private MetricsServer metricsServer;
  private ConfigFile configFile;

  private ProxyStack(WriterRole writerRole, BackendAvailability availability, ReplicaMonitor monitor,
      ReadWriteSplit split, FailoverController controller, ProxyServer proxy, TandemMetrics metrics) {
    this.writerRole = writerRole;
    this.availability = availability;
    this.monitor = monitor;
    this.split = split;
    this.controller = controller;
    this.proxy = proxy;
    this.metrics = metrics;
  }

  /** The stack a config asks for, listening once this returns (no file: RELOAD CONFIG is refused). */
  public static ProxyStack start(TandemConfig config) throws IOException, InterruptedException {
    return start(config, null);
  }

  /** The stack {@code config}, read from {@code file} (RELOAD CONFIG reads it again), asks for. */
  public static ProxyStack start(TandemConfig config, Path file) throws IOException, InterruptedException {
    ProxyStack stack = start(config.proxy(), config.routing(), config.failover(), config.holdWrites(),
        config.metrics());
    try {
      stack.configFile = file == null ? null : new ConfigFile(file, config, stack);
      stack.startAdmin(config.admin(), config.metrics());
      return stack;
    } catch (IOException | InterruptedException | RuntimeException e) {
      stack.close();
      throw e;
    }
  }

  /** A stack without admin listener and metrics (tests that build their settings). */
  public static ProxyStack start(ProxySettings settings, RoutingConfig routing, FailoverSettings failover,
      Duration holdWrites) throws IOException, InterruptedException {
    return start(settings, routing, failover, holdWrites, MetricsConfig.disabled());
  }

  /**
   * A stack with the admin listener and metrics server of {@code admin} and {@code metrics} (tests
   * that build their settings; RELOAD CONFIG is refused without a file).
   */
  public static ProxyStack start(ProxySettings settings, RoutingConfig routing, FailoverSettings failover,
      Duration holdWrites, AdminConfig admin, MetricsConfig metrics) throws IOException, InterruptedException {
    ProxyStack stack = start(settings, routing, failover, holdWrites, metrics);
    try {
      stack.startAdmin(admin, metrics);
      return stack;
    } catch (IOException | InterruptedException | RuntimeException e) {
      stack.close();
      throw e;
    }
  }

  /**
   * Starts the monitor and the controller (which reads its journal first: the writer it records
   * wins over the configured priorities), then binds the proxy.
   */
  private static ProxyStack start(ProxySettings settings, RoutingConfig routing, FailoverSettings failover,
      Duration holdWrites, MetricsConfig metricsConfig) throws IOException, InterruptedException {
    WriterRole writerRole = new WriterRole(WriterRole.highestPriorityMaster(settings), holdWrites);
    BackendAvailability availability = new BackendAvailability();
    TandemMetrics metrics = metricsConfig.enabled() ? new TandemMetrics(metricsConfig.queryDigests()) : null;
    ReplicaMonitor monitor = null;
    FailoverController controller = null;
    ProxyServer proxy = null;
    try {
      ReadWriteSplit split = null;
      RouterFactory routers = MasterOnlyRouter.factory(writerRole);
      if (routing.monitor() != null) {
        monitor = new ReplicaMonitor(settings.backends(), writerRole::writer, routing.monitor());
        if (routing.splitReads()) {
          split = new ReadWriteSplit(settings, monitor, writerRole, routing.weights(), routing::policy, availability);
          routers = split;
        }
      }
      proxy = new ProxyServer(settings, routers, writerRole, metrics == null ? ProxyMetrics.NONE : metrics);
      if (monitor != null) {
        ProxyServer p = proxy;
        controller = new FailoverController(settings.backends(), monitor, writerRole, failover, p::dropConnections)
            .availability(availability).start();
        monitor.onTransition(controller::healthEvent).start();
      }
      proxy.start();
      return new ProxyStack(writerRole, availability, monitor, split, controller, proxy, metrics);
    } catch (IOException | InterruptedException | RuntimeException e) {
      new ProxyStack(writerRole, availability, monitor, null, controller, proxy, null).close();
      throw e;
    }
  }

  private void startAdmin(AdminConfig admin, MetricsConfig metricsConfig) throws IOException, InterruptedException {
    AdminContext context = new AdminContext(proxy, writerRole, availability, proxy.settings().backends(), monitor,
        split, controller, metrics, configFile, TandemVersion.get());
    if (metrics != null) {
      metricsServer = MetricsServer.start(context, metricsConfig.host(), metricsConfig.port());
    }
    if (admin.enabled()) {
      adminServer = AdminServer.start(context, admin.host(), admin.port(), admin.users(),
          proxy.settings().clientLimits());
    }
  }

  public ProxyServer proxy() {
    return proxy;
  }

  public WriterRole writerRole() {
    return writerRole;
  }

  /** Backends an operator took offline. */
  public BackendAvailability availability() {
    return availability;
  }

  /** The monitor, or null without {@code routing.monitor}. */
  public ReplicaMonitor monitor() {
    return monitor;
  }

  /** The read/write split, or null when everything goes to the writer. */
  public ReadWriteSplit split() {
    return split;
  }

  /** The failover controller, or null without a monitor. */
  public FailoverController controller() {
    return controller;
  }

  /** The admin listener, or null when no admin user is configured. */
  public AdminServer adminServer() {
    return adminServer;
  }

  /** The metrics server, or null when metrics are off. */
  public MetricsServer metricsServer() {
    return metricsServer;
  }

  @Override
  public void close() {
    if (adminServer != null) {
      adminServer.close();
    }
    if (metricsServer != null) {
      metricsServer.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    if (controller != null) {
      controller.close();
    }
    if (monitor != null) {
      monitor.close();
    }
  }
}
