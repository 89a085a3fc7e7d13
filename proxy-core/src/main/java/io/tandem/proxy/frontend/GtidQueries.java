package io.tandem.proxy.frontend;

import io.tandem.proxy.backend.BackendConnection;
import io.tandem.proxy.session.GtidPosition;
import java.time.Duration;
import java.util.Locale;

/** The statements read-your-writes runs, in the dialect of the server a connection is to. */
final class GtidQueries {

  private GtidQueries() {}

  /**
   * The master's position, read after a session's write and so including it: MariaDB's binary
   * log position (the last GTID of each domain), MySQL's executed set.
   */
  static String writePosition(BackendConnection master) {
    return master.isMariadb() ? "SELECT @@global.gtid_binlog_pos" : "SELECT @@global.gtid_executed";
  }

  /** Waits for {@code position} on a replica; answers one row whose value is "0" when it arrived in time. */
  static String await(BackendConnection replica, GtidPosition position, Duration timeout) {
    String seconds = String.format(Locale.ROOT, "%.3f", timeout.toMillis() / 1000.0);
    return (replica.isMariadb() ? "SELECT MASTER_GTID_WAIT('" : "SELECT WAIT_FOR_EXECUTED_GTID_SET('")
        + position + "', " + seconds + ")";
  }
}
