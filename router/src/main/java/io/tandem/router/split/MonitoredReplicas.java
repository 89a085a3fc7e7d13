package io.tandem.router.split;

import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.session.GtidPosition;
import io.tandem.router.monitor.BackendStatus;
import io.tandem.router.monitor.ReplicaMonitor;
import io.tandem.router.monitor.ReplicaSelector;
import io.tandem.router.monitor.TopologySnapshot;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import io.tandem.proxy.route.BackendAvailability;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * The replicas the monitor currently finds eligible, chosen by least outstanding requests per
 * weight ({@link ReplicaSelector}). Shared by the sessions of one event loop
 * ({@link ReadWriteSplit}); thread-safe all the same.
 */
public final class MonitoredReplicas implements ReplicaChooser {

  /** The monitor's latest snapshot ({@link ReplicaMonitor#snapshot()}: a volatile read). */
  private final Supplier<TopologySnapshot> snapshots;
  private final ReplicaSelector selector;
  private final Duration defaultMaxLag;
  private final BackendAvailability availability;
  /**
   * The configured backends and the selector's in-flight counter of each, in configuration order:
   * a route's backend is one of these objects, so a start or finish finds its counter by identity
   * among a few entries, without hashing its name.
   */
  private final BackendDefinition[] configured;
  private final AtomicInteger[] inFlight;

  public MonitoredReplicas(ReplicaMonitor monitor, ReplicaSelector selector, Duration defaultMaxLag,
      List<BackendDefinition> backends, BackendAvailability availability) {
    this(monitor::snapshot, selector, defaultMaxLag, backends, availability);
  }

  /** As above, with the snapshots from {@code snapshots} (the monitor's, or fixed ones in a benchmark). */
  public MonitoredReplicas(Supplier<TopologySnapshot> snapshots, ReplicaSelector selector, Duration defaultMaxLag,
      List<BackendDefinition> backends, BackendAvailability availability) {
    this.snapshots = snapshots;
    this.selector = selector;
    this.defaultMaxLag = defaultMaxLag;
    this.availability = availability;
    configured = backends.toArray(new BackendDefinition[0]);
    inFlight = new AtomicInteger[configured.length];
    for (int i = 0; i < configured.length; i++) {
      inFlight[i] = selector.outstanding(configured[i].name());
    }
  }

  /** Keeps a session on {@code last} while it is eligible and at most one read busier than the least loaded ({@link ReplicaSelector}). */
  @Override
  public BackendDefinition choose(Duration maxLag, BackendDefinition last) {
    // ties between equally loaded replicas are broken at random: a rotating counter would
    // fall into step with sessions that make an even number of reads
    BackendStatus chosen = selector.select(snapshots.get(), maxLag != null ? maxLag : defaultMaxLag,
        availability.offline(), ThreadLocalRandom.current().nextInt(), last);
    return chosen == null ? null : chosen.backend();
  }

  @Override
  public GtidPosition position(BackendDefinition replica) {
    BackendStatus status = snapshots.get().status(replica.name());
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

  /** The counter of {@code backend}: found by identity, else (a definition not configured here) by name. */
  private AtomicInteger inFlight(BackendDefinition backend) {
    for (int i = 0; i < configured.length; i++) {
      if (configured[i] == backend) {
        return inFlight[i];
      }
    }
    return selector.outstanding(backend.name());
  }
}
