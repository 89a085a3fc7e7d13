package io.tandem.server;

import io.tandem.proxy.route.MasterOnlyRouter;
import io.tandem.proxy.route.RouterFactory;
import io.tandem.router.split.ReadWriteSplit;
import io.tandem.server.config.RoutingConfig;
import io.tandem.server.config.TandemConfig;

/** The router a config asks for: read/write splitting with its replica monitor, or master only. */
final class Routers {

  private Routers() {}

  /**
   * The sessions' router factory; when it starts a monitor, the monitor is closed on shutdown
   * (after the proxy, which closes first as the resource registered last).
   */
  static RouterFactory start(TandemConfig config, ShutdownSignal shutdown) {
    RoutingConfig routing = config.routing();
    if (!routing.splitReads()) {
      return MasterOnlyRouter.factory(config.proxy());
    }
    ReadWriteSplit split = ReadWriteSplit.start(config.proxy(), routing.monitor(), routing.weights(),
        routing::policy);
    shutdown.closeOnShutdown(split);
    return split;
  }
}
