package io.tandem.router.split;

import java.time.Duration;

/**
 * How one user's statements are routed (the config's global {@code routing} keys, overridden per
 * user).
 *
 * @param route              {@link DefaultRoute#AUTO}: reads to replicas, writes to the master;
 *                           {@link DefaultRoute#MASTER}: never leaves the master;
 *                           {@link DefaultRoute#REPLICA}: like AUTO, for a read-mostly user
 *                           (reads go to replicas even when a hint is absent — the same as AUTO
 *                           today, kept apart so reporting users can get their own lag limit)
 * @param maxReplicationLag  replicas lagging more are not read from (null: the global limit)
 * @param consistency        {@link Consistency#SESSION}: a read on a replica sees the session's
 *                           own earlier writes (read-your-writes); {@link Consistency#EVENTUAL}:
 *                           it may not, within the lag limit
 * @param consistencyTimeout how long a replica may take to show the session's writes before the
 *                           read goes to the master instead
 * @param noReplica          what a read does when no replica is eligible
 */
public record UserRoutePolicy(DefaultRoute route, Duration maxReplicationLag, Consistency consistency,
    Duration consistencyTimeout, NoReplica noReplica) {

  /** The default wait for a replica to show a session's writes. */
  public static final Duration DEFAULT_CONSISTENCY_TIMEOUT = Duration.ofMillis(500);

  /** Reads to replicas, eventually consistent (the opt-in for speed). */
  public static final UserRoutePolicy AUTO = new UserRoutePolicy(DefaultRoute.AUTO, null);

  /**
   * The default: reads to replicas, read-your-writes ({@code consistency: session}) — pointing an
   * unchanged application at the proxy must not change what it reads.
   */
  public static final UserRoutePolicy DEFAULT = new UserRoutePolicy(DefaultRoute.AUTO, null, Consistency.SESSION,
      DEFAULT_CONSISTENCY_TIMEOUT, NoReplica.MASTER);

  /** Eventual consistency, reads to the master when no replica is eligible. */
  public UserRoutePolicy(DefaultRoute route, Duration maxReplicationLag) {
    this(route, maxReplicationLag, Consistency.EVENTUAL, DEFAULT_CONSISTENCY_TIMEOUT, NoReplica.MASTER);
  }

  /** A user's default destination. */
  public enum DefaultRoute { AUTO, MASTER, REPLICA }

  /** Whether reads on replicas see the session's own writes. */
  public enum Consistency { EVENTUAL, SESSION }

  /** A read with no eligible replica: runs on the master, or is refused with an error. */
  public enum NoReplica { MASTER, ERROR }
}
