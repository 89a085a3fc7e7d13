package io.tandem.router.monitor;

import io.tandem.proxy.config.BackendDefinition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The replicas a read may go to in one topology snapshot, at one lag limit, with one set of
 * backends an operator has offline: each with its weight and its in-flight counter. Resolved
 * once and then used by every read until the monitor publishes its next snapshot (once per check
 * interval), or a read asks for another limit, or an operator takes a backend offline or back
 * online; a read then only compares a few counters. Immutable; the counters are the selector's.
 */
final class ReadCandidates {

  private final TopologySnapshot snapshot;
  private final Duration maxLag;
  private final Map<String, ?> offline;
  private final BackendStatus[] replicas;
  private final long[] weights;
  private final AtomicInteger[] inFlight;

  /**
   * The replicas of {@code snapshot} eligible at {@code maxLag} ({@link ReplicaSelector#eligible}),
   * not named in {@code offline}, and with a weight above 0, in configuration order.
   */
  ReadCandidates(TopologySnapshot snapshot, Duration maxLag, Map<String, ?> offline, ReplicaSelector selector) {
    this.snapshot = snapshot;
    this.maxLag = maxLag;
    this.offline = offline;
    List<BackendStatus> chosen = new ArrayList<>();
    for (BackendStatus s : snapshot.backends()) {
      if (ReplicaSelector.eligible(s, maxLag, snapshot.hysteresis(), snapshot.maxLag())
          && !offline.containsKey(s.name()) && selector.weight(s.name()) > 0) {
        chosen.add(s);
      }
    }
    replicas = chosen.toArray(new BackendStatus[0]);
    weights = new long[replicas.length];
    inFlight = new AtomicInteger[replicas.length];
    for (int i = 0; i < replicas.length; i++) {
      weights[i] = selector.weight(replicas[i].name());
      inFlight[i] = selector.outstanding(replicas[i].name());
    }
  }

  /** Whether these are the candidates for a read in {@code snapshot} at {@code maxLag} with {@code offline}. */
  boolean isFor(TopologySnapshot snapshot, Duration maxLag, Map<String, ?> offline) {
    return this.snapshot == snapshot && this.offline == offline && this.maxLag.equals(maxLag);
  }

  /**
   * The candidate with the least {@code (in flight + 1) / weight}; among equals, the
   * {@code tieBreak}-th (modulo their number); null when there is none. Unless {@code last} (by
   * identity) is a candidate whose {@code in flight / weight} is at most that least value: then
   * {@code last}.
   */
  BackendStatus choose(int tieBreak, BackendDefinition last) {
    int n = replicas.length;
    if (n <= 1) {
      return n == 0 ? null : replicas[0];
    }
    int best = 0;
    int ties = 0;
    long bestLoad = 0;
    long bestWeight = 1;
    for (int i = 0; i < n; i++) {
      long load = load(i);
      // compare load/weight with bestLoad/bestWeight without division
      long cmp = ties == 0 ? -1 : Long.compare(load * bestWeight, bestLoad * weights[i]);
      if (cmp < 0) {
        best = i;
        ties = 1;
        bestLoad = load;
        bestWeight = weights[i];
      } else if (cmp == 0) {
        ties++;
      }
    }
    if (last != null) {
      for (int i = 0; i < n; i++) {
        if (replicas[i].backend() == last) {
          if ((load(i) - 1) * bestWeight <= bestLoad * weights[i]) {
            return replicas[i];
          }
          break;
        }
      }
    }
    if (ties == 1) {
      return replicas[best];
    }
    // the wanted tie, found again; the counters may have moved meanwhile: then the first best
    int wanted = Math.floorMod(tieBreak, ties);
    for (int i = best; i < n; i++) {
      if (load(i) * bestWeight == bestLoad * weights[i] && wanted-- == 0) {
        return replicas[i];
      }
    }
    return replicas[best];
  }

  private long load(int i) {
    return Math.max(0, inFlight[i].get()) + 1L;
  }
}
