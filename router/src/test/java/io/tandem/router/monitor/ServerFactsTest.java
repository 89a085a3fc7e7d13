package io.tandem.router.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ServerFactsTest {

  @Test
  void mariadbNames() {
    ServerFacts f = ServerFacts.parse(
        List.of(List.of("read_only", "OFF"), List.of("gtid_binlog_pos", "1-1-42"),
            List.of("rpl_semi_sync_master_enabled", "ON"), List.of("rpl_semi_sync_master_wait_point", "AFTER_SYNC")),
        List.of(List.of("Rpl_semi_sync_master_status", "ON"), List.of("Rpl_semi_sync_master_clients", "1"),
            List.of("Rpl_semi_sync_master_no_tx", "7"), List.of("Rpl_semi_sync_slave_status", "OFF")));
    assertThat(f).isEqualTo(new ServerFacts(false, true, "AFTER_SYNC", true, 1, 7, false, "1-1-42"));
    assertThat(f.lossless()).isTrue();
  }

  @Test
  void mysqlSourceReplicaNamesAndSuperReadOnly() {
    ServerFacts f = ServerFacts.parse(
        List.of(List.of("read_only", "OFF"), List.of("super_read_only", "ON"),
            List.of("gtid_executed", "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5"),
            List.of("rpl_semi_sync_source_enabled", "OFF"), List.of("rpl_semi_sync_source_wait_point", "AFTER_COMMIT")),
        List.of(List.of("Rpl_semi_sync_replica_status", "ON")));
    assertThat(f.readOnly()).isTrue();
    assertThat(f.semisyncMasterEnabled()).isFalse();
    assertThat(f.semisyncSlaveOn()).isTrue();
    assertThat(f.lossless()).as("AFTER_COMMIT lets others read what the standby may lack").isFalse();
    assertThat(f.binlogPosition()).startsWith("3e11fa47");
  }
}
