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
import java.util.function.ToIntFunction;
import io.tandem.proxy.route.BackendAvailability;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The replicas the monitor currently finds eligible, chosen by least outstanding requests per
 * weight ({@link ReplicaSelector}). Shared by every session; thread-safe.
 */
public final class MonitoredReplicas implements ReplicaChooser {

  private final ReplicaMonitor monitor;
  private final ReplicaSelector selector;
  private final Duration defaultMaxLag;
  private final Map<String, BackendDefinition> byName = new HashMap<>();
  /** The configured weight, or 0 (no reads) while an operator has the replica offline. */
  private final ToIntFunction<String> weightNow;
  private final ToIntFunction<String> outstanding;

  public MonitoredReplicas(ReplicaMonitor monitor, ReplicaSelector selector, Duration defaultMaxLag,
      List<BackendDefinition> backends, BackendAvailability availability) {
    this.monitor = monitor;
    this.selector = selector;
    this.defaultMaxLag = defaultMaxLag;
    this.weightNow = name -> availability.online(name) ? selector.weight(name) : 0;
    this.outstanding = name -> selector.outstanding(name).get();
    for (BackendDefinition b : backends) {
      byName.put(b.name(), b);
    }
  }

  @Override
  public BackendDefinition choose(Duration maxLag) {
    // ties between equally loaded replicas are broken at random: a rotating counter would
    // fall into step with sessions that make an even number of reads
    BackendStatus chosen = ReplicaSelector.select(monitor.snapshot(), maxLag != null ? maxLag : defaultMaxLag,
        outstanding, weightNow, ThreadLocalRandom.current().nextInt());
    return chosen == null ? null : byName.get(chosen.name());
  }

  @Override
  public GtidPosition position(BackendDefinition replica) {
    BackendStatus status = monitor.snapshot().status(replica.name());
    return status == null ? null : status.applied();
  }

  @Override
  public void started(BackendDefinition backend) {
    selector.outstanding(backend.name()).incrementAndGet();
  }

  @Override
  public void finished(BackendDefinition backend) {
    selector.outstanding(backend.name()).decrementAndGet();
  }
}
