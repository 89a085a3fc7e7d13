package io.tandem.router.split;

import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.session.GtidPosition;
import java.time.Duration;

/** Picks the replica for a read and keeps the count of requests outstanding on each backend. */
public interface ReplicaChooser {

  /**
   * An eligible replica within {@code maxLag} (null: the configured limit), or null when none; for
   * a session whose last read ran on {@code last} (null: none yet), a chooser may keep it there
   * while that replica is eligible and about as loaded as the least loaded one.
   */
  BackendDefinition choose(Duration maxLag, BackendDefinition last);

  /** A request was routed to {@code backend}. */
  void started(BackendDefinition backend);

  /** That request finished. */
  void finished(BackendDefinition backend);

  /** The replication position {@code replica} was last seen to have applied, or null when unknown. */
  default GtidPosition position(BackendDefinition replica) {
    return null;
  }
}
