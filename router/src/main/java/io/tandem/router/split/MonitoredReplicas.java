package io.tandem.router.split;

import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.session.GtidPosition;
import io.tandem.router.monitor.BackendStatus;
import io.tandem.router.monitor.ReplicaMonitor;
import io.tandem.router.monitor.ReplicaSelector;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import io.tandem.proxy.route.BackendAvailability;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The replicas the monitor currently finds eligible, chosen by least outstanding requests per
 * weight ({@link ReplicaSelector}). Shared by the sessions of one event loop
 * ({@link ReadWriteSplit}); thread-safe all the same.
 */
public final class MonitoredReplicas implements ReplicaChooser {

  private final ReplicaMonitor monitor;
  private final ReplicaSelector selector;
  private final Duration defaultMaxLag;
  private final BackendAvailability availability;
  /** The selector's in-flight counter of each configured backend: a plain map filled once. */
  private final Map<String, AtomicInteger> inFlight = new HashMap<>();

  public MonitoredReplicas(ReplicaMonitor monitor, ReplicaSelector selector, Duration defaultMaxLag,
      List<BackendDefinition> backends, BackendAvailability availability) {
    this.monitor = monitor;
    this.selector = selector;
    this.defaultMaxLag = defaultMaxLag;
    this.availability = availability;
    for (BackendDefinition b : backends) {
      inFlight.put(b.name(), selector.outstanding(b.name()));
    }
  }

  @Override
  public BackendDefinition choose(Duration maxLag) {
    // ties between equally loaded replicas are broken at random: a rotating counter would
    // fall into step with sessions that make an even number of reads
    BackendStatus chosen = selector.select(monitor.snapshot(), maxLag != null ? maxLag : defaultMaxLag,
        availability.offline(), ThreadLocalRandom.current().nextInt());
    return chosen == null ? null : chosen.backend();
  }

  @Override
  public GtidPosition position(BackendDefinition replica) {
    BackendStatus status = monitor.snapshot().status(replica.name());
    return status == null ? null : status.applied();
  }

  @Override
  public void started(BackendDefinition backend) {
    inFlight(backend).incrementAndGet();
  }

  @Override
  public void finished(BackendDefinition backend) {
    inFlight(backend).decrementAndGet();
  }

  private AtomicInteger inFlight(BackendDefinition backend) {
    AtomicInteger count = inFlight.get(backend.name());
    return count != null ? count : selector.outstanding(backend.name());
  }
}
