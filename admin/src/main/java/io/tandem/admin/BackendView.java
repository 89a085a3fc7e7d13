package io.tandem.admin;

import io.tandem.admin.metrics.BackendTraffic;
import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.route.BackendAvailability;
import io.tandem.router.monitor.BackendStatus;
import io.tandem.router.monitor.TopologySnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One backend as operators see it, from the monitor's last snapshot, the writer role, the
 * operator's offline state and the proxy's own counters. Shared by {@code SHOW BACKENDS}, the
 * metrics and the status page, so they never disagree. Unknown values are null.
 *
 * @param role       {@code writer}, {@code standby} (another master) or {@code replica}
 * @param up         reachable at the monitor's last check (null: no monitor, or not checked yet)
 * @param source     whom it replicates from (a backend name when it is one, else host:port), or null
 * @param lagSeconds measured heartbeat lag (never for the writer)
 * @param gtid       the writer's and standby's binary log position, a replica's applied position
 * @param idle       pooled connections
 * @param busy       connections held by sessions
 */
public record BackendView(String name, String address, String role, Boolean up, String adminState, Boolean readOnly,
    Double lagSeconds, Boolean ioRunning, Boolean sqlRunning, Boolean eligible, Boolean semisyncOn,
    Long semisyncClients, String gtid, String source, long idle, long busy, long commands, long errors,
    long receivedBytes, long sentBytes, String lastError) {

  /** Every configured backend, in configuration order. */
  public static List<BackendView> all(AdminContext admin) {
    TopologySnapshot snapshot = admin.monitor() == null ? null : admin.monitor().snapshot();
    Map<String, Integer> idle = idleConnections(admin);
    Map<String, BackendTraffic> traffic = admin.metrics() == null ? Map.of() : admin.metrics().backends();
    List<BackendView> views = new ArrayList<>();
    for (BackendDefinition b : admin.backends()) {
      BackendStatus s = snapshot == null ? null : snapshot.status(b.name());
      boolean writer = admin.writerRole().isWriter(b);
      String role = writer ? "writer" : b.role() == BackendDefinition.Role.REPLICA ? "replica" : "standby";
      boolean known = s != null && s.checked();
      Boolean up = known ? s.reachable() : null;
      boolean replicating = known && !writer;
      Double lag = known && s.lag() != null && !writer ? s.lag().toNanos() / 1e9 : null;
      Boolean readOnly = known && s.facts() != null ? s.facts().readOnly() : null;
      Boolean semisync = known && s.facts() != null ? s.facts().semisyncMasterOn() : null;
      Long clients = known && s.facts() != null ? s.facts().semisyncClients() : null;
      String gtid = null;
      if (known && s.facts() != null && s.facts().binlogPosition() != null) {
        gtid = s.facts().binlogPosition();
      } else if (known && s.applied() != null) {
        gtid = s.applied().toString();
      }
      String source = null;
      if (known && !writer && s.replication() != null && s.replication().source() != null) {
        source = s.replication().source();
        for (BackendDefinition other : admin.backends()) {
          if (other.address().equals(source)) {
            source = other.name();
          }
        }
      }
      BackendTraffic t = traffic.get(b.name());
      long open = t == null ? 0 : t.openConnections();
      long pooled = idle.getOrDefault(b.name(), 0);
      BackendAvailability.Mode mode = admin.availability().mode(b.name());
      views.add(new BackendView(b.name(), b.address(), role, up, mode.name().toLowerCase(), readOnly, lag,
          replicating ? s.ioRunning() : null, replicating ? s.sqlRunning() : null,
          known && b.role() == BackendDefinition.Role.REPLICA ? s.eligible() && admin.availability().online(b.name())
              : known ? Boolean.FALSE : null,
          semisync, clients, gtid, source, pooled, Math.max(0, open - pooled), t == null ? 0 : t.commands(),
          t == null ? 0 : t.errors(), t == null ? 0 : t.receivedBytes(), t == null ? 0 : t.sentBytes(),
          known ? s.lastError() : null));
    }
    return views;
  }

  private static Map<String, Integer> idleConnections(AdminContext admin) {
    try {
      return admin.proxy().idleConnections().get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      return Map.of();
    }
  }
}
