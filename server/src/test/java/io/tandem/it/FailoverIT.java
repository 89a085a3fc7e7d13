package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.tandem.it.support.ExternalCommand;
import io.tandem.it.support.ExternalCommand.Result;
import io.tandem.it.support.ProxyTopology;
import io.tandem.it.support.Sql;
import io.tandem.it.support.WriteLoad;
import io.tandem.router.failover.FailoverController;
import io.tandem.router.failover.FailoverSettings;
import io.tandem.sandbox.SandboxServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writer failover on a real dual-master sandbox (m1 ⇄ m2 semisync AFTER_SYNC, r1 and r2
 * asynchronous), as clients of the proxy see it. Each test starts its own topology: the failures
 * it causes are not undone.
 */
class FailoverIT {

  private static final Logger log = LoggerFactory.getLogger(FailoverIT.class);
  private static final String MARIADB = "/usr/bin/mariadb";
  private static final String PYTHON = "/usr/bin/python3";

  private ProxyTopology topology;

  @AfterEach
  void stop() {
    if (topology != null) {
      for (SandboxServer s : topology.sandbox().servers()) {
        signal(s, "CONT"); // a stopped server would hold up the shutdown
      }
      topology.close();
      topology = null;
    }
  }

  private ProxyTopology start(FailoverSettings failover) throws Exception {
    topology = ProxyTopology.start(true, Map.of(), failover);
    awaitWriterHealthy();
    return topology;
  }

  // ------------------------------------------------------------------------------ 1

  @Test
  void killedMasterUnderWriteLoadLosesNoAcknowledgedWrite() throws Exception {
    start(FailoverSettings.defaults());
    WriteLoad load = WriteLoad.start(topology.mysqlUrl("rewriteBatchedStatements=false"), 4);
    try {
      Thread.sleep(1500);
      int before = load.acknowledged().size();
      assertThat(before).as("writes before the kill").isPositive();
      topology.sandbox().server("m1").kill();
      load.markEvent();
      assertThat(load.awaitWriteAfterEvent(15_000)).as("a write succeeds after the kill; errors %s %s",
          load.errors(), load.errorSamples()).isTrue();
      Thread.sleep(1500);
    } finally {
      load.close();
    }
    log.info("failover write gap {} ms, {} acknowledged, errors {}, reader checks {}", load.writeGapMillis(),
        load.acknowledged().size(), load.errors(), load.readerChecks());
    assertThat(writer()).isEqualTo("m2");
    assertThat(topology.stack().writerRole().state().epoch()).isEqualTo(1);
    try (Connection m2 = topology.root("m2")) {
      assertThat(load.missingOn(m2)).as("acknowledged writes missing on the new master").isEmpty();
      assertThat(Sql.one(m2, "SELECT @@read_only")).isEqualTo("0");
    }
    assertThat(load.readerMisses()).as("reads on the writer that missed an acknowledged insert").isEmpty();
    assertThat(load.readerChecks()).isPositive();
    assertThat(load.errors().keySet()).as("errors clients saw: %s", load.errorSamples())
        .isSubsetOf(1927, 1213, 1290, 1429);
    for (String replica : List.of("r1", "r2")) {
      eventually(replica + " replicates from m2", () -> {
        Map<String, String> st = slaveStatus(replica);
        return String.valueOf(topology.sandbox().server("m2").port()).equals(st.get("Master_Port"))
            && "Yes".equals(st.get("Slave_IO_Running")) && "Yes".equals(st.get("Slave_SQL_Running"));
      });
    }
    try (Connection c = topology.connect(""); Statement s = c.createStatement()) {
      s.execute("INSERT INTO ledger VALUES (99, 1)");
      assertThat(Sql.one(s, "SELECT @@server_id")).as("reads go to a replica").isIn("3", "4");
    }
    topology.awaitEligible("r1", "r2");
  }

  // ------------------------------------------------------------------------------ 2

