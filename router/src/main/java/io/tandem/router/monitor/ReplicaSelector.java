package io.tandem.router.monitor;

import io.tandem.proxy.config.BackendDefinition;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;

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
 * Ties are broken by rotating with a caller-given number, so idle replicas share the reads.
 *
 * <p>The static methods are pure functions of their arguments. An instance holds what routers
 * share: the weights from the configuration (default 1) and an {@link AtomicInteger} per replica
 * that routers increment when a read is sent and decrement when its answer is complete.
 */
public final class ReplicaSelector {

  private final Map<String, Integer> weights;
  private final Map<String, AtomicInteger> outstanding = new ConcurrentHashMap<>();
  private final AtomicInteger spin = new AtomicInteger();

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

  /** The replica for a read at lag limit {@code maxLag}, or null when none is eligible. */
  public BackendStatus select(TopologySnapshot snapshot, Duration maxLag) {
    return select(snapshot, maxLag, name -> {
      AtomicInteger n = outstanding.get(name);
      return n == null ? 0 : n.get();
    }, this::weight, spin.getAndIncrement());
  }

  /**
   * The eligible replica at limit {@code maxLag} with the least {@code (outstanding + 1) / weight},
   * ties broken by {@code tieBreak} (any int; callers rotate it); null when none is eligible.
   */
  public static BackendStatus select(TopologySnapshot snapshot, Duration maxLag,
      ToIntFunction<String> outstanding, ToIntFunction<String> weight, int tieBreak) {
    BackendStatus[] best = new BackendStatus[snapshot.backends().size()];
    int ties = 0;
    long bestLoad = 0;
    long bestWeight = 1;
    for (BackendStatus s : snapshot.backends()) {
      if (!eligible(s, maxLag, snapshot.hysteresis(), snapshot.maxLag())) {
        continue;
      }
      long w = weight.applyAsInt(s.name());
      if (w <= 0) {
        continue;
      }
      long load = Math.max(0, outstanding.applyAsInt(s.name())) + 1L;
      // compare load/w with bestLoad/bestWeight without division
      long cmp = ties == 0 ? -1 : Long.compare(load * bestWeight, bestLoad * w);
      if (cmp < 0) {
        ties = 0;
        bestLoad = load;
        bestWeight = w;
      }
      if (cmp <= 0) {
        best[ties++] = s;
      }
    }
    if (ties == 0) {
      return null;
    }
    return best[Math.floorMod(tieBreak, ties)];
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
