package io.tandem.router.split;

import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.route.ReadYourWrites;
import io.tandem.proxy.session.GtidPosition;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * Read-your-writes for one session ({@code consistency: session}): the position of its last
 * committed write and which replicas are known to have applied it. A replica is known to have it
 * after a successful wait there, or when the replica monitor's last look at the replica's own
 * position ({@code gtid_slave_pos} / {@code gtid_executed}) covers it — then a read goes there
 * without a wait. Lives on the session's event loop.
 */
final class SessionWrites implements ReadYourWrites {

  private final ReplicaChooser replicas;
  private final RoutingCounters counters;
  private final Duration timeout;

  /** A write committed on the master since the position was last read. */
  private boolean pending;
  /** The position could not be read: replica reads go to the master until the next write's is. */
  private boolean unknown;
  private GtidPosition position = GtidPosition.EMPTY;
  private final Set<String> appliedOn = new HashSet<>();
  /** A write ran in the current transaction (its position is read once the transaction ends). */
  private boolean wroteInTransaction;

  SessionWrites(ReplicaChooser replicas, RoutingCounters counters, Duration timeout) {
    this.replicas = replicas;
    this.counters = counters;
    this.timeout = timeout;
  }

  /** A statement that may have written succeeded on the master; {@code inTransaction} after it. */
  void wrote(boolean inTransaction) {
    wroteInTransaction = true;
    ended(inTransaction);
  }

  /** A statement finished with the session {@code inTransaction} or not (COMMIT, ROLLBACK ...). */
  void ended(boolean inTransaction) {
    if (wroteInTransaction && !inTransaction) {
      wroteInTransaction = false;
      pending = true;
    }
  }

  /**
   * Whether a read on {@code replica} must first show the session's writes there; when the
   * position is unknown, the read must not go to a replica at all ({@link #mustAvoidReplicas()}).
   */
  boolean mustAwait(BackendDefinition replica) {
    return pending || !applied(replica);
  }

  /** The position of the last write could not be read: no replica can be shown to have it. */
  boolean mustAvoidReplicas() {
    return unknown && !pending;
  }

  @Override
  public boolean positionPending() {
    return pending;
  }

  @Override
  public void positionRead(GtidPosition read) {
    pending = false;
    appliedOn.clear();
    unknown = read == null;
    position = read == null ? GtidPosition.EMPTY : read;
  }

  @Override
  public GtidPosition position() {
    return position;
  }

  @Override
  public boolean applied(BackendDefinition replica) {
    if (position.isEmpty() || appliedOn.contains(replica.name())) {
      return true;
    }
    GtidPosition seen = replicas.position(replica);
    if (seen != null && seen.covers(position)) {
      appliedOn.add(replica.name());
      counters.consistencyKnown();
      return true;
    }
    return false;
  }

  @Override
  public void appliedOn(BackendDefinition replica) {
    appliedOn.add(replica.name());
    counters.consistencyWaited(true);
  }

  @Override
  public Duration timeout() {
    return timeout;
  }

  @Override
  public void notApplied(BackendDefinition replica) {
    counters.consistencyWaited(false);
  }
}
