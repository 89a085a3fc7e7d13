package io.tandem.server.config;

import io.tandem.router.monitor.MonitorSettings;
import io.tandem.router.split.UserRoutePolicy;
import java.time.Duration;
import java.util.Map;

/**
 * The {@code routing} section and the users' routing keys.
 *
 * @param splitReads         send autocommit reads to replicas (false: everything to the master)
 * @param maxReplicationLag  replicas lagging more get no reads (per user and per hint overridable)
 * @param monitor            how replicas are checked (null when reads are not split)
 * @param users              per-user route and lag limit, by user name (absent: auto)
 * @param weights            replica weights by backend name (absent: 1)
 */
public record RoutingConfig(boolean splitReads, Duration maxReplicationLag, MonitorSettings monitor,
    Map<String, UserRoutePolicy> users, Map<String, Integer> weights) {

  public RoutingConfig {
    users = Map.copyOf(users);
    weights = Map.copyOf(weights);
  }

  /** No splitting: every statement to the active master. */
  public static RoutingConfig masterOnly() {
    return new RoutingConfig(false, MonitorSettings.DEFAULT_MAX_REPLICATION_LAG, null, Map.of(), Map.of());
  }

  public UserRoutePolicy policy(String user) {
    return users.getOrDefault(user, UserRoutePolicy.AUTO);
  }
}
