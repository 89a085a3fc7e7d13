package io.tandem.router.monitor;

import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.session.GtidPosition;
import java.time.Duration;
import java.time.Instant;

/**
 * What the monitor knows about one backend at one moment. Immutable.
 *
 * @param backend     the backend as configured
 * @param role        its live role: {@code MASTER} for the active master only, {@code STANDBY}
 *                    for other masters, {@code REPLICA} for read replicas
 * @param checked     at least one check has finished (with success or failure); before that
 *                    nothing below is known and the backend is not eligible
 * @param reachable   the last check got its answers
 * @param ioRunning   the replication IO thread runs ({@code Yes}); false for the active master,
 *                    which is never checked for replication
 * @param sqlRunning  the replication SQL thread runs ({@code Yes})
 * @param secondsBehindMaster the server's own {@code Seconds_Behind_Master}, or null (NULL or
 *                    not known); informational only
 * @param lag         heartbeat lag, or null when unknown (unreachable, no heartbeat replicated
 *                    yet, or the active master, which is never lag-checked)
 * @param healthy     reachable and replicating (see {@link ReplicationStatus#problem()})
 * @param lagging     the hysteresis latch at the snapshot's limit: set when the lag went over
 *                    {@link TopologySnapshot#maxLag()} (or the backend was unhealthy or its lag
 *                    unknown), cleared once the lag is below {@code maxLag × hysteresis}
 * @param eligible    a read target at the snapshot's limit: a healthy replica, not lagging
 * @param lastError   why it is not eligible or healthy (connection error, replication error,
 *                    heartbeat error), or null
 * @param lastCheck   when the last successful check finished, or null if none did
 * @param applied     the replication position the replica had applied at the last check
 *                    ({@code @@gtid_slave_pos} on MariaDB, {@code @@global.gtid_executed} on
 *                    MySQL), or null when unknown; read-your-writes skips its wait on a replica
 *                    whose applied position already covers the session's writes
 * @param replication the last replication status read ({@code SHOW SLAVE STATUS}), or null
 *                    (unreachable, or the active master, which is not asked)
 * @param facts       what the failover controller needs of a master or standby (read_only,
 *                    semisync, binary log position), or null (replicas, or not read)
 */
public record BackendStatus(
    BackendDefinition backend,
    BackendDefinition.Role role,
    boolean checked,
    boolean reachable,
    boolean ioRunning,
    boolean sqlRunning,
    Duration secondsBehindMaster,
    Duration lag,
    boolean healthy,
    boolean lagging,
    boolean eligible,
    String lastError,
    Instant lastCheck,
    GtidPosition applied,
    ReplicationStatus replication,
    ServerFacts facts) {

  /** A status without replication details or server facts. */
  public BackendStatus(BackendDefinition backend, BackendDefinition.Role role, boolean checked, boolean reachable,
      boolean ioRunning, boolean sqlRunning, Duration secondsBehindMaster, Duration lag, boolean healthy,
      boolean lagging, boolean eligible, String lastError, Instant lastCheck, GtidPosition applied) {
    this(backend, role, checked, reachable, ioRunning, sqlRunning, secondsBehindMaster, lag, healthy, lagging,
        eligible, lastError, lastCheck, applied, null, null);
  }

  /** A status without a known applied position. */
  public BackendStatus(BackendDefinition backend, BackendDefinition.Role role, boolean checked, boolean reachable,
      boolean ioRunning, boolean sqlRunning, Duration secondsBehindMaster, Duration lag, boolean healthy,
      boolean lagging, boolean eligible, String lastError, Instant lastCheck) {
    this(backend, role, checked, reachable, ioRunning, sqlRunning, secondsBehindMaster, lag, healthy, lagging,
        eligible, lastError, lastCheck, null);
  }

  public String name() {
    return backend.name();
  }

  /** Not checked yet: everything unknown, nothing eligible. */
  static BackendStatus unknown(BackendDefinition backend, BackendDefinition.Role role) {
    return new BackendStatus(backend, role, false, false, false, false, null, null, false, true, false,
        null, null);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder(name()).append(' ').append(role.name().toLowerCase());
    if (!checked) {
      return s.append(" (not checked yet)").toString();
    }
    s.append(reachable ? " reachable" : " unreachable");
    if (role != BackendDefinition.Role.MASTER) {
      s.append(" io=").append(ioRunning ? "Yes" : "No").append(" sql=").append(sqlRunning ? "Yes" : "No")
          .append(" lag=").append(lag == null ? "?" : Durations.seconds(lag) + " s");
    }
    if (eligible) {
      s.append(" eligible");
    }
    if (lastError != null) {
      s.append(" (").append(lastError).append(')');
    }
    return s.toString();
  }
}
