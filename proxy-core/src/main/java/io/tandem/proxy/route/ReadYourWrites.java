package io.tandem.proxy.route;

import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.session.GtidPosition;
import java.time.Duration;

/**
 * A session's read-your-writes bookkeeping ({@code consistency: session}): kept by its router,
 * driven by the session, on the session's event loop.
 *
 * <p>After a write commits on the master, {@link #positionPending()} turns true and the session
 * reads the position it produced there ({@code @@last_gtid} on MariaDB, {@code @@gtid_executed}
 * on MySQL) — right away when the client is idle, else before the next read that needs it. A read
 * routed to a replica with {@link Route#awaitWrites()} set first waits there for that position
 * ({@code MASTER_GTID_WAIT} / {@code WAIT_FOR_EXECUTED_GTID_SET}, bounded by {@link #timeout()})
 * and goes to the master ({@link SessionRouter#toMaster(Route)}) when the wait times out or fails. The router
 * leaves {@code awaitWrites} false for replicas it already knows have the position (an earlier
 * wait, or the replica monitor's last look at the replica's own position): no round trip then.
 */
public interface ReadYourWrites {

  /** A write committed whose position has not been read yet. */
  boolean positionPending();

  /**
   * The position read from the master after the write; null when it could not be read (the
   * master connection is gone): reads that need it then go to the master until the next write.
   */
  void positionRead(GtidPosition position);

  /** The position a replica must have applied; {@link GtidPosition#EMPTY} when there is none. */
  GtidPosition position();

  /** Whether {@code replica} is known to have applied {@link #position()}. */
  boolean applied(BackendDefinition replica);

  /** A wait on {@code replica} succeeded: it has applied {@link #position()}. */
  void appliedOn(BackendDefinition replica);

  /** How long a replica may take to apply the position before the read goes to the master. */
  Duration timeout();

  /**
   * A wait on {@code replica} timed out or failed; the read goes to the master
   * ({@link SessionRouter#toMaster(Route)}).
   */
  void notApplied(BackendDefinition replica);
}
