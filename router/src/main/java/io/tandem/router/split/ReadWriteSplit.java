package io.tandem.router.split;

import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.config.ProxySettings;
import io.tandem.proxy.route.MasterOnlyRouter;
import io.tandem.proxy.route.RouterFactory;
import io.tandem.proxy.route.SessionRouter;
import io.tandem.router.classify.StatementClassifier;
import io.tandem.router.monitor.MonitorSettings;
import io.tandem.router.monitor.ReplicaMonitor;
import io.tandem.router.monitor.ReplicaSelector;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

/**
 * Read/write splitting for a whole proxy: one statement classifier (with its digest cache), one
 * replica monitor and one replica selector shared by every session, and a
 * {@link ReadWriteSplitRouter} per session.
 */
public final class ReadWriteSplit implements RouterFactory, AutoCloseable {

  /** Distinct statement digests whose classification is kept. */
  public static final int CLASSIFIER_CACHE_SIZE = 10_000;

  private final StatementClassifier classifier = new StatementClassifier(CLASSIFIER_CACHE_SIZE);
  private final ReplicaMonitor monitor;
  private final ReplicaChooser replicas;
  private final BackendDefinition master;
  private final Function<String, UserRoutePolicy> policies;
  private final RoutingCounters counters = new RoutingCounters();

  private ReadWriteSplit(ReplicaMonitor monitor, ReplicaChooser replicas, BackendDefinition master,
      Function<String, UserRoutePolicy> policies) {
    this.monitor = monitor;
    this.replicas = replicas;
    this.master = master;
    this.policies = policies;
  }

  /** Starts the monitor of {@code settings}' backends and returns the router factory. */
  public static ReadWriteSplit start(ProxySettings settings, MonitorSettings monitorSettings,
      Map<String, Integer> weights, Function<String, UserRoutePolicy> policies) {
    BackendDefinition master = MasterOnlyRouter.activeMaster(settings);
    ReplicaMonitor monitor = new ReplicaMonitor(settings.backends(), master, monitorSettings).start();
    Duration maxLag = monitorSettings.maxReplicationLag();
    ReplicaChooser replicas = new MonitoredReplicas(monitor, new ReplicaSelector(weights), maxLag,
        settings.backends());
    return new ReadWriteSplit(monitor, replicas, master, policies);
  }

  @Override
  public SessionRouter newSession(String user) {
    return new ReadWriteSplitRouter(classifier, replicas, master, policies.apply(user), counters);
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

  @Override
  public void close() {
    monitor.close();
  }
}
