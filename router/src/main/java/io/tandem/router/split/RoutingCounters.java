package io.tandem.router.split;

import io.tandem.proxy.config.BackendDefinition;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the read/write split did, for operators and tests: commands run per backend, reads that
 * went to the master for want of an eligible replica, reads refused ({@code no_replica: error}),
 * and read-your-writes outcomes. Shared by every session; thread-safe, counts only grow.
 */
public final class RoutingCounters {

  private static final int MAX_SLOTS = 32;

  private final Map<String, LongAdder> commands = new ConcurrentHashMap<>();
  private final LongAdder noReplicaMaster = new LongAdder();
  private final LongAdder noReplicaRefused = new LongAdder();
  private final LongAdder waitsReached = new LongAdder();
  private final LongAdder waitsTimedOut = new LongAdder();
  private final LongAdder knownApplied = new LongAdder();
  /**
   * The backends counted so far and their counters (those of {@link #commands}), found by identity
   * on the routing path: a few entries to compare instead of a name to hash. Replaced, never
   * changed, under this object's lock; at most {@link #MAX_SLOTS} (a reload's new definitions of
   * the same backends are added until then, and counted through the map after).
   */
  private volatile Slot[] slots = new Slot[0];

  private record Slot(BackendDefinition backend, LongAdder count) {}

  /** A command ran on {@code backend} (counted when it finished, wherever it finally ran). */
  void ran(BackendDefinition backend) {
    LongAdder count = slotted(slots, backend);
    (count != null ? count : counter(backend)).increment();
  }

  /** The counter {@code in} holds for {@code backend} (by identity), or null. */
  private static LongAdder slotted(Slot[] in, BackendDefinition backend) {
    for (Slot slot : in) {
      if (slot.backend == backend) {
        return slot.count;
      }
    }
    return null;
  }

  private synchronized LongAdder counter(BackendDefinition backend) {
    LongAdder count = commands.computeIfAbsent(backend.name(), k -> new LongAdder());
    Slot[] now = slots;
    if (slotted(now, backend) == null && now.length < MAX_SLOTS) {
      Slot[] more = Arrays.copyOf(now, now.length + 1);
      more[now.length] = new Slot(backend, count);
      slots = more;
    }
    return count;
  }

  /** A read found no eligible replica: it went to the master ({@code refused} false) or was refused. */
  void noReplica(boolean refused) {
    (refused ? noReplicaRefused : noReplicaMaster).increment();
  }

  /** A read-your-writes wait on a replica ended: the position arrived in time, or not (the read went to the master). */
  void consistencyWaited(boolean reached) {
    (reached ? waitsReached : waitsTimedOut).increment();
  }

  /** A replica was known (from the monitor) to have a session's writes: no wait needed. */
  void consistencyKnown() {
    knownApplied.increment();
  }

  /** Commands run per backend name (backends that ran none are absent). */
  public Map<String, Long> commandsByBackend() {
    Map<String, Long> snapshot = new TreeMap<>();
    commands.forEach((name, count) -> snapshot.put(name, count.sum()));
    return snapshot;
  }

  /** Commands run on {@code backend} so far. */
  public long commands(String backend) {
    LongAdder count = commands.get(backend);
    return count == null ? 0 : count.sum();
  }

  /** Reads sent to the master because no replica was eligible. */
  public long noReplicaToMaster() {
    return noReplicaMaster.sum();
  }

  /** Reads refused because no replica was eligible ({@code no_replica: error}). */
  public long noReplicaRefused() {
    return noReplicaRefused.sum();
  }

  /** Read-your-writes waits that saw the position arrive in time. */
  public long consistencyWaitsReached() {
    return waitsReached.sum();
  }

  /** Read-your-writes waits that timed out or failed: the read went to the master. */
  public long consistencyWaitsTimedOut() {
    return waitsTimedOut.sum();
  }

  /** Reads sent to a replica without a wait because the monitor had seen it apply the session's writes. */
  public long consistencyKnownApplied() {
    return knownApplied.sum();
  }

  @Override
  public String toString() {
    return "commands " + commandsByBackend() + ", no replica: " + noReplicaToMaster() + " to master, "
        + noReplicaRefused() + " refused; read-your-writes waits " + consistencyWaitsReached() + " reached, "
        + consistencyWaitsTimedOut() + " timed out, " + consistencyKnownApplied() + " known applied";
  }
}
