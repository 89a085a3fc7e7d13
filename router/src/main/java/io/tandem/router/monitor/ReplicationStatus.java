package io.tandem.router.monitor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code SHOW SLAVE STATUS} (MariaDB, MySQL before 8.0.22) or {@code SHOW REPLICA STATUS}
 * (MySQL 8) says about a server's replication, reduced to what eligibility needs. Both column
 * spellings are understood ({@code Slave_IO_Running} / {@code Replica_IO_Running},
 * {@code Seconds_Behind_Master} / {@code Seconds_Behind_Source}). With several rows (MySQL
 * channels) every channel must be running; the largest {@code Seconds_Behind} counts.
 *
 * @param configured          the server replicates from somewhere (the status has a row)
 * @param ioRunning           every IO (receiver) thread is {@code Yes} ({@code Connecting} is not)
 * @param sqlRunning          every SQL (applier) thread is {@code Yes}
 * @param secondsBehindMaster the server's own estimate, null when it shows NULL; never trusted
 *                            for lag (it reads 0 while the IO thread stalls), only required to be
 *                            non-NULL
 * @param lastIoError         {@code Last_IO_Error} when not empty, else null
 * @param lastSqlError        {@code Last_SQL_Error} when not empty, else null
 * @param received            what the IO thread has received: {@code Gtid_IO_Pos} (MariaDB) or
 *                            {@code Retrieved_Gtid_Set} (MySQL); null when not shown
 * @param source              whom it replicates from, {@code Master_Host:Master_Port}
 *                            ({@code Source_Host:Source_Port}) of the first row; null when not shown
 * @param ioConnecting        every IO thread not {@code Yes} is {@code Connecting}: it tries to
 *                            reach its master (which is down or unreachable) rather than having
 *                            been stopped or having failed for good
 */
