package io.tandem.router.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading SHOW SLAVE STATUS (MariaDB) and SHOW REPLICA STATUS (MySQL 8) rows. */
class ReplicationStatusTest {

  private static final List<String> MARIADB = List.of("Slave_IO_State", "Master_Host", "Master_Port",
      "Slave_IO_Running", "Slave_SQL_Running", "Last_Errno", "Last_Error", "Seconds_Behind_Master",
      "Last_IO_Errno", "Last_IO_Error", "Last_SQL_Errno", "Last_SQL_Error", "SQL_Delay");
  private static final List<String> MYSQL = List.of("Replica_IO_State", "Source_Host", "Source_Port",
      "Replica_IO_Running", "Replica_SQL_Running", "Last_Errno", "Last_Error", "Seconds_Behind_Source",
      "Last_IO_Errno", "Last_IO_Error", "Last_SQL_Errno", "Last_SQL_Error", "Channel_Name");

  private static List<String> mariadb(String io, String sql, String behind, String ioError, String sqlError) {
    return Arrays.asList("Waiting for master to send event", "127.0.0.1", "3306", io, sql, sqlError.isEmpty() ? "0" : "1146",
        sqlError, behind, ioError.isEmpty() ? "0" : "2003", ioError, sqlError.isEmpty() ? "0" : "1146", sqlError, "0");
  }

  private static List<String> mysql(String channel, String io, String sql, String behind) {
    return Arrays.asList("Waiting for source to send event", "127.0.0.1", "3306", io, sql, "0", "", behind, "0", "", "0",
        "", channel);
  }

  @Test
  void healthyMariadbReplica() {
    ReplicationStatus s = ReplicationStatus.parse(MARIADB, List.of(mariadb("Yes", "Yes", "0", "", "")));
    assertThat(s).isEqualTo(new ReplicationStatus(true, true, true, Duration.ZERO, null, null, null, "127.0.0.1:3306",
        false));
    assertThat(s.problem()).isNull();
    assertThat(s.lastError()).isNull();
  }

  @Test
  void stoppedIoThreadWithSecondsBehindZeroOrNullIsAProblem() {
    ReplicationStatus zero = ReplicationStatus.parse(MARIADB, List.of(mariadb("No", "Yes", "0", "", "")));
    assertThat(zero.ioRunning()).isFalse();
    assertThat(zero.problem()).isEqualTo("replication IO thread not running");
    ReplicationStatus nul = ReplicationStatus.parse(MARIADB, List.of(mariadb("No", "Yes", null, "", "")));
    assertThat(nul.secondsBehindMaster()).isNull();
    assertThat(nul.problem()).startsWith("replication IO thread not running");
  }

  @Test
  void connectingIsNotRunningButNoProblemWhileTheMasterIsDown() {
    ReplicationStatus s = ReplicationStatus.parse(MARIADB,
        List.of(mariadb("Connecting", "Yes", null, "error reconnecting to master 'repl@127.0.0.1:3306'", "")));
    assertThat(s.ioRunning()).isFalse();
    assertThat(s.ioConnecting()).isTrue();
    assertThat(s.problem()).as("the replica keeps what it has; the heartbeat lag decides").isNull();
    assertThat(s.lastError()).contains("reconnecting");
  }

  @Test
  void sqlErrorStopsTheSqlThread() {
    ReplicationStatus s = ReplicationStatus.parse(MARIADB,
        List.of(mariadb("Yes", "No", null, "", "Error 'Table 'app.t' doesn't exist' on query")));
    assertThat(s.sqlRunning()).isFalse();
    assertThat(s.problem()).startsWith("replication SQL thread not running: Error 'Table");
  }

  @Test
  void nullSecondsBehindWithBothThreadsRunningIsAProblem() {
    ReplicationStatus s = ReplicationStatus.parse(MARIADB, List.of(mariadb("Yes", "Yes", null, "", "")));
    assertThat(s.problem()).isEqualTo("Seconds_Behind_Master is NULL");
  }

  @Test
  void staleIoErrorWhileRunningIsReportedButNotAProblem() {
    ReplicationStatus s = ReplicationStatus.parse(MARIADB,
        List.of(mariadb("Yes", "Yes", "0", "error reconnecting to master", "")));
    assertThat(s.problem()).isNull();
    assertThat(s.lastError()).isEqualTo("error reconnecting to master");
  }

  @Test
  void noRowsMeansNotAReplica() {
    ReplicationStatus s = ReplicationStatus.parse(MARIADB, List.of());
    assertThat(s.configured()).isFalse();
    assertThat(s.problem()).isEqualTo("replication not configured");
  }

  @Test
  void mysql8NamesAndChannels() {
    ReplicationStatus one = ReplicationStatus.parse(MYSQL, List.of(mysql("", "Yes", "Yes", "3")));
    assertThat(one).isEqualTo(new ReplicationStatus(true, true, true, Duration.ofSeconds(3), null, null, null,
        "127.0.0.1:3306", false));
    ReplicationStatus two = ReplicationStatus.parse(MYSQL,
        List.of(mysql("a", "Yes", "Yes", "3"), mysql("b", "Yes", "Yes", "7")));
    assertThat(two.secondsBehindMaster()).isEqualTo(Duration.ofSeconds(7));
    ReplicationStatus broken = ReplicationStatus.parse(MYSQL,
        List.of(mysql("a", "Yes", "Yes", "3"), mysql("b", "Connecting", "Yes", null)));
    assertThat(broken.ioRunning()).isFalse();
    assertThat(broken.secondsBehindMaster()).isNull();
  }

  @Test
  void somethingElseIsRejected() {
    assertThatThrownBy(() -> ReplicationStatus.parse(List.of("Variable_name", "Value"), List.of(List.of("a", "b"))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void statusStatementByServerVersion() {
    assertThat(ReplicationStatus.prefersReplicaSyntax("11.4.5-MariaDB-log")).isFalse();
    assertThat(ReplicationStatus.prefersReplicaSyntax("5.5.5-10.6.16-MariaDB")).isFalse();
    assertThat(ReplicationStatus.prefersReplicaSyntax("5.7.44-log")).isFalse();
    assertThat(ReplicationStatus.prefersReplicaSyntax("8.0.21")).isFalse();
    assertThat(ReplicationStatus.prefersReplicaSyntax("8.0.22")).isTrue();
    assertThat(ReplicationStatus.prefersReplicaSyntax("8.4.3")).isTrue();
    assertThat(ReplicationStatus.prefersReplicaSyntax("9.1.0-commercial")).isTrue();
    assertThat(ReplicationStatus.prefersReplicaSyntax("garbage")).isFalse();
    assertThat(ReplicationStatus.prefersReplicaSyntax(null)).isFalse();
  }
}
