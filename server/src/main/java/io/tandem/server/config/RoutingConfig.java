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
 * @param monitor            how the backends are checked (null without {@code routing.monitor.user}:
 *                           then neither read splitting nor failover)
 * @param defaults           the policy of users without routing keys of their own
 * @param users              per-user route, lag limit, consistency and no-replica policy, by user
 *                           name (absent: {@code defaults})
 * @param weights            replica weights by backend name (absent: 1)
 */
public record RoutingConfig(boolean splitReads, Duration maxReplicationLag, MonitorSettings monitor,
    UserRoutePolicy defaults, Map<String, UserRoutePolicy> users, Map<String, Integer> weights) {

  public RoutingConfig {
    users = Map.copyOf(users);
    weights = Map.copyOf(weights);
  }

  /** No splitting: every statement to the active master. */
  public static RoutingConfig masterOnly() {
    return new RoutingConfig(false, MonitorSettings.DEFAULT_MAX_REPLICATION_LAG, null, UserRoutePolicy.DEFAULT,
        Map.of(), Map.of());
  }

  public UserRoutePolicy policy(String user) {
    return users.getOrDefault(user, defaults);
  }
}
