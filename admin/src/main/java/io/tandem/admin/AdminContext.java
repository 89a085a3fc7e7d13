package io.tandem.admin;

import io.tandem.admin.metrics.TandemMetrics;
import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.frontend.ProxyServer;
import io.tandem.proxy.route.BackendAvailability;
import io.tandem.proxy.route.WriterRole;
import io.tandem.router.failover.FailoverController;
import io.tandem.router.monitor.ReplicaMonitor;
import io.tandem.router.split.ReadWriteSplit;
import java.util.List;

/**
 * What the admin interface, the metrics and the status page look at and act on: the running proxy
 * and what decides for it.
 *
 * @param proxy        the client listener
 * @param writerRole   the writer of the moment
 * @param availability backends an operator took offline
 * @param backends     every configured backend
 * @param monitor      the replication monitor, or null (no {@code routing.monitor})
 * @param split        the read/write split, or null (master-only routing)
 * @param controller   the failover controller, or null (no monitor)
 * @param metrics      the counters the core fills, or null (metrics disabled)
 * @param config       the configuration file behind it, or null (tests that built settings directly)
 * @param version      Tandem's version
 */
public record AdminContext(ProxyServer proxy, WriterRole writerRole, BackendAvailability availability,
    List<BackendDefinition> backends, ReplicaMonitor monitor, ReadWriteSplit split, FailoverController controller,
    TandemMetrics metrics, ConfigControl config, String version) {

  /** The configured backend named {@code name} (case-insensitive), or null. */
  public BackendDefinition backend(String name) {
    for (BackendDefinition b : backends) {
      if (b.name().equalsIgnoreCase(name)) {
        return b;
      }
    }
    return null;
  }
}