public record ReplicationStatus(boolean configured, boolean ioRunning, boolean sqlRunning,
    Duration secondsBehindMaster, String lastIoError, String lastSqlError, String received, String source,
    boolean ioConnecting) {

  public ReplicationStatus(boolean configured, boolean ioRunning, boolean sqlRunning, Duration secondsBehindMaster,
      String lastIoError, String lastSqlError) {
    this(configured, ioRunning, sqlRunning, secondsBehindMaster, lastIoError, lastSqlError, null, null, false);
  }

  private static final Pattern VERSION = Pattern.compile("^(\\d+)\\.(\\d+)\\.(\\d+)");

  /**
   * Reads a status result.
   *
   * @param columns the result's column names
   * @param rows    its rows
   */
  public static ReplicationStatus parse(List<String> columns, List<List<String>> rows) {
    if (rows.isEmpty()) {
      return new ReplicationStatus(false, false, false, null, null, null);
    }
    int io = column(columns, "Slave_IO_Running", "Replica_IO_Running");
    int sql = column(columns, "Slave_SQL_Running", "Replica_SQL_Running");
    int behind = column(columns, "Seconds_Behind_Master", "Seconds_Behind_Source");
    int ioError = column(columns, "Last_IO_Error", null);
    int sqlError = column(columns, "Last_SQL_Error", null);
    int received = column(columns, "Gtid_IO_Pos", "Retrieved_Gtid_Set");
    int host = column(columns, "Master_Host", "Source_Host");
    int port = column(columns, "Master_Port", "Source_Port");
    if (io < 0 || sql < 0 || behind < 0) {
      throw new IllegalArgumentException("not a replication status: columns " + columns);
    }
    boolean ioRunning = true;
    boolean ioConnecting = true;
    boolean sqlRunning = true;
    Duration secondsBehind = Duration.ZERO;
    List<String> ioErrors = new ArrayList<>();
    List<String> sqlErrors = new ArrayList<>();
    for (List<String> row : rows) {
      ioRunning &= "Yes".equalsIgnoreCase(row.get(io));
      ioConnecting &= "Yes".equalsIgnoreCase(row.get(io)) || "Connecting".equalsIgnoreCase(row.get(io));
      sqlRunning &= "Yes".equalsIgnoreCase(row.get(sql));
      String b = row.get(behind);
      if (b == null || secondsBehind == null) {
        secondsBehind = null;
      } else {
        Duration d = Duration.ofSeconds(Long.parseLong(b.trim()));
        secondsBehind = d.compareTo(secondsBehind) > 0 ? d : secondsBehind;
      }
      addError(ioErrors, row, ioError);
      addError(sqlErrors, row, sqlError);
    }
    List<String> first = rows.get(0);
    return new ReplicationStatus(true, ioRunning, sqlRunning, secondsBehind, join(ioErrors), join(sqlErrors),
        received < 0 ? null : first.get(received),
        host < 0 || port < 0 ? null : first.get(host) + ":" + first.get(port), ioConnecting && !ioRunning);
  }

  /**
   * Why this status rules the server out as a read target, or null when replication is healthy:
   * configured, both threads {@code Yes}, {@code Seconds_Behind} not NULL. An IO thread that is
   * {@code Connecting} (its master is down) is no problem by itself: the replica still has what
   * it received, and the heartbeat lag (measured against the master's last heartbeat) tells how
   * much that is; so reads go on while the writer is down.
   *
   * <p>"No last error" is checked through the threads: a current error always stops its thread
   * ({@code No}) or keeps the IO thread reconnecting ({@code Connecting}), and its text becomes
   * part of the reason. An error text left over while both threads run does not rule the server
   * out, so that a server version that keeps the text of an error the IO thread recovered from
   * cannot bar a working replica until someone restarts replication; the heartbeat shows whether
   * data flows. (MariaDB 11.4 clears {@code Last_IO_Error} once the IO thread has reconnected.)
   */
  public String problem() {
    if (!configured) {
      return "replication not configured";
    }
    if (!ioRunning && !ioConnecting) {
      return "replication IO thread not running" + (lastIoError != null ? ": " + lastIoError : "");
    }
    if (!sqlRunning) {
      return "replication SQL thread not running" + (lastSqlError != null ? ": " + lastSqlError : "");
    }
    if (secondsBehindMaster == null && !ioConnecting) {
      return "Seconds_Behind_Master is NULL";
    }
    return null;
  }

  /** The last error text the server reports (IO first), or null. */
  public String lastError() {
    return lastIoError != null ? lastIoError : lastSqlError;
  }

  /**
   * Whether to ask {@code SHOW REPLICA STATUS} first: MySQL from 8.0.22 on (8.4 no longer knows
   * {@code SHOW SLAVE STATUS}). MariaDB ({@code 11.4.5-MariaDB-log}, or {@code 5.5.5-10.6.16-MariaDB}
   * on old protocol versions) and older MySQL get {@code SHOW SLAVE STATUS}. Either way, the
   * monitor switches to the other form when the first is refused as a syntax error.
   */
  static boolean prefersReplicaSyntax(String serverVersion) {
    if (serverVersion == null || serverVersion.contains("MariaDB")) {
      return false;
    }
    Matcher m = VERSION.matcher(serverVersion);
    if (!m.find()) {
      return false;
    }
    int major = Integer.parseInt(m.group(1));
    int minor = Integer.parseInt(m.group(2));
    int patch = Integer.parseInt(m.group(3));
    return major > 8 || (major == 8 && (minor > 0 || patch >= 22));
  }

  private static int column(List<String> columns, String name, String alternative) {
    for (int i = 0; i < columns.size(); i++) {
      String c = columns.get(i);
      if (c.equalsIgnoreCase(name) || (alternative != null && c.equalsIgnoreCase(alternative))) {
        return i;
      }
    }
    return -1;
  }

  private static void addError(List<String> errors, List<String> row, int column) {
    if (column >= 0) {
      String e = row.get(column);
      if (e != null && !e.isBlank() && !errors.contains(e.trim())) {
        errors.add(e.trim());
      }
    }
  }

  private static String join(List<String> errors) {
    return errors.isEmpty() ? null : String.join("; ", errors);
  }
}
