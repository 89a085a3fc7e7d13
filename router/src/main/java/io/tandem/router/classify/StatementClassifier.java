package io.tandem.router.classify;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Classifies SQL text for routing: pure (no I/O), fast, thread-safe, never throws.
 *
 * <p>One pass of a lexer splits the text into tokens and statements and finds the leading hint.
 * Statements whose first keywords settle the question (transaction control, SET, USE, SHOW, DML,
 * DDL, …) are classified from the tokens alone. SELECT-like statements and unknown ones are parsed
 * with JSqlParser, once per digest: the result is kept in a Caffeine cache keyed by the digest,
 * so a statement that differs only in its literals is answered from the cache. A statement
 * JSqlParser cannot parse is {@link StatementTraits#unparsed() unparsed}: never read-only,
 * counted by {@link #unparsedCount()}, logged at WARN once per digest.
 *
 * <p>The rules are in the {@linkplain io.tandem.router.classify package documentation}.
 */
public final class StatementClassifier {

  private static final Logger log = LoggerFactory.getLogger(StatementClassifier.class);

  /** Default time one JSqlParser run may take before it is abandoned (the statement then counts as unparsed). */
  public static final Duration DEFAULT_PARSE_BUDGET = Duration.ofMillis(500);

  /** How many distinct unparsed digests are logged; beyond that, one last line says so. */
  static final int MAX_LOGGED_DIGESTS = 10_000;

  private static final int MAX_LOGGED_CHARS = 400;

  private final Cache<String, StatementTraits> cache;
  private final ParsedAnalyzer analyzer;
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder unparsed = new LongAdder();
  private final Set<String> loggedDigests = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean logLimitReported = new AtomicBoolean();

  /**
   * @param cacheSize the number of parsed statement shapes (digests) to keep; 0 disables the
   *                  cache (every SELECT is parsed: for measurements only)
   */
  public StatementClassifier(int cacheSize) {
    this(cacheSize, DEFAULT_PARSE_BUDGET);
  }

  /**
   * @param cacheSize   as in {@link #StatementClassifier(int)}
   * @param parseBudget the longest one parse may run on the caller's thread; zero for no limit
   */
  public StatementClassifier(int cacheSize, Duration parseBudget) {
    if (cacheSize < 0) {
      throw new IllegalArgumentException("cacheSize must be >= 0: " + cacheSize);
    }
    this.cache = cacheSize == 0 ? null : Caffeine.newBuilder().maximumSize(cacheSize).build();
    this.analyzer = new ParsedAnalyzer(parseBudget == null ? 0 : parseBudget.toNanos());
  }

  /** Classifies one SQL text (one statement, or several separated by {@code ;}). Never throws. */
  public StatementTraits classify(String sql) {
    StatementTraits result;
    try {
      result = classifyText(sql == null ? "" : sql);
    } catch (RuntimeException | StackOverflowError e) {
      log.warn("Statement classification failed, routing to the master: {}", abbreviate(sql), e);
      StatementTraits.Builder b = new StatementTraits.Builder(StatementKind.OTHER);
      b.unparsed = true;
      b.digest = "";
      result = b.build();
    }
    if (result.unparsed()) {
      unparsed.increment();
    }
    return result;
  }

  private StatementTraits classifyText(String sql) {
    SqlTokens t = SqlTokens.lex(sql);
    int[] bounds = statements(t);
    StatementTraits result;
    int n = bounds.length / 2;
    if (n == 0) {
      StatementTraits.Builder b = new StatementTraits.Builder(StatementKind.OTHER);
      b.digest = "";
      result = b.build();
    } else if (n == 1) {
      result = one(t, bounds[0], bounds[1]);
    } else {
      List<StatementTraits> parts = new ArrayList<>(n);
      StringBuilder digest = new StringBuilder();
      for (int i = 0; i < n; i++) {
        StatementTraits part = one(t, bounds[2 * i], bounds[2 * i + 1]);
        parts.add(part);
        if (i > 0) {
          digest.append("; ");
        }
        digest.append(part.digest());
      }
      result = StatementTraits.combine(parts, digest.toString());
    }
    if (t.unterminated) {
      StatementTraits.Builder b = result.toBuilder();
      b.unparsed = true;
      b.readOnly = false;
      result = b.build();
    } else if (t.ambiguousEscape && result.readOnly()) {
      result = result.withReadOnly(false); // \' splits differently under NO_BACKSLASH_ESCAPES
    }
    if (t.hintText != null) {
      RoutingHint hint = RoutingHint.parse(t.hintText);
      if (hint != null) {
        result = result.withHint(hint);
      }
    }
    return result;
  }

  /** Classifies tokens {@code [from, to)}: one statement. */
  private StatementTraits one(SqlTokens t, int from, int to) {
    StatementTraits scanned = KeywordScanner.scan(t, from, to, this::one);
    if (scanned != null) {
      return scanned;
    }
    String digest = t.digest(from, to);
    if (cache != null) {
      StatementTraits cached = cache.getIfPresent(digest);
      if (cached != null) {
        hits.increment();
        return cached;
      }
    }
    misses.increment();
    ParsedAnalyzer.Analysis a = analyzer.analyze(t, from, to, digest);
    if (a.traits().unparsed()) {
      logOnce(digest, a.error());
    }
    if (cache != null) {
      cache.put(digest, a.traits());
    }
    return a.traits();
  }

  private void logOnce(String digest, String error) {
    if (loggedDigests.size() >= MAX_LOGGED_DIGESTS) {
      if (logLimitReported.compareAndSet(false, true)) {
        log.warn("{} distinct unparseable statements logged; further ones are only counted",
            MAX_LOGGED_DIGESTS);
      }
      return;
    }
    if (loggedDigests.add(digest)) {
      log.warn("Cannot parse statement, routing it to the master (logged once per digest): {} [{}]",
          abbreviate(digest), error);
    }
  }

  /**
   * The digest of a SQL text: literals (strings, numbers, hex and bit values, {@code ?}
   * placeholders) replaced by {@code ?}, a signed number as one literal, an IN list of literals
   * as {@code IN (?)}, repeated all-literal VALUES rows as one, comments removed (the content of
   * {@code /*!…*}{@code /} version comments kept as code), blanks collapsed to one (none inside
   * parentheses, around dots or before commas), words as written. Several statements are joined
   * by {@code "; "}. A leading {@code /* tandem:… *}{@code /} hint is not part of it (see
   * {@link StatementTraits#hint()}).
   */
  public static String digest(String sql) {
    SqlTokens t = SqlTokens.lex(sql == null ? "" : sql);
    int[] bounds = statements(t);
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < bounds.length / 2; i++) {
      if (i > 0) {
        b.append("; ");
      }
      b.append(t.digest(bounds[2 * i], bounds[2 * i + 1]));
    }
    return b.toString();
  }

  /** Statements that could not be parsed (each {@link #classify} call counts once). */
  public long unparsedCount() {
    return unparsed.sum();
  }

  /** Parser-path statements answered from the cache. */
  public long cacheHits() {
    return hits.sum();
  }

  /** Parser-path statements that had to be parsed. */
  public long cacheMisses() {
    return misses.sum();
  }

  /** Digests currently cached (an estimate, as Caffeine gives it). */
  public long cachedDigests() {
    return cache == null ? 0 : cache.estimatedSize();
  }

  /**
   * Statement boundaries as {@code [from0, to0, from1, to1, …]}: split at {@code ;}, empty
   * statements dropped. A stored program definition ({@code CREATE PROCEDURE|FUNCTION|TRIGGER|
   * EVENT|PACKAGE}) or a compound statement ({@code BEGIN NOT ATOMIC}, {@code IF}, {@code WHILE},
   * {@code LOOP}, {@code REPEAT}, {@code CASE}, a label) is one statement whatever it contains.
   */
  static int[] statements(SqlTokens t) {
    int count = t.count;
    int last = count;
    while (last > 0 && t.type[last - 1] == SqlTokens.SEMI) {
      last--;
    }
    int first = 0;
    while (first < last && t.type[first] == SqlTokens.SEMI) {
      first++;
    }
    if (first >= last) {
      return new int[0];
    }
    if (compound(t, first, last)) {
      return new int[] {first, last};
    }
    int semis = 0;
    for (int i = first; i < last; i++) {
      if (t.type[i] == SqlTokens.SEMI) {
        semis++;
      }
    }
    if (semis == 0) {
      return new int[] {first, last};
    }
    int[] out = new int[2 * (semis + 1)];
    int n = 0;
    int s = first;
    for (int i = first; i <= last; i++) {
      if (i == last || t.type[i] == SqlTokens.SEMI) {
        if (i > s) {
          out[n++] = s;
          out[n++] = i;
        }
        s = i + 1;
      }
    }
    return n == out.length ? out : Arrays.copyOf(out, n);
  }

  private static boolean compound(SqlTokens t, int from, int to) {
    if (t.type[from] != SqlTokens.WORD) {
      return false;
    }
    String w = t.upper(from);
    switch (w) {
      case "CREATE":
        for (int i = from + 1; i < to && i < from + 24; i++) {
          if (t.type[i] == SqlTokens.LPAREN || t.type[i] == SqlTokens.SEMI) {
            return false;
          }
          if (t.is(i, "PROCEDURE") || t.is(i, "FUNCTION") || t.is(i, "TRIGGER") || t.is(i, "EVENT")
              || t.is(i, "PACKAGE")) {
            return true;
          }
          if (t.is(i, "TABLE") || t.is(i, "VIEW") || t.is(i, "INDEX")) {
            return false;
          }
        }
        return false;
      case "BEGIN":
        return t.is(from + 1, to, "NOT") && t.is(from + 2, to, "ATOMIC");
      case "IF":
      case "WHILE":
      case "LOOP":
      case "REPEAT":
      case "CASE":
        return true;
      default:
        return from + 2 < to && t.type[from + 1] == SqlTokens.OP && t.text(from + 1).equals(":")
            && (t.is(from + 2, "BEGIN") || t.is(from + 2, "LOOP") || t.is(from + 2, "WHILE")
            || t.is(from + 2, "REPEAT"));
    }
  }

  private static String abbreviate(String s) {
    if (s == null) {
      return "null";
    }
    return s.length() <= MAX_LOGGED_CHARS ? s : s.substring(0, MAX_LOGGED_CHARS) + "…";
  }
}
