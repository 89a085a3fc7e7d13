package io.tandem.router.split;

import java.time.Duration;

/**
 * Per-user routing defaults from the config.
 *
 * @param route              {@link DefaultRoute#AUTO}: reads to replicas, writes to the master;
 *                           {@link DefaultRoute#MASTER}: never leaves the master;
 *                           {@link DefaultRoute#REPLICA}: like AUTO, for a read-mostly user
 *                           (reads go to replicas even when a hint is absent — the same as AUTO
 *                           today, kept apart so reporting users can get their own lag limit)
 * @param maxReplicationLag  replicas lagging more are not read from (null: the global limit)
 */
public record UserRoutePolicy(DefaultRoute route, Duration maxReplicationLag) {

  public static final UserRoutePolicy AUTO = new UserRoutePolicy(DefaultRoute.AUTO, null);

  /** A user's default destination. */
  public enum DefaultRoute { AUTO, MASTER, REPLICA }
}
