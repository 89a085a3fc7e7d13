package io.tandem.proxy.session;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A replication position in GTID terms, in either server's notation, for read-your-writes:
 * "has this replica applied that write yet?".
 *
 * <ul>
 *   <li>MariaDB: a list of GTIDs {@code domain-server-seqno}, at most one per replication domain
 *       ({@code @@last_gtid}, {@code @@gtid_slave_pos}). A position covers another when, in every
 *       domain of the other, its sequence number is at least as high (sequence numbers only grow
 *       within a domain).</li>
 *   <li>MySQL: a GTID set {@code uuid:1-5:7,uuid2:1-3} ({@code @@gtid_executed}). A set covers
 *       another when it contains every transaction of the other.</li>
 * </ul>
 *
 * An empty position (the session wrote nothing that reached the binary log) is covered by every
 * position. Immutable.
 */
public final class GtidPosition {

  public static final GtidPosition EMPTY = new GtidPosition("", Map.of(), Map.of());

  private final String text;
  /** MariaDB: domain id → highest sequence number. */
  private final Map<Long, Long> domains;
  /** MySQL: source uuid → [start, end] intervals, in the server's (sorted) order. */
  private final Map<String, List<long[]>> sources;

  private GtidPosition(String text, Map<Long, Long> domains, Map<String, List<long[]>> sources) {
    this.text = text;
    this.domains = domains;
    this.sources = sources;
  }

  /**
   * Parses what a server reports: null or blank text is {@link #EMPTY}; malformed text (including
   * MySQL's tagged GTIDs, which are not understood) throws {@link IllegalArgumentException}.
   */
  public static GtidPosition parse(String text) {
    if (text == null || text.isBlank()) {
      return EMPTY;
    }
    String normalized = text.replaceAll("\\s+", "");
    return normalized.indexOf(':') >= 0 ? parseMysql(normalized) : parseMariadb(normalized);
  }

  private static GtidPosition parseMariadb(String text) {
    Map<Long, Long> domains = new HashMap<>();
    for (String gtid : text.split(",")) {
      String[] parts = gtid.split("-");
      if (parts.length != 3) {
        throw new IllegalArgumentException("not a MariaDB GTID: " + gtid);
      }
      try {
        long domain = Long.parseLong(parts[0]);
        Long.parseLong(parts[1]); // the server id: only checked
        domains.merge(domain, Long.parseLong(parts[2]), Math::max);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not a MariaDB GTID: " + gtid);
      }
    }
    return new GtidPosition(text, Map.copyOf(domains), Map.of());
  }

  private static GtidPosition parseMysql(String text) {
    Map<String, List<long[]>> sources = new HashMap<>();
    for (String member : text.split(",")) {
      String[] parts = member.split(":");
      if (parts.length < 2 || parts[0].isEmpty()) {
        throw new IllegalArgumentException("not a MySQL GTID set member: " + member);
      }
      List<long[]> intervals = sources.computeIfAbsent(parts[0].toLowerCase(Locale.ROOT), k -> new ArrayList<>());
      for (int i = 1; i < parts.length; i++) {
        String[] range = parts[i].split("-");
        try {
          long start = Long.parseLong(range[0]);
          long end = range.length > 1 ? Long.parseLong(range[1]) : start;
          intervals.add(new long[] {start, end});
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
          throw new IllegalArgumentException("not a MySQL GTID interval: " + parts[i]);
        }
      }
    }
    return new GtidPosition(text, Map.of(), Map.copyOf(sources));
  }

  public boolean isEmpty() {
    return domains.isEmpty() && sources.isEmpty();
  }

  /** MySQL notation (a GTID set) rather than MariaDB's. */
  public boolean isGtidSet() {
    return !sources.isEmpty();
  }

  /** Whether a server at this position has applied everything of {@code other}. */
  public boolean covers(GtidPosition other) {
    for (Map.Entry<Long, Long> d : other.domains.entrySet()) {
      Long mine = domains.get(d.getKey());
      if (mine == null || mine < d.getValue()) {
        return false;
      }
    }
    for (Map.Entry<String, List<long[]>> s : other.sources.entrySet()) {
      List<long[]> mine = sources.get(s.getKey());
      for (long[] wanted : s.getValue()) {
        if (mine == null || !contains(mine, wanted)) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * How many transactions this position has beyond {@code applied}: for MariaDB positions the
   * sum over domains of the sequence numbers missing there (a domain's numbers have no gaps);
   * -1 for MySQL GTID sets, where it is not counted.
   */
  public long transactionsBeyond(GtidPosition applied) {
    if (!sources.isEmpty() || !applied.sources.isEmpty()) {
      return -1;
    }
    long count = 0;
    for (Map.Entry<Long, Long> d : domains.entrySet()) {
      long theirs = applied.domains.getOrDefault(d.getKey(), 0L);
      count += Math.max(0, d.getValue() - theirs);
    }
    return count;
  }

  private static boolean contains(List<long[]> intervals, long[] wanted) {
    for (long[] have : intervals) {
      if (have[0] <= wanted[0] && wanted[1] <= have[1]) {
        return true;
      }
    }
    return false;
  }

  /** As the server wrote it (whitespace removed): fit for a string literal in a wait function. */
  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GtidPosition p && p.text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }
}