  @Test
  void stoppedMasterIsFoundByTheWriterProbe() throws Exception {
    start(FailoverSettings.defaults());
    exec("CREATE TABLE stopped (id INT PRIMARY KEY)");
    SandboxServer m1 = topology.sandbox().server("m1");
    signal(m1, "STOP");
    long stoppedAt = System.nanoTime();
    awaitWriter("m2", 20_000);
    long detected = (System.nanoTime() - stoppedAt) / 1_000_000;
    log.info("SIGSTOP of m1: m2 took writes after {} ms", detected);
    retry(() -> exec("INSERT INTO stopped VALUES (1)"));
    try (Connection m2 = topology.root("m2")) {
      assertThat(Sql.one(m2, "SELECT COUNT(*) FROM app.stopped")).isEqualTo("1");
    }
    signal(m1, "CONT");
    eventually("m1 fenced once it answers again", () -> "1".equals(rootValue("m1", "SELECT @@read_only")));
    assertThat(writer()).isEqualTo("m2");
  }

  // ------------------------------------------------------------------------------ 3

  @Test
  void laggingStandbyCatchesUpBeforeItIsPromoted() throws Exception {
    start(FailoverSettings.defaults());
    exec("CREATE TABLE lagging (id INT PRIMARY KEY)");
    topology.awaitReplicated();
    try (Connection m2 = topology.root("m2")) {
      Sql.exec(m2, "STOP SLAVE SQL_THREAD");
    }
    try (Connection c = topology.connect(""); Statement s = c.createStatement()) {
      for (int i = 1; i <= 200; i++) {
        s.execute("INSERT INTO lagging VALUES (" + i + ")"); // acknowledged: m2's IO thread still receives
      }
    }
    assertThat(rootValue("m2", "SELECT COUNT(*) FROM app.lagging")).as("m2 has not applied them").isEqualTo("0");
    topology.sandbox().server("m1").kill();
    awaitWriter("m2", 20_000);
    try (Connection m2 = topology.root("m2")) {
      assertThat(Sql.one(m2, "SELECT COUNT(*) FROM app.lagging")).as("every acknowledged row on the new master")
          .isEqualTo("200");
    }
    assertThat(events()).anyMatch(e -> e.contains("applied everything it received"));
  }

  // ------------------------------------------------------------------------------ 4

  @Test
  void semisyncDegradedToAsyncRefusesAutomaticFailover() throws Exception {
    start(FailoverSettings.defaults());
    exec("CREATE TABLE degraded (id INT PRIMARY KEY)", "INSERT INTO degraded VALUES (0)");
    topology.awaitReplicated();
    try (Connection m2 = topology.root("m2")) {
      Sql.exec(m2, "STOP SLAVE IO_THREAD");
    }
    exec("INSERT INTO degraded VALUES (1)"); // waits rpl_semi_sync_master_timeout, then commits without ack
    eventually("semisync OFF on m1",
        () -> "OFF".equals(rootValue("m1", "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
            + " WHERE VARIABLE_NAME = 'RPL_SEMI_SYNC_MASTER_STATUS'")));
    Thread.sleep(1000); // the controller's last good sample shows it
    topology.sandbox().server("m1").kill();
    eventually("failover refused", () -> topology.stack().controller().phase() == FailoverController.Phase.BLOCKED);
    assertThat(topology.stack().controller().lastDecision()).contains("refused").contains("semisync");
    assertThat(topology.stack().writerRole().writer()).isNull();
    assertThat(rootValue("m2", "SELECT @@read_only")).as("m2 not promoted").isEqualTo("1");
    try (Connection c = topology.connect(""); Statement s = c.createStatement()) {
      long began = System.nanoTime();
      assertThatThrownBy(() -> s.execute("INSERT INTO degraded VALUES (2)"))
          .isInstanceOfSatisfying(SQLException.class, e -> {
            assertThat(e.getErrorCode()).isEqualTo(1290);
            assertThat(e.getMessage()).contains("semisync");
          });
      assertThat((System.nanoTime() - began) / 1_000_000).as("refused at once").isLessThan(1000);
      assertThat(Sql.one(s, "SELECT COUNT(*) FROM degraded")).as("reads go on").isEqualTo("2");
    }
    // the operator accepts the risk: FAILOVER FORCE
    assertThat(topology.stack().controller().forceFailover("m2")).contains("FAILOVER FORCE");
    assertThat(writer()).isEqualTo("m2");
    retry(() -> exec("INSERT INTO degraded VALUES (3)"));
    assertThat(rootValue("m2", "SELECT COUNT(*) FROM app.degraded WHERE id = 3")).isEqualTo("1");
  }

