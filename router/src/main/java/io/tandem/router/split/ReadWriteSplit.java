package io.tandem.router.split;

import io.tandem.proxy.config.ProxySettings;
import io.tandem.proxy.route.BackendAvailability;
import io.tandem.proxy.route.RouterFactory;
import io.tandem.proxy.route.SessionRouter;
import io.tandem.proxy.route.WriterRole;
import io.tandem.router.classify.StatementClassifier;
import io.tandem.router.monitor.ReplicaMonitor;
import io.tandem.router.monitor.ReplicaSelector;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

/**
 * Read/write splitting for a whole proxy: one statement classifier (with its digest cache), one
 * replica selector on the monitor's snapshots per event loop, and a {@link ReadWriteSplitRouter}
 * per session. The monitor belongs to the caller (it runs in every
 * routing mode, for the failover controller too).
 */
public final class ReadWriteSplit implements RouterFactory {

  /** Distinct statement digests whose classification is kept. */
  public static final int CLASSIFIER_CACHE_SIZE = 10_000;

  private final StatementClassifier classifier = new StatementClassifier(CLASSIFIER_CACHE_SIZE);
  private final ReplicaMonitor monitor;
  /**
   * One replica chooser per thread that starts sessions: the event loops, where a session's router
   * runs for its whole life. The sessions of a loop balance their reads by the reads in flight
   * from that loop, so nothing written on a read is shared between loops (counters shared by all
   * loops cost two contended cache lines per read); the loops get sessions in turn, so the
   * replicas' loads even out all the same.
   */
  private final ThreadLocal<ReplicaChooser> replicas;
  private final WriterRole writer;
  private volatile Function<String, UserRoutePolicy> policies;
  private final RoutingCounters counters = new RoutingCounters();

  /**
   * @param settings the proxy's backends
   * @param monitor  the running monitor whose snapshots tell which replicas are eligible
   * @param writer   the writer of the moment
   * @param weights  replica weights by backend name (absent: 1)
   * @param policies each user's routing policy
   */
  public ReadWriteSplit(ProxySettings settings, ReplicaMonitor monitor, WriterRole writer,
      Map<String, Integer> weights, Function<String, UserRoutePolicy> policies) {
    this(settings, monitor, writer, weights, policies, new BackendAvailability());
  }

  /** As above; replicas an operator has offline in {@code availability} get no reads. */
  public ReadWriteSplit(ProxySettings settings, ReplicaMonitor monitor, WriterRole writer,
      Map<String, Integer> weights, Function<String, UserRoutePolicy> policies, BackendAvailability availability) {
    this.monitor = monitor;
    Duration maxLag = monitor.settings().maxReplicationLag();
    this.replicas = ThreadLocal.withInitial(() -> new MonitoredReplicas(monitor, new ReplicaSelector(weights), maxLag,
        settings.backends(), availability));
    this.writer = writer;
    this.policies = policies;
  }

  /**
   * Each user's routing policy from now on, for sessions that start after this (a configuration
   * reload); running sessions keep theirs.
   */
  public void policies(Function<String, UserRoutePolicy> newPolicies) {
    this.policies = newPolicies;
  }

  @Override
  public SessionRouter newSession(String user) {
    return new ReadWriteSplitRouter(classifier, replicas.get(), writer, policies.apply(user), counters);
  }

  /** What the sessions' routers did so far. */
  public RoutingCounters counters() {
    return counters;
  }

  public ReplicaMonitor monitor() {
    return monitor;
  }

  public StatementClassifier classifier() {
    return classifier;
  }
}
