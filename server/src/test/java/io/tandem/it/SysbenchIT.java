package io.tandem.it;

import static io.tandem.it.support.Sql.one;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.it.support.ExternalCommand;
import io.tandem.it.support.ExternalCommand.Result;
import io.tandem.it.support.ProxyTopology;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * sysbench's {@code oltp_read_write} (server-side prepared statements, transactions, four
 * threads) through the proxy: prepare, a ten-second run without errors, cleanup.
 */
class SysbenchIT {

  private static final String SYSBENCH = "/usr/bin/sysbench";
  private static final Pattern TRANSACTIONS = Pattern.compile("transactions:\\s+(\\d+)\\s");
  private static final Pattern IGNORED_ERRORS = Pattern.compile("ignored errors:\\s+(\\d+)\\s");
  private static final Pattern RECONNECTS = Pattern.compile("reconnects:\\s+(\\d+)\\s");

  private static ProxyTopology topology;

  @BeforeAll
  static void start() throws Exception {
    ExternalCommand.require(SYSBENCH, "apt-get install sysbench");
    topology = ProxyTopology.start();
  }

  @AfterAll
  static void stop() {
    if (topology != null) {
      topology.close();
    }
  }

  private static List<String> sysbench(String command, String... extra) {
    List<String> cmd = new ArrayList<>(List.of(SYSBENCH, "oltp_read_write", "--db-driver=mysql",
        "--mysql-host=127.0.0.1", "--mysql-port=" + topology.port(), "--mysql-user=app",
        "--mysql-password=app", "--mysql-db=sbtest", "--mysql-ssl=off",
        "--tables=2", "--table-size=10000"));
    cmd.addAll(List.of(extra));
    cmd.add(command);
    return cmd;
  }

  private static long masterCommits() throws SQLException {
    try (Connection root = topology.root("m1"); Statement s = root.createStatement()) {
      return Long.parseLong(one(s, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
          + " WHERE VARIABLE_NAME = 'COM_COMMIT'"));
    }
  }

  private static long number(Pattern p, Result r) {
    Matcher m = p.matcher(r.stdout());
    assertThat(m.find()).as("sysbench output has %s\n%s", p.pattern(), r.describe()).isTrue();
    return Long.parseLong(m.group(1));
  }

  @Test
  void oltpReadWrite() throws Exception {
    try (Connection c = topology.connect(""); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE IF NOT EXISTS sbtest");
    }

    Result prepare = ExternalCommand.run(sysbench("prepare"), Duration.ofSeconds(60));
    assertThat(prepare.exitCode()).as(prepare.describe()).isZero();
    try (Connection c = topology.connect(""); Statement s = c.createStatement()) {
      assertThat(one(s, "SELECT COUNT(*) FROM sbtest.sbtest1")).isEqualTo("10000");
      assertThat(one(s, "SELECT COUNT(*) FROM sbtest.sbtest2")).isEqualTo("10000");
    }

    long commitsBefore = masterCommits();
    Result run = ExternalCommand.run(sysbench("run", "--threads=4", "--time=10", "--report-interval=0"),
        Duration.ofSeconds(60));
    assertThat(run.exitCode()).as(run.describe()).isZero();
    assertThat(run.stdout() + run.stderr()).as(run.describe()).doesNotContain("FATAL");
    long transactions = number(TRANSACTIONS, run);
    long ignoredErrors = number(IGNORED_ERRORS, run);
    assertThat(transactions).as(run.describe()).isPositive();
    // sysbench only ignores (and retries) deadlocks and lock wait timeouts; allow a rare one
    assertThat(ignoredErrors).as(run.describe()).isLessThanOrEqualTo(Math.max(5, transactions / 100));
    assertThat(number(RECONNECTS, run)).as(run.describe()).isZero();

    // every transaction was committed on the master m1
    assertThat(masterCommits() - commitsBefore).as(run.describe()).isGreaterThanOrEqualTo(transactions);
    try (Connection c = topology.connect(""); Statement s = c.createStatement()) {
      // oltp_read_write deletes and re-inserts random ids; ids that auto_increment (increment 2
      // on the dual masters) skipped at prepare come in as new rows, so the table only grows
      assertThat(Long.parseLong(one(s, "SELECT COUNT(*) FROM sbtest.sbtest1"))).isGreaterThanOrEqualTo(10000);
      assertThat(one(s, "SELECT @@server_id")).isEqualTo("1");
    }

    Result cleanup = ExternalCommand.run(sysbench("cleanup"), Duration.ofSeconds(60));
    assertThat(cleanup.exitCode()).as(cleanup.describe()).isZero();
    try (Connection c = topology.connect(""); Statement s = c.createStatement()) {
      assertThat(one(s, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'sbtest'"))
          .isEqualTo("0");
      s.execute("DROP DATABASE sbtest");
    }
  }
}