  // ------------------------------------------------------------------------------ 5

  @Test
  void restartedOldMasterStaysStandbyAndGetsNoTraffic() throws Exception {
    start(FailoverSettings.defaults());
    exec("CREATE TABLE rejoin (id INT PRIMARY KEY)");
    SandboxServer m1 = topology.sandbox().server("m1");
    m1.kill();
    awaitWriter("m2");
    retry(() -> exec("INSERT INTO rejoin VALUES (1)"));
    m1.start(); // its my.cnf says read_only=OFF
    eventually("m1 fenced", () -> "1".equals(rootValue("m1", "SELECT @@read_only")));
    eventually("m1 replicates from m2 and has caught up", () -> {
      Map<String, String> st = slaveStatus("m1");
      return String.valueOf(topology.sandbox().server("m2").port()).equals(st.get("Master_Port"))
          && "Yes".equals(st.get("Slave_IO_Running")) && "1".equals(rootValue("m1", "SELECT COUNT(*) FROM app.rejoin"));
    });
    eventually("m2 waits for m1's acks again", () -> "1".equals(rootValue("m2", "SELECT @@rpl_semi_sync_master_enabled")));
    Set<String> servers = new HashSet<>();
    try (Connection c = topology.connect(""); Statement s = c.createStatement()) {
      for (int i = 0; i < 200; i++) {
        servers.add(Sql.one(s, "SELECT @@server_id"));
      }
      s.execute("INSERT INTO rejoin VALUES (2)");
    }
    assertThat(servers).as("reads never on the old master").doesNotContain("1");
    assertThat(writer()).as("no fail-back").isEqualTo("m2");
    assertThat(topology.stack().writerRole().state().epoch()).isEqualTo(1);
  }

  // ------------------------------------------------------------------------------ 6

  @Test
  void flappingMastersFailOverOncePerBlockWindow() throws Exception {
    start(FailoverSettings.defaults());
    exec("CREATE TABLE flap (id INT PRIMARY KEY)");
    SandboxServer m1 = topology.sandbox().server("m1");
    m1.kill();
    awaitWriter("m2");
    m1.start();
    eventually("m1 back as a caught-up standby", () -> "1".equals(rootValue("m1", "SELECT @@read_only"))
        && "Yes".equals(slaveStatus("m1").get("Slave_IO_Running")));
    eventually("m1 acknowledges m2's commits",
        () -> "ON".equals(rootValue("m2", "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
            + " WHERE VARIABLE_NAME = 'RPL_SEMI_SYNC_MASTER_STATUS'")));
    retry(() -> exec("INSERT INTO flap VALUES (1)"));
    Thread.sleep(1000);
    topology.sandbox().server("m2").kill();
    eventually("second failover refused", () -> topology.stack().controller().phase() == FailoverController.Phase.BLOCKED);
    assertThat(topology.stack().controller().lastDecision()).contains("failover_block_window");
    assertThat(topology.stack().writerRole().state().epoch()).as("one failover").isEqualTo(1);
    assertThat(rootValue("m1", "SELECT @@read_only")).isEqualTo("1");
  }

  // ------------------------------------------------------------------------------ 7 and 10

