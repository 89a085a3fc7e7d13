package io.tandem.admin.metrics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Statistics per statement digest (the statement with its literals replaced), as the read/write
 * split's parser produces them: count, total and maximum time, rows, errors and the backends it
 * ran on. At most {@link #MAX_DIGESTS} digests are kept; statements of further digests are
 * counted under {@link #OVERFLOW}. Thread-safe; recording a known digest allocates nothing.
 *
 * <p>Every recording thread (an event loop) counts in a shard of its own, which only it writes
 * (plain stores made visible with release semantics, no atomic read-modify-write); {@link #top}
 * adds the shards up. So the event loops recording the same digest never write the same cache
 * line, which shared counters made them do on every statement. A scrape may see one thread's
 * statement counted and its time not yet: each figure is exact once recording pauses.
 */
public final class QueryDigests {

  /** Distinct digests kept until {@link #reset()}. */
  public static final int MAX_DIGESTS = 5_000;
  /** The digest that further statements are counted under once {@link #MAX_DIGESTS} are kept. */
  public static final String OVERFLOW = "(other digests)";

  /** One digest's counts on one thread: written by that thread only. */
  static final class Stats {
    final AtomicLong count = new AtomicLong();
    final AtomicLong nanos = new AtomicLong();
    final AtomicLong maxNanos = new AtomicLong();
    final AtomicLong rows = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    final Map<String, AtomicLong> backends = new ConcurrentHashMap<>();

    /** Adds {@code n} to a counter only this thread writes: no lock, no compare-and-set. */
    static void add(AtomicLong counter, long n) {
      counter.lazySet(counter.get() + n);
    }

    Row row(String digest) {
      Map<String, Long> on = new TreeMap<>();
      backends.forEach((b, n) -> on.put(b, n.get()));
      return new Row(digest, count.get(), nanos.get() / 1e9, maxNanos.get() / 1e9, rows.get(), errors.get(), on);
    }
  }

  /** A digest's counts as read at one moment. */
  public record Row(String digest, long count, double totalSeconds, double maxSeconds, long rows, long errors,
      Map<String, Long> backends) {

    public double avgSeconds() {
      return count == 0 ? 0 : totalSeconds / count;
    }

    /** This row and {@code other} (the same digest counted on another thread) added up. */
    Row plus(Row other) {
      Map<String, Long> on = new TreeMap<>(backends);
      other.backends.forEach((b, n) -> on.merge(b, n, Long::sum));
      return new Row(digest, count + other.count, totalSeconds + other.totalSeconds,
          Math.max(maxSeconds, other.maxSeconds), rows + other.rows, errors + other.errors, on);
    }
  }

  /** The digests since the last reset: a shard per recording thread, and the set the limit counts. */
  private static final class Generation {
    final Map<String, Boolean> known = new ConcurrentHashMap<>();
    final AtomicInteger size = new AtomicInteger();
    final List<Map<String, Stats>> shards = new CopyOnWriteArrayList<>();
    final ThreadLocal<Map<String, Stats>> shard = ThreadLocal.withInitial(() -> {
      Map<String, Stats> m = new ConcurrentHashMap<>();
      shards.add(m);
      return m;
    });

    /** {@code digest}, or {@link #OVERFLOW} when it is new and {@link #MAX_DIGESTS} are kept. */
    String admit(String digest) {
      if (known.containsKey(digest)) {
        return digest;
      }
      if (size.get() >= MAX_DIGESTS) {
        return OVERFLOW;
      }
      if (known.putIfAbsent(digest, Boolean.TRUE) == null) {
        size.incrementAndGet();
      }
      return digest;
    }
  }

  private volatile Generation generation = new Generation();

  void record(String digest, String backend, long rows, boolean failed, long nanos) {
    Generation g = generation;
    Map<String, Stats> shard = g.shard.get();
    Stats s = shard.get(digest);
    if (s == null) {
      s = shard.computeIfAbsent(g.admit(digest), d -> new Stats());
    }
    Stats.add(s.count, 1);
    Stats.add(s.nanos, nanos);
    if (nanos > s.maxNanos.get()) {
      s.maxNanos.lazySet(nanos);
    }
    Stats.add(s.rows, rows);
    if (failed) {
      Stats.add(s.errors, 1);
    }
    AtomicLong on = s.backends.get(backend);
    if (on == null) {
      on = s.backends.computeIfAbsent(backend, b -> new AtomicLong());
    }
    Stats.add(on, 1);
  }

  /** The digests by total time, largest first, at most {@code limit}. */
  public List<Row> top(int limit) {
    List<Row> rows = new ArrayList<>(merged(generation).values());
    rows.sort(Comparator.comparingDouble(Row::totalSeconds).reversed().thenComparing(Row::digest));
    return rows.size() > limit ? rows.subList(0, limit) : rows;
  }

  private static Map<String, Row> merged(Generation g) {
    Map<String, Row> merged = new HashMap<>();
    for (Map<String, Stats> shard : g.shards) {
      shard.forEach((digest, s) -> merged.merge(digest, s.row(digest), Row::plus));
    }
    return merged;
  }

  /** Forgets every digest; returns how many there were. */
  public int reset() {
    Generation old = generation;
    generation = new Generation();
    return merged(old).size();
  }
}
