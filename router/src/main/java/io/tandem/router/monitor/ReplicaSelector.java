package io.tandem.router.monitor;

import io.tandem.proxy.config.BackendDefinition;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Chooses the replica a read goes to: among the replicas eligible at a lag limit, the one with
 * the least outstanding requests per unit of weight.
 *
 * <p><b>Eligibility</b> at a limit {@code L}: a healthy replica (reachable, replicating; see
 * {@link BackendStatus#healthy()}) whose heartbeat lag is known and at most {@code L}; with
 * hysteresis: once its lag went over the limit, or it was unhealthy or its lag unknown, it is
 * eligible again only below {@code L × hysteresis} (the snapshot's margin, default 0.8), so a
 * replica hovering at the limit does not flap. The latch ({@link BackendStatus#lagging()}) is kept
 * by the monitor for the configured limit ({@link TopologySnapshot#maxLag()}); for another limit
 * (per user or per hint) the same latch decides whether the margin applies. At the configured
 * limit the answer is exactly the snapshot's {@link BackendStatus#eligible()}. Masters (active
 * or standby) are never eligible here.
 *
 * <p><b>Choice</b>: the eligible replica with the smallest {@code (outstanding + 1) / weight},
 * i.e. the one this read would load least; a weight of 0 or less takes the replica out of reads.
 * Ties are broken with a caller-given number (random), so idle replicas share the reads.
 *
 * <p><b>Affinity</b>: a read of a session whose last read ran on an eligible replica {@code p}
 * stays there while {@code p} has at most one read in flight more than the least loaded replica
 * {@code b}, per weight: {@code outstanding(p) / weight(p) ≤
 * (outstanding(b) + 1) / weight(b)}. A session then keeps using one server connection (and, when
 * it multiplexes, takes back the one it gave back), and the reads of several sessions still move
 * to the other replicas as soon as one replica gets busier than that. A session alone on an idle
 * proxy therefore reads on one replica; sessions spread over the replicas as they start.
 *
 * <p>The static methods are pure functions of their arguments. An instance holds what routers
 * share (the routers of one event loop, see {@code ReadWriteSplit}): the weights from the
 * configuration (default 1), an {@link AtomicInteger} per replica counting the reads in flight
 * there, which routers increment when a read is sent and decrement when its answer is complete,
 * and the candidates of the current snapshot.
 */
public final class ReplicaSelector {

  private final Map<String, Integer> weights;
  private final Map<String, AtomicInteger> outstanding = new ConcurrentHashMap<>();
  /** The candidates resolved last; replaced when a read finds them out of date. */
  private volatile ReadCandidates candidates;

  /** @param weights weight per backend name; backends not named weigh 1 */
  public ReplicaSelector(Map<String, Integer> weights) {
    this.weights = Map.copyOf(weights);
  }

  /** The count of reads in flight on {@code backend}; routers increment and decrement it. */
  public AtomicInteger outstanding(String backend) {
    return outstanding.computeIfAbsent(backend, b -> new AtomicInteger());
  }

  public int weight(String backend) {
    return weights.getOrDefault(backend, 1);
  }

  /**
   * The replica for a read in {@code snapshot} at lag limit {@code maxLag}, leaving out the
   * backends named in {@code offline} (an operator's; compared by identity, so pass the same
   * immutable map while nothing changes); ties broken by {@code tieBreak} (any int; callers vary
   * it). Null when none is eligible. The candidates are resolved once per snapshot, limit and
   * offline map ({@link ReadCandidates}); a read at another limit than the last one resolves them
   * again.
   */
  public BackendStatus select(TopologySnapshot snapshot, Duration maxLag, Map<String, ?> offline, int tieBreak) {
    return select(snapshot, maxLag, offline, tieBreak, null);
  }

  /**
   * As above, for a session whose last read ran on {@code last} (compared by identity with the
   * snapshot's definitions; null: none): that replica again if it is a candidate and loaded at most
   * one read more than the least loaded (see the class comment).
   */
  public BackendStatus select(TopologySnapshot snapshot, Duration maxLag, Map<String, ?> offline, int tieBreak,
      BackendDefinition last) {
    ReadCandidates c = candidates;
    if (c == null || !c.isFor(snapshot, maxLag, offline)) {
      c = new ReadCandidates(snapshot, maxLag, offline, this);
      candidates = c;
    }
    return c.choose(tieBreak, last);
  }

  /**
   * Whether {@code s} is a read target at limit {@code maxLag}, given the snapshot's hysteresis
   * margin and the limit its latch is for; see the class comment.
   */
  public static boolean eligible(BackendStatus s, Duration maxLag, double hysteresis, Duration latchLimit) {
    if (s.role() != BackendDefinition.Role.REPLICA || !s.checked() || !s.healthy() || s.lag() == null) {
      return false;
    }
    if (maxLag.equals(latchLimit)) {
      return s.eligible();
    }
    return s.lagging() ? s.lag().compareTo(scaled(maxLag, hysteresis)) < 0 : s.lag().compareTo(maxLag) <= 0;
  }

  /**
   * The next value of the hysteresis latch: set when {@code lag} is unknown or over {@code maxLag},
   * cleared (if set) only when {@code lag} is below {@code maxLag × hysteresis}.
   */
  public static boolean lagging(boolean wasLagging, Duration lag, Duration maxLag, double hysteresis) {
    if (lag == null) {
      return true;
    }
    if (wasLagging) {
      return lag.compareTo(scaled(maxLag, hysteresis)) >= 0;
    }
    return lag.compareTo(maxLag) > 0;
  }

  static Duration scaled(Duration d, double factor) {
    return Duration.ofNanos(Math.round(d.toNanos() * factor));
  }
}
