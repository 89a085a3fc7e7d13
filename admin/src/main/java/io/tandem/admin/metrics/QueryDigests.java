package io.tandem.admin.metrics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * Statistics per statement digest (the statement with its literals replaced), as the read/write
 * split's parser produces them: count, total and maximum time, rows, errors and the backends it
 * ran on. At most {@link #MAX_DIGESTS} digests are kept; statements of further digests are
 * counted under {@link #OVERFLOW}. Thread-safe; recording a known digest allocates nothing.
 */
public final class QueryDigests {

  /** Distinct digests kept until {@link #reset()}. */
  public static final int MAX_DIGESTS = 5_000;
  /** The digest that further statements are counted under once {@link #MAX_DIGESTS} are kept. */
  public static final String OVERFLOW = "(other digests)";

  /** One digest's counts. */
  static final class Stats {
    final LongAdder count = new LongAdder();
    final LongAdder nanos = new LongAdder();
    final LongAccumulator maxNanos = new LongAccumulator(Math::max, 0);
    final LongAdder rows = new LongAdder();
    final LongAdder errors = new LongAdder();
    final Map<String, LongAdder> backends = new ConcurrentHashMap<>();
  }

  /** A digest's counts as read at one moment. */
  public record Row(String digest, long count, double totalSeconds, double maxSeconds, long rows, long errors,
      Map<String, Long> backends) {

    public double avgSeconds() {
      return count == 0 ? 0 : totalSeconds / count;
    }
  }

  private volatile Map<String, Stats> digests = new ConcurrentHashMap<>();
  private final AtomicInteger size = new AtomicInteger();

  void record(String digest, String backend, long rows, boolean failed, long nanos) {
    Map<String, Stats> map = digests;
    Stats s = map.get(digest);
    if (s == null) {
      s = size.get() < MAX_DIGESTS ? map.computeIfAbsent(digest, d -> {
        size.incrementAndGet();
        return new Stats();
      }) : map.computeIfAbsent(OVERFLOW, d -> new Stats());
    }
    s.count.increment();
    s.nanos.add(nanos);
    s.maxNanos.accumulate(nanos);
    s.rows.add(rows);
    if (failed) {
      s.errors.increment();
    }
    LongAdder on = s.backends.get(backend);
    if (on == null) {
      on = s.backends.computeIfAbsent(backend, b -> new LongAdder());
    }
    on.increment();
  }

  /** The digests by total time, largest first, at most {@code limit}. */
  public List<Row> top(int limit) {
    List<Row> rows = new ArrayList<>();
    digests.forEach((digest, s) -> {
      Map<String, Long> on = new TreeMap<>();
      s.backends.forEach((b, n) -> on.put(b, n.sum()));
      rows.add(new Row(digest, s.count.sum(), s.nanos.sum() / 1e9, s.maxNanos.get() / 1e9, s.rows.sum(),
          s.errors.sum(), on));
    });
    rows.sort(Comparator.comparingDouble(Row::totalSeconds).reversed().thenComparing(Row::digest));
    return rows.size() > limit ? rows.subList(0, limit) : rows;
  }

  /** Forgets every digest; returns how many there were. */
  public int reset() {
    int n = digests.size();
    digests = new ConcurrentHashMap<>();
    size.set(0);
    return n;
  }
}
