package io.tandem.admin.metrics.bench;

import io.tandem.admin.metrics.TandemMetrics;
import io.tandem.proxy.metrics.BackendMeter;
import io.tandem.proxy.metrics.ProxyMetrics;
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
 * What counting costs per command on the hot path: everything a relayed command reports
 * ({@code commandDone}, the backend's bytes both ways, the statement's digest) with metrics on,
 * against {@link ProxyMetrics#NONE} (metrics off). Two threads count at once, as two event loops
 * do. Compiled and run only with {@code -Pjmh}; see {@code bench/metrics.sh}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Threads(2)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class MetricsBenchmark {

  private static final String DIGEST = "select c from sbtest1 where id = ?";

  private ProxyMetrics on;
  private ProxyMetrics off;
  private BackendMeter onMeter;
  private BackendMeter offMeter;

  @Setup
  public void setUp() {
    on = new TandemMetrics(true);
    off = ProxyMetrics.NONE;
    onMeter = on.backend("r1");
    offMeter = off.backend("r1");
  }

  /** One command as the relay reports it. */
  private static long command(ProxyMetrics m, BackendMeter meter, long nanos) {
    meter.sent(48);
    meter.received(211);
    m.commandDone(ProxyMetrics.Where.REPLICA, meter, ProxyMetrics.Kind.QUERY, false, nanos);
    if (m.digestsStatements()) {
      m.statementDone(DIGEST, "r1", 1, false, nanos);
    }
    return nanos;
  }

  @Benchmark
  public long metricsOn() {
    return command(on, onMeter, 180_000);
  }

  @Benchmark
  public long metricsOff() {
    return command(off, offMeter, 180_000);
  }
}