  @Test
  void bothMastersDownWritesFailFastWithAServerErrorAndReadsGoOn() throws Exception {
    ExternalCommand.require(MARIADB, "apt-get install mariadb-client");
    start(FailoverSettings.defaults());
    exec("CREATE TABLE down (id INT PRIMARY KEY, v VARCHAR(10))", "INSERT INTO down VALUES (1, 'kept')");
    topology.awaitReplicated();
    topology.sandbox().server("m2").kill();
    topology.sandbox().server("m1").kill();
    eventually("writes refused", () -> topology.stack().writerRole().writer() == null
        && topology.stack().controller().phase() == FailoverController.Phase.BLOCKED);
    topology.awaitEligible("r1", "r2");

    Result cli = ExternalCommand.run(List.of(MARIADB, "--no-defaults", "-h127.0.0.1", "-P" + topology.port(),
        "-uapp", "-papp", "--skip-ssl", "-B", "-N", "-e", "INSERT INTO down VALUES (2, 'x')", "app"),
        Duration.ofSeconds(30));
    assertThat(cli.exitCode()).as(cli.describe()).isEqualTo(1);
    assertThat(cli.stderr()).as(cli.describe()).contains("ERROR 1290 (HY000)").doesNotContain("2027");
    Result read = ExternalCommand.run(List.of(MARIADB, "--no-defaults", "-h127.0.0.1", "-P" + topology.port(),
        "-uapp", "-papp", "--skip-ssl", "-B", "-N", "-e", "SELECT v FROM down", "app"), Duration.ofSeconds(30));
    assertThat(read.exitCode()).as(read.describe()).isZero();
    assertThat(read.lines()).containsExactly("kept");

    try (Connection c = topology.connect(""); Statement s = c.createStatement()) {
      long began = System.nanoTime();
      assertThatThrownBy(() -> s.execute("INSERT INTO down VALUES (3, 'x')"))
          .isInstanceOfSatisfying(SQLException.class, e -> {
            assertThat(e.getErrorCode()).isEqualTo(1290);
            assertThat(e.getSQLState()).isEqualTo("HY000");
          });
      assertThat((System.nanoTime() - began) / 1_000_000).as("fails fast").isLessThan(1000);
      assertThat(c.isValid(2)).as("the connection stays usable").isTrue();
      assertThat(Sql.one(s, "SELECT v FROM down WHERE id = 1")).isEqualTo("kept");
    }

    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(topology.mysqlUrl(""));
    config.setMaximumPoolSize(1);
    config.setMinimumIdle(1);
    try (HikariDataSource pool = new HikariDataSource(config)) {
      long firstId;
      try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
        firstId = ((com.mysql.cj.jdbc.JdbcConnection) c.unwrap(com.mysql.cj.jdbc.JdbcConnection.class)).getId();
        assertThatThrownBy(() -> s.execute("INSERT INTO down VALUES (5, 'x')"))
            .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getErrorCode()).isEqualTo(1290));
      }
      try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
        assertThat(((com.mysql.cj.jdbc.JdbcConnection) c.unwrap(com.mysql.cj.jdbc.JdbcConnection.class)).getId())
            .as("HikariCP kept the connection (1290 is no connection error)").isEqualTo(firstId);
        assertThat(Sql.one(s, "SELECT v FROM down WHERE id = 1")).isEqualTo("kept");
      }
    }

    if (Files.exists(Path.of(PYTHON))) {
      Result py = ExternalCommand.run(List.of(PYTHON, "-c", """
          import sys, pymysql
          c = pymysql.connect(host='127.0.0.1', port=int(sys.argv[1]), user='app', password='app', database='app',
                              autocommit=True)
          cur = c.cursor()
          try:
              cur.execute("INSERT INTO down VALUES (4, 'x')")
              print('inserted')
          except pymysql.err.MySQLError as e:
              print('error', e.args[0])
          cur.execute('SELECT v FROM down')
          print(cur.fetchone()[0])
          """, String.valueOf(topology.port())), Duration.ofSeconds(30));
      assertThat(py.lines()).as(py.describe()).containsExactly("error 1290", "kept");
    }

    // 10: a login naming a schema, SET NAMES, USE and a prepared SELECT, with no writer at all
    try (Connection c = DriverManager.getConnection(topology.mysqlUrl("useServerPrepStmts=true"));
        Statement s = c.createStatement()) {
      s.execute("SET NAMES utf8mb4");
      s.execute("USE app");
      s.execute("SET @marker = 'ok'");
      try (PreparedStatement p = c.prepareStatement("SELECT v, @marker FROM down WHERE id = ?")) {
        p.setInt(1, 1);
        try (ResultSet rs = p.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString(1)).isEqualTo("kept");
        }
      }
      assertThat(Sql.one(s, "SELECT DATABASE()")).isEqualTo("app");
    }
  }

  // ------------------------------------------------------------------------------ 8

  @Test
  void proxyStoppedInTheMiddleOfAPromotionFinishesItFromTheJournal() throws Exception {
    Path dir = Files.createTempDirectory("tandem-journal");
    Path journal = dir.resolve("failover.journal");
    start(FailoverSettings.defaults().withJournal(journal));
    exec("CREATE TABLE journaled (id INT PRIMARY KEY)", "INSERT INTO journaled VALUES (1)");
    topology.awaitReplicated();
    topology.stack().controller().stepHook(step -> {
      if (step.equals("fenced")) {
        throw new FailoverController.StopPromotion(step);
      }
    });
    topology.sandbox().server("m1").kill();
    eventually("the promotion stopped half-way", () -> Files.readString(journal).contains("step=SWITCHING"));
    assertThat(rootValue("m2", "SELECT @@read_only")).as("not promoted yet").isEqualTo("1");
    topology.restartProxy();
    awaitWriter("m2");
    assertThat(topology.stack().writerRole().state().epoch()).as("one promotion").isEqualTo(1);
    eventually("journal done", () -> Files.readString(journal).contains("step=DONE"));
    assertThat(Files.readString(journal)).contains("writer=m2").contains("epoch=1");
    assertThat(events()).anyMatch(e -> e.contains("finishing it"));
    retry(() -> exec("INSERT INTO journaled VALUES (2)"));
    try (Connection m2 = topology.root("m2")) {
      assertThat(Sql.one(m2, "SELECT COUNT(*) FROM app.journaled")).isEqualTo("2");
    }
    topology.restartProxy();
    awaitWriter("m2");
    assertThat(topology.stack().writerRole().state().epoch()).as("the journal's writer after a restart").isEqualTo(1);
  }

  // ------------------------------------------------------------------------------ 9

  @Test
  void switchoverUnderWriteLoadLosesNothingAndRaisesNoError() throws Exception {
    start(FailoverSettings.defaults());
    WriteLoad load = WriteLoad.start(topology.mysqlUrl(""), 4);
    String result;
    try {
      Thread.sleep(1500);
      load.markEvent();
      result = topology.stack().controller().switchover("m2");
      assertThat(load.awaitWriteAfterEvent(10_000)).isTrue();
      Thread.sleep(1000);
    } finally {
      load.close();
    }
    log.info("{}; write gap {} ms", result, load.writeGapMillis());
    assertThat(writer()).isEqualTo("m2");
    eventually("every command counted at the writer (for the switchover to wait for) left it",
        () -> topology.stack().writerRole().commandsAtWriter() == 0);
    assertThat(load.autocommitErrors()).as("autocommit writes fail never: %s", load.errorSamples()).isZero();
    assertThat(load.errors().keySet()).as("a transaction open across the switch may end with 1213: %s",
        load.errorSamples()).isSubsetOf(1213);
    try (Connection m2 = topology.root("m2")) {
      assertThat(load.missingOn(m2)).isEmpty();
    }
    assertThat(load.readerMisses()).isEmpty();
    assertThat(rootValue("m1", "SELECT @@read_only")).isEqualTo("1");
    eventually("m1 replicates from m2", () -> String.valueOf(topology.sandbox().server("m2").port())
        .equals(slaveStatus("m1").get("Master_Port")) && "Yes".equals(slaveStatus("m1").get("Slave_IO_Running")));
  }

  // ------------------------------------------------------------------------------ master-only routing

  @Test
  void withoutSplittingTheWriterFailsOverTooAndSessionsKeepTheirState() throws Exception {
    topology = ProxyTopology.start(false, Map.of(), FailoverSettings.defaults());
    awaitWriterHealthy();
    exec("CREATE TABLE carried (id INT PRIMARY KEY, v VARCHAR(20))", "INSERT INTO carried VALUES (1, 'before')");
    try (Connection c = DriverManager.getConnection(topology.mysqlUrl("useServerPrepStmts=true"));
        Statement s = c.createStatement()) {
      s.execute("SET NAMES latin1");
      s.execute("SET @marker = 'carried over'");
      s.execute("SET SESSION sql_mode = 'ANSI_QUOTES'");
      PreparedStatement p = c.prepareStatement("SELECT v, @@server_id FROM carried WHERE id = ?");
      p.setInt(1, 1);
      try (ResultSet rs = p.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(2)).isEqualTo("1");
      }
      topology.sandbox().server("m1").kill();
      awaitWriter("m2");
      retry(() -> s.execute("INSERT INTO carried VALUES (2, 'after')"));
      assertThat(Sql.one(s, "SELECT @@server_id")).as("everything on the new writer").isEqualTo("2");
      assertThat(Sql.one(s, "SELECT @marker")).isEqualTo("carried over");
      assertThat(Sql.one(s, "SELECT @@sql_mode")).isEqualTo("ANSI_QUOTES");
      assertThat(Sql.one(s, "SELECT @@character_set_client")).isEqualTo("latin1");
      assertThat(Sql.one(s, "SELECT DATABASE()")).isEqualTo("app");
      p.setInt(1, 2);
      try (ResultSet rs = p.executeQuery()) {
        assertThat(rs.next()).as("the prepared statement runs on the new writer").isTrue();
        assertThat(rs.getString(1)).isEqualTo("after");
        assertThat(rs.getString(2)).isEqualTo("2");
      }
      p.close();
    }
  }

  // ------------------------------------------------------------------------------ helpers

  private String writer() {
    var w = topology.stack().writerRole().writer();
    return w == null ? null : w.name();
  }

  private List<String> events() {
    return topology.stack().controller().events().stream().map(FailoverController.Event::text).toList();
  }

  private void awaitWriterHealthy() throws Exception {
    eventually("the controller has a good sample of m1", () -> topology.stack().controller().phase()
        == FailoverController.Phase.HEALTHY && topology.stack().monitor().snapshot().status("m1").facts() != null
        && topology.stack().monitor().snapshot().status("m2").facts() != null);
    Thread.sleep(600); // two good samples: the last one before a failure has a predecessor
  }

  private void awaitWriter(String name) throws Exception {
    awaitWriter(name, 20_000);
  }

  private void awaitWriter(String name, long timeoutMillis) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (!name.equals(writer()) || topology.stack().writerRole().state().switching()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError(name + " is not the writer after " + timeoutMillis + " ms; writer "
            + topology.stack().writerRole().state() + "; events " + events());
      }
      Thread.sleep(20);
    }
  }

  private void exec(String... sql) throws SQLException {
    try (Connection c = topology.connect("")) {
      Sql.exec(c, sql);
    }
  }

  /** Retries a statement that may meet the end of a switch (at most 10 s). */
  private static void retry(SqlAction action) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    while (true) {
      try {
        action.run();
        return;
      } catch (SQLException e) {
        if (System.currentTimeMillis() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  private interface SqlAction {
    void run() throws Exception;
  }

  private String rootValue(String server, String sql) throws SQLException {
    try (Connection c = topology.root(server)) {
      return Sql.one(c, sql);
    }
  }

  private Map<String, String> slaveStatus(String server) throws SQLException {
    try (Connection c = topology.root(server); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SHOW SLAVE STATUS")) {
      Map<String, String> m = new HashMap<>();
      if (rs.next()) {
        ResultSetMetaData md = rs.getMetaData();
        for (int i = 1; i <= md.getColumnCount(); i++) {
          m.put(md.getColumnLabel(i), rs.getString(i));
        }
      }
      return m;
    }
  }

  private static void signal(SandboxServer server, String signal) {
    long pid = server.pid();
    if (pid > 0) {
      ExternalCommand.run(List.of("kill", "-" + signal, Long.toString(pid)), Duration.ofSeconds(10));
    }
  }

  private static void eventually(String what, Callable<Boolean> condition) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    Exception last = null;
    while (System.currentTimeMillis() < deadline) {
      try {
        if (Boolean.TRUE.equals(condition.call())) {
          return;
        }
      } catch (Exception e) {
        last = e;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(what + " did not happen within 30 s", last);
  }
}
