package io.tandem.router.monitor;

import io.tandem.proxy.config.BackendDefinition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The monitor's view of all backends at one moment. Immutable; the monitor publishes a new one
 * after every check, and readers on any thread take the current one from
 * {@link ReplicaMonitor#snapshot()}.
 *
 * @param version      increases with every snapshot the monitor publishes
 * @param taken        when it was published
 * @param activeMaster name of the active master the heartbeat is written on, or null
 * @param maxLag       the limit the {@code eligible} flags and {@code lagging} latches are for
 * @param hysteresis   the hysteresis margin they are computed with
 * @param backends     one status per configured backend, in configuration order
 */
public record TopologySnapshot(long version, Instant taken, String activeMaster, Duration maxLag,
    double hysteresis, List<BackendStatus> backends) {

  public TopologySnapshot {
    backends = List.copyOf(backends);
  }

  /** The status of the backend named {@code name}, or null. */
  public BackendStatus status(String name) {
    for (BackendStatus s : backends) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    return null;
  }

  /** The read replicas (role {@code REPLICA}), eligible or not. */
  public List<BackendStatus> replicas() {
    List<BackendStatus> replicas = new ArrayList<>();
    for (BackendStatus s : backends) {
      if (s.role() == BackendDefinition.Role.REPLICA) {
        replicas.add(s);
      }
    }
    return replicas;
  }

  /** The replicas eligible at {@link #maxLag()}. */
  public List<BackendStatus> eligibleReplicas() {
    List<BackendStatus> eligible = new ArrayList<>();
    for (BackendStatus s : backends) {
      if (s.eligible()) {
        eligible.add(s);
      }
    }
    return eligible;
  }

  @Override
  public String toString() {
    return "snapshot " + version + " (max lag " + Durations.seconds(maxLag) + " s): " + backends;
  }
}
