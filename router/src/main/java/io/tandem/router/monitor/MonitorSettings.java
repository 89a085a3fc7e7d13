package io.tandem.router.monitor;

import io.tandem.proxy.backend.BackendCredentials;
import io.tandem.proxy.config.BackendTls;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How the {@link ReplicaMonitor} checks the backends.
 *
 * @param credentials       the monitor user; it needs {@code REPLICATION CLIENT} (MySQL) or
 *                          {@code SLAVE MONITOR} (MariaDB) for the replication status, and
 *                          {@code CREATE, INSERT, DELETE, SELECT} on the heartbeat table
 * @param interval          time between two checks of a backend (and two heartbeat writes)
 * @param connectTimeout    connecting and logging in, per attempt
 * @param queryTimeout      one status or heartbeat query on a replica; a backend that does not
 *                          answer within it counts as unreachable and its connection is closed
 * @param heartbeatTimeout  the heartbeat write on the active master; longer than the semisync
 *                          master timeout, so that a write waiting for semisync acknowledgements
 *                          is not taken for a dead master
 * @param maxBackoff        reconnection attempts to an unreachable backend start one interval
 *                          apart and back off by doubling up to this
 * @param heartbeatSchema   schema of the heartbeat table; it must exist on the master
 * @param heartbeatTable    the heartbeat table, created by the monitor when missing
 * @param maxReplicationLag the default lag limit the snapshot's {@code eligible} flags are
 *                          computed for (routers may ask the {@link ReplicaSelector} for others)
 * @param hysteresis        a replica that went over the limit (or was unhealthy) becomes eligible
 *                          again only once its lag is below {@code limit × hysteresis}; in (0, 1]
 * @param tls               TLS on the monitor's connections
 */
public record MonitorSettings(
    BackendCredentials credentials,
    Duration interval,
    Duration connectTimeout,
    Duration queryTimeout,
    Duration heartbeatTimeout,
    Duration maxBackoff,
    String heartbeatSchema,
    String heartbeatTable,
    Duration maxReplicationLag,
    double hysteresis,
    BackendTls tls) {

  public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(250);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
  public static final Duration DEFAULT_HEARTBEAT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(2);
  public static final String DEFAULT_HEARTBEAT_SCHEMA = "tandem";
  public static final String DEFAULT_HEARTBEAT_TABLE = "heartbeat";
  public static final Duration DEFAULT_MAX_REPLICATION_LAG = Duration.ofSeconds(1);
  /** Back under 80% of the limit: 800 ms for a 1 s limit. */
  public static final double DEFAULT_HYSTERESIS = 0.8;

  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z0-9_$]{1,64}");

  public MonitorSettings {
    Objects.requireNonNull(credentials, "credentials");
    Objects.requireNonNull(tls, "tls");
    positive(interval, "interval");
    positive(connectTimeout, "connectTimeout");
    positive(queryTimeout, "queryTimeout");
    positive(heartbeatTimeout, "heartbeatTimeout");
    positive(maxBackoff, "maxBackoff");
    positive(maxReplicationLag, "maxReplicationLag");
    identifier(heartbeatSchema, "heartbeatSchema");
    identifier(heartbeatTable, "heartbeatTable");
    if (!(hysteresis > 0 && hysteresis <= 1)) {
      throw new IllegalArgumentException("hysteresis must be in (0, 1]: " + hysteresis);
    }
  }

  /** The defaults above, for the given monitor user. */
  public static MonitorSettings defaults(String user, String password) {
    return new MonitorSettings(new BackendCredentials(user, password, null), DEFAULT_INTERVAL,
        DEFAULT_TIMEOUT, DEFAULT_TIMEOUT, DEFAULT_HEARTBEAT_TIMEOUT, DEFAULT_MAX_BACKOFF,
        DEFAULT_HEARTBEAT_SCHEMA, DEFAULT_HEARTBEAT_TABLE, DEFAULT_MAX_REPLICATION_LAG,
        DEFAULT_HYSTERESIS, BackendTls.disabled());
  }

  public MonitorSettings withInterval(Duration interval) {
    return new MonitorSettings(credentials, interval, connectTimeout, queryTimeout, heartbeatTimeout,
        maxBackoff, heartbeatSchema, heartbeatTable, maxReplicationLag, hysteresis, tls);
  }

  public MonitorSettings withTimeouts(Duration connectTimeout, Duration queryTimeout) {
    return new MonitorSettings(credentials, interval, connectTimeout, queryTimeout, heartbeatTimeout,
        maxBackoff, heartbeatSchema, heartbeatTable, maxReplicationLag, hysteresis, tls);
  }

  public MonitorSettings withMaxReplicationLag(Duration maxReplicationLag) {
    return new MonitorSettings(credentials, interval, connectTimeout, queryTimeout, heartbeatTimeout,
        maxBackoff, heartbeatSchema, heartbeatTable, maxReplicationLag, hysteresis, tls);
  }

  public MonitorSettings withHysteresis(double hysteresis) {
    return new MonitorSettings(credentials, interval, connectTimeout, queryTimeout, heartbeatTimeout,
        maxBackoff, heartbeatSchema, heartbeatTable, maxReplicationLag, hysteresis, tls);
  }

  public MonitorSettings withTls(BackendTls tls) {
    return new MonitorSettings(credentials, interval, connectTimeout, queryTimeout, heartbeatTimeout,
        maxBackoff, heartbeatSchema, heartbeatTable, maxReplicationLag, hysteresis, tls);
  }

  /** {@code schema.table}, for SQL text (both are plain identifiers, checked above). */
  public String heartbeatTableName() {
    return "`" + heartbeatSchema + "`.`" + heartbeatTable + "`";
  }

  private static void positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + d);
    }
  }

  private static void identifier(String s, String name) {
    Objects.requireNonNull(s, name);
    if (!IDENTIFIER.matcher(s).matches()) {
      throw new IllegalArgumentException(name + " must be a plain identifier ([A-Za-z0-9_$]): " + s);
    }
  }
}
