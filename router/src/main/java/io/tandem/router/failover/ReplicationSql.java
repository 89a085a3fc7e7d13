package io.tandem.router.failover;

import io.tandem.proxy.config.BackendDefinition;

/**
 * The replication statements of a promotion, in the server's dialect: MariaDB
 * ({@code STOP SLAVE}, {@code CHANGE MASTER TO ... MASTER_USE_GTID=slave_pos},
 * {@code MASTER_GTID_WAIT}) or MySQL 8.0.23+ ({@code STOP REPLICA},
 * {@code CHANGE REPLICATION SOURCE TO ... SOURCE_AUTO_POSITION=1},
 * {@code WAIT_FOR_EXECUTED_GTID_SET}, {@code super_read_only}). Changing only host and port keeps
 * the channel's user, password and TLS settings.
 */
record ReplicationSql(boolean mariadb) {

  static ReplicationSql forVersion(String version) {
    return new ReplicationSql(version == null || version.contains("MariaDB"));
  }

  String stop() {
    return mariadb ? "STOP SLAVE" : "STOP REPLICA";
  }

  String start() {
    return mariadb ? "START SLAVE" : "START REPLICA";
  }

  String startApplier() {
    return mariadb ? "START SLAVE SQL_THREAD" : "START REPLICA SQL_THREAD";
  }

  String status() {
    return mariadb ? "SHOW SLAVE STATUS" : "SHOW REPLICA STATUS";
  }

  String pointTo(BackendDefinition source) {
    return mariadb
        ? "CHANGE MASTER TO MASTER_HOST=" + ServerAdmin.literal(source.host()) + ", MASTER_PORT=" + source.port()
            + ", MASTER_USE_GTID=slave_pos"
        : "CHANGE REPLICATION SOURCE TO SOURCE_HOST=" + ServerAdmin.literal(source.host()) + ", SOURCE_PORT="
            + source.port() + ", SOURCE_AUTO_POSITION=1";
  }

  /** Returns 0 once the position is applied, else -1 (MariaDB) or 1 (MySQL) after {@code seconds}. */
  String await(String position, long seconds) {
    return mariadb
        ? "SELECT MASTER_GTID_WAIT(" + ServerAdmin.literal(position) + ", " + seconds + ")"
        : "SELECT WAIT_FOR_EXECUTED_GTID_SET(" + ServerAdmin.literal(position) + ", " + seconds + ")";
  }

  /** Everything the server has logged: {@code gtid_binlog_pos} (MariaDB) or {@code gtid_executed} (MySQL). */
  String binlogPosition() {
    return mariadb ? "SELECT @@gtid_binlog_pos" : "SELECT @@global.gtid_executed";
  }

  String readOnly(boolean on) {
    if (mariadb) {
      return "SET GLOBAL read_only = " + (on ? "ON" : "OFF");
    }
    return on ? "SET GLOBAL super_read_only = ON" : "SET GLOBAL read_only = OFF";
  }

  String semisyncMaster(boolean on) {
    return (mariadb ? "SET GLOBAL rpl_semi_sync_master_enabled = " : "SET GLOBAL rpl_semi_sync_source_enabled = ")
        + (on ? "ON" : "OFF");
  }

  /** Columns of the replication status: received position. */
  static final String[] RECEIVED = {"Gtid_IO_Pos", "Retrieved_Gtid_Set"};
}
