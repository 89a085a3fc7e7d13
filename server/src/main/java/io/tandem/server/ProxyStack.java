package io.tandem.server;

import io.tandem.proxy.config.ProxySettings;
import io.tandem.proxy.frontend.ProxyServer;
import io.tandem.proxy.route.MasterOnlyRouter;
import io.tandem.proxy.route.RouterFactory;
import io.tandem.proxy.route.WriterRole;
import io.tandem.router.failover.FailoverController;
import io.tandem.router.failover.FailoverSettings;
import io.tandem.router.monitor.ReplicaMonitor;
import io.tandem.router.split.ReadWriteSplit;
import io.tandem.server.config.RoutingConfig;
import io.tandem.server.config.TandemConfig;
import java.io.IOException;
import java.time.Duration;

/**
 * The running proxy and what decides for it: the writer role, the monitor (in every routing mode,
 * when {@code routing.monitor} is configured), the router factory (read/write splitting or master
 * only) and the failover controller. {@code tandem run}, {@code tandem sandbox} and the
 * integration tests all start it here. Closed in reverse order.
 */
public final class ProxyStack implements AutoCloseable {

  private final WriterRole writerRole;
  private final ReplicaMonitor monitor;
  private final ReadWriteSplit split;
  private final FailoverController controller;
  private final ProxyServer proxy;

  private ProxyStack(WriterRole writerRole, ReplicaMonitor monitor, ReadWriteSplit split,
      FailoverController controller, ProxyServer proxy) {
    this.writerRole = writerRole;
    this.monitor = monitor;
    this.split = split;
    this.controller = controller;
    this.proxy = proxy;
  }

  /** The stack a config asks for, listening once this returns. */
  public static ProxyStack start(TandemConfig config) throws IOException, InterruptedException {
    return start(config.proxy(), config.routing(), config.failover(), config.holdWrites());
  }

  /**
   * Starts the monitor and the controller (which reads its journal first: the writer it records
   * wins over the configured priorities), then binds the proxy.
   */
  public static ProxyStack start(ProxySettings settings, RoutingConfig routing, FailoverSettings failover,
      Duration holdWrites) throws IOException, InterruptedException {
    WriterRole writerRole = new WriterRole(WriterRole.highestPriorityMaster(settings), holdWrites);
    ReplicaMonitor monitor = null;
    FailoverController controller = null;
    ProxyServer proxy = null;
    try {
      ReadWriteSplit split = null;
      RouterFactory routers = MasterOnlyRouter.factory(writerRole);
      if (routing.monitor() != null) {
        monitor = new ReplicaMonitor(settings.backends(), writerRole::writer, routing.monitor());
        if (routing.splitReads()) {
          split = new ReadWriteSplit(settings, monitor, writerRole, routing.weights(), routing::policy);
          routers = split;
        }
      }
      proxy = new ProxyServer(settings, routers, writerRole);
      if (monitor != null) {
        ProxyServer p = proxy;
        controller = new FailoverController(settings.backends(), monitor, writerRole, failover, p::dropConnections)
            .start();
        monitor.start();
      }
      proxy.start();
      return new ProxyStack(writerRole, monitor, split, controller, proxy);
    } catch (IOException | InterruptedException | RuntimeException e) {
      new ProxyStack(writerRole, monitor, null, controller, proxy).close();
      throw e;
    }
  }

  public ProxyServer proxy() {
    return proxy;
  }

  public WriterRole writerRole() {
    return writerRole;
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

  @Override
  public void close() {
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
