package io.tandem.router.classify.bench;

import io.tandem.router.classify.StatementClassifier;
import io.tandem.router.classify.StatementTraits;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Classifier throughput on one thread, one statement per operation (so ops/s = statements/s per
 * core). Compiled and run only with {@code -Pjmh}; see {@code bench/classify.sh}.
 *
 * <ul>
 *   <li>{@code cacheHit}: SELECTs of 16 shapes with varying literals, all shapes already cached —
 *       the steady state of an application (lex, digest, one cache look-up);</li>
 *   <li>{@code cacheMiss}: the same SELECTs with the cache disabled — every one parsed by JSqlParser;</li>
 *   <li>{@code keywordScan}: writes, SET, BEGIN/COMMIT, SHOW — answered from the leading keywords;</li>
 *   <li>{@code digestOnly}: the digest alone, the floor under {@code cacheHit}.</li>
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Threads(1)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ClassifyBenchmark {

  private static final int N = 1024;

  /** Sixteen SELECT shapes, from sysbench's OLTP reads to joins, IN lists and subqueries. */
  private static final String[] SELECT_TEMPLATES = {
    "SELECT c FROM sbtest1 WHERE id=%d",
    "SELECT c FROM sbtest1 WHERE id BETWEEN %d AND %d",
    "SELECT SUM(k) FROM sbtest1 WHERE id BETWEEN %d AND %d",
    "SELECT c FROM sbtest1 WHERE id BETWEEN %d AND %d ORDER BY c",
    "SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN %d AND %d ORDER BY c",
    "SELECT id, name, email, created_at FROM users WHERE email = 'user%d@example.com' AND status = %d",
    "SELECT * FROM orders WHERE customer_id IN (%d, %d, 17, 42, 99) ORDER BY created_at DESC LIMIT 20",
    "SELECT o.id, o.total, c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = %d AND c.region = %d",
    "SELECT COUNT(*) FROM events WHERE user_id = %d AND created_at > NOW() - INTERVAL %d DAY",
    "select p.id, p.title from posts p where p.author_id = %d and p.published = 1 order by p.id desc limit %d",
    "SELECT `id`, `payload` FROM `app`.`jobs` WHERE `queue` = 'q%d' AND `attempts` < %d LIMIT 1",
    "SELECT a.x, (SELECT MAX(b.y) FROM b WHERE b.a_id = a.id) AS m FROM a WHERE a.k = %d AND a.j = %d",
    "SELECT id FROM items WHERE sku = 'SKU-%d' OR barcode = '%d'",
    "SELECT DATE_FORMAT(created_at, '%%Y-%%m'), COUNT(*) FROM sales WHERE shop_id = %d AND year = %d GROUP BY 1",
    "SELECT u.id FROM users u WHERE EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = u.id AND s.t > %d) LIMIT %d",
    "SELECT JSON_EXTRACT(doc, '$.a'), COALESCE(x, %d) FROM docs WHERE id = %d",
  };

  private static final String[] SCAN_TEMPLATES = {
    "INSERT INTO sbtest1 (id, k, c, pad) VALUES (%d, %d, 'c-value', 'pad-value')",
    "UPDATE sbtest1 SET k=k+1 WHERE id=%d",
    "UPDATE sbtest1 SET c='%d' WHERE id=%d",
    "DELETE FROM sbtest1 WHERE id=%d",
    "SET autocommit = %d",
    "BEGIN",
    "COMMIT",
    "SET NAMES utf8mb4",
  };

  private final String[] selects = new String[N];
  private final String[] scans = new String[N];
  private StatementClassifier cached;
  private StatementClassifier uncached;
  private int next;

  @Setup
  public void setUp() {
    Random random = new Random(42);
    for (int i = 0; i < N; i++) {
      selects[i] = String.format(SELECT_TEMPLATES[i % SELECT_TEMPLATES.length],
          random.nextInt(1_000_000), random.nextInt(1_000_000));
      scans[i] = String.format(SCAN_TEMPLATES[i % SCAN_TEMPLATES.length],
          random.nextInt(1_000_000), random.nextInt(1_000_000));
    }
    cached = new StatementClassifier(10_000);
    uncached = new StatementClassifier(0);
    for (String sql : selects) {
      StatementTraits t = cached.classify(sql);
      if (!t.readOnly() || t.unparsed()) {
        throw new IllegalStateException("benchmark statement not a read-only SELECT: " + sql);
      }
    }
  }

  @Benchmark
  public StatementTraits cacheHit() {
    return cached.classify(selects[next++ & (N - 1)]);
  }

  @Benchmark
  public StatementTraits cacheMiss() {
    return uncached.classify(selects[next++ & (N - 1)]);
  }

  @Benchmark
  public StatementTraits keywordScan() {
    return cached.classify(scans[next++ & (N - 1)]);
  }

  @Benchmark
  public String digestOnly() {
    return StatementClassifier.digest(selects[next++ & (N - 1)]);
  }
}
