package io.tandem.router.split.bench;

import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.config.BackendDefinition.Role;
import io.tandem.proxy.protocol.ServerStatus;
import io.tandem.proxy.route.BackendAvailability;
import io.tandem.proxy.route.MasterOnlyRouter;
import io.tandem.proxy.route.Route;
import io.tandem.proxy.route.SessionRouter;
import io.tandem.proxy.route.WriterRole;
import io.tandem.router.classify.StatementClassifier;
import io.tandem.router.monitor.BackendStatus;
import io.tandem.router.monitor.ReplicaSelector;
import io.tandem.router.monitor.TopologySnapshot;
import io.tandem.router.split.MonitoredReplicas;
import io.tandem.router.split.ReadWriteSplitRouter;
import io.tandem.router.split.RoutingCounters;
import io.tandem.router.split.UserRoutePolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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
 * The per-statement work of routing, one statement per operation on one thread: what a session's
 * router does between a command's arrival and its relay ({@code routeExecute} / {@code routeQuery})
 * plus what it does when the answer is complete ({@code completed}). Compiled and run only with
 * {@code -Pjmh}; see {@code bench/route.sh}.
 *
 * <p>The splitting router is set up as the sandbox's proxy runs it: two masters and two replicas
 * that the monitor's snapshot finds eligible, replicas chosen by in-flight reads
 * ({@link MonitoredReplicas}), routing counters, {@code consistency: session}.
 *
 * <ul>
 *   <li>{@code splitExecute}: a binary-protocol execution of a point select (sysbench's
 *       {@code oltp_point_select}): classification by the statement's identity, replica choice,
 *       in-flight and routing counters, read-your-writes bookkeeping;</li>
 *   <li>{@code splitQuery}: the same select as text, its literal different each time: the
 *       classifier lexes it and finds its digest in the cache, then the same routing;</li>
 *   <li>{@code masterOnlyExecute}: the same execution through the master-only router, which reads
 *       nothing of the statement — the floor.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Threads(1)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class RouteBenchmark {

  private static final int N = 1024;
  private static final String PREPARED = "SELECT c FROM sbtest1 WHERE id=?";
  private static final Duration LAG_LIMIT = Duration.ofSeconds(1);

  private final String[] texts = new String[N];
  private int next;
  private SessionRouter split;
  private SessionRouter masterOnly;

  @Setup
  public void setUp() {
    BackendDefinition m1 = new BackendDefinition("m1", "127.0.0.1", 3306, Role.MASTER, 100);
    BackendDefinition m2 = new BackendDefinition("m2", "127.0.0.1", 3307, Role.STANDBY, 90);
    BackendDefinition r1 = new BackendDefinition("r1", "127.0.0.1", 3308, Role.REPLICA, 0);
    BackendDefinition r2 = new BackendDefinition("r2", "127.0.0.1", 3309, Role.REPLICA, 0);
    Instant now = Instant.now();
    TopologySnapshot snapshot = new TopologySnapshot(1, now, "m1", LAG_LIMIT, 0.8, List.of(
        new BackendStatus(m1, Role.MASTER, true, true, false, false, null, null, true, false, false, null, now),
        new BackendStatus(m2, Role.STANDBY, true, true, true, true, Duration.ZERO, Duration.ofMillis(10), true,
            false, false, null, now),
        new BackendStatus(r1, Role.REPLICA, true, true, true, true, Duration.ZERO, Duration.ofMillis(10), true,
            false, true, null, now),
        new BackendStatus(r2, Role.REPLICA, true, true, true, true, Duration.ZERO, Duration.ofMillis(12), true,
            false, true, null, now)));
    MonitoredReplicas replicas = new MonitoredReplicas(() -> snapshot, new ReplicaSelector(Map.of()), LAG_LIMIT,
        List.of(m1, m2, r1, r2), new BackendAvailability());
    WriterRole writer = new WriterRole(m1, Duration.ofSeconds(5));
    split = new ReadWriteSplitRouter(new StatementClassifier(10_000), replicas, writer, UserRoutePolicy.DEFAULT,
        new RoutingCounters());
    masterOnly = new MasterOnlyRouter(writer);
    for (int i = 0; i < N; i++) {
      texts[i] = "SELECT c FROM sbtest1 WHERE id=" + (i * 7919 % 100_000);
    }
    Route r = split.routeExecute(PREPARED);
    if (r.backend() == null || r.backend().role() != Role.REPLICA) {
      throw new IllegalStateException("the point select was not routed to a replica: " + r);
    }
    split.completed(r, ServerStatus.AUTOCOMMIT, false);
  }

  @Benchmark
  public Route splitExecute() {
    Route r = split.routeExecute(PREPARED);
    split.completed(r, ServerStatus.AUTOCOMMIT, false);
    return r;
  }

  @Benchmark
  public Route splitQuery() {
    Route r = split.routeQuery(texts[next++ & (N - 1)]);
    split.completed(r, ServerStatus.AUTOCOMMIT, false);
    return r;
  }

  @Benchmark
  public Route masterOnlyExecute() {
    Route r = masterOnly.routeExecute(PREPARED);
    masterOnly.completed(r, ServerStatus.AUTOCOMMIT, false);
    return r;
  }
}
