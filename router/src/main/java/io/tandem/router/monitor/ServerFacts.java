package io.tandem.router.monitor;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the failover controller needs to know of a master or standby, read at every check with
 * {@code SHOW GLOBAL VARIABLES} and {@code SHOW GLOBAL STATUS}. MariaDB's and MySQL's names are
 * both understood ({@code rpl_semi_sync_master_*} / MySQL 8.0.26+ {@code rpl_semi_sync_source_*},
 * {@code gtid_binlog_pos} / {@code gtid_executed}).
 *
 * @param readOnly              {@code read_only} (or {@code super_read_only}) is ON
 * @param semisyncMasterEnabled {@code rpl_semi_sync_master_enabled}
 * @param waitPoint             {@code rpl_semi_sync_master_wait_point} ({@code AFTER_SYNC} is
 *                              lossless; {@code AFTER_COMMIT} lets other clients read a commit
 *                              the standby may not have), or null when unknown
 * @param semisyncMasterOn      {@code Rpl_semi_sync_master_status}: commits wait for an ack now
 * @param semisyncClients       {@code Rpl_semi_sync_master_clients}: semisync replicas connected
 * @param semisyncNoTx          {@code Rpl_semi_sync_master_no_tx}: commits not acknowledged so far
 * @param semisyncSlaveOn       {@code Rpl_semi_sync_slave_status}: this server acknowledges what it receives
 * @param binlogPosition        {@code gtid_binlog_pos} (MariaDB) or {@code gtid_executed} (MySQL)
 */
public record ServerFacts(boolean readOnly, boolean semisyncMasterEnabled, String waitPoint,
    boolean semisyncMasterOn, long semisyncClients, long semisyncNoTx, boolean semisyncSlaveOn,
    String binlogPosition) {

  /** The variables asked for. */
  static final String VARIABLES_QUERY = "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('read_only',"
      + " 'super_read_only', 'gtid_binlog_pos', 'gtid_executed', 'rpl_semi_sync_master_enabled',"
      + " 'rpl_semi_sync_source_enabled', 'rpl_semi_sync_master_wait_point', 'rpl_semi_sync_source_wait_point')";
  /** The status counters asked for. */
  static final String STATUS_QUERY = "SHOW GLOBAL STATUS WHERE Variable_name LIKE 'Rpl_semi_sync%'";

  /** Whether commits are acknowledged by a replica before the client hears of them, losslessly. */
  public boolean lossless() {
    return waitPoint != null && waitPoint.equalsIgnoreCase("AFTER_SYNC");
  }

  /** Reads the two results (rows of name, value). */
  static ServerFacts parse(List<List<String>> variables, List<List<String>> status) {
    Map<String, String> v = toMap(variables);
    Map<String, String> st = toMap(status);
    return new ServerFacts(
        on(v.get("read_only")) || on(v.get("super_read_only")),
        on(either(v, "rpl_semi_sync_master_enabled", "rpl_semi_sync_source_enabled")),
        either(v, "rpl_semi_sync_master_wait_point", "rpl_semi_sync_source_wait_point"),
        on(either(st, "rpl_semi_sync_master_status", "rpl_semi_sync_source_status")),
        number(either(st, "rpl_semi_sync_master_clients", "rpl_semi_sync_source_clients")),
        number(either(st, "rpl_semi_sync_master_no_tx", "rpl_semi_sync_source_no_tx")),
        on(either(st, "rpl_semi_sync_slave_status", "rpl_semi_sync_replica_status")),
        v.containsKey("gtid_binlog_pos") ? v.get("gtid_binlog_pos") : v.get("gtid_executed"));
  }

  private static Map<String, String> toMap(List<List<String>> rows) {
    Map<String, String> m = new HashMap<>();
    for (List<String> row : rows) {
      if (row.size() >= 2 && row.get(0) != null) {
        m.put(row.get(0).toLowerCase(Locale.ROOT), row.get(1));
      }
    }
    return m;
  }

  private static String either(Map<String, String> m, String a, String b) {
    return m.containsKey(a) ? m.get(a) : m.get(b);
  }

  private static boolean on(String value) {
    return value != null && (value.equalsIgnoreCase("ON") || value.equals("1"));
  }

  private static long number(String value) {
    try {
      return value == null ? 0 : Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
