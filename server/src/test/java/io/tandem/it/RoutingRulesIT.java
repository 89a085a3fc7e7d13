package io.tandem.it;

import static io.tandem.it.support.Sql.exec;
import static io.tandem.it.support.Sql.one;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.it.support.ProxyTopology;
import io.tandem.router.split.UserRoutePolicy;
import io.tandem.server.sandbox.SandboxProxyConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The routing rules {@link RoutingIT} leaves out, each as a client sees it on the sandbox topology
 * ({@code @@server_id}: m1 = 1, r1 = 3, r2 = 4): CALL, SHOW, LOCK TABLES, SERIALIZABLE,
 * multi-statement packets, FOUND_ROWS(), functions off the read-only list, SELECT … INTO, and a
 * replica delayed beyond the lag limit; and what a session asks about its previous statement, or
 * state only the master holds, answering as on one server ({@code app} reads with
 * {@code consistency: session}).
 */
class RoutingRulesIT {

  private static final Set<String> REPLICAS = Set.of("3", "4");
  private static final String MASTER = "1";
  private static ProxyTopology topology;

  @BeforeAll
  static void start() throws Exception {
    topology = ProxyTopology.startSplit(Map.of(ProxyTopology.HASH_USER, new UserRoutePolicy(
        UserRoutePolicy.DefaultRoute.AUTO, null, UserRoutePolicy.Consistency.EVENTUAL,
        UserRoutePolicy.DEFAULT_CONSISTENCY_TIMEOUT, UserRoutePolicy.NoReplica.ERROR)));
    try (Connection m1 = topology.root("m1")) {
      exec(m1,
          "CREATE TABLE app.rr_t (id INT AUTO_INCREMENT PRIMARY KEY, v INT, note VARCHAR(64))",
          "INSERT INTO app.rr_t (v, note) VALUES (1, 'a'), (2, 'b'), (3, 'c')",
          "CREATE TABLE app.rr_locked (id INT PRIMARY KEY)",
          "INSERT INTO app.rr_locked VALUES (1)",
          "CREATE TABLE app.rr_found (id INT PRIMARY KEY)",
          "INSERT INTO app.rr_found VALUES (1), (2), (3), (4), (5), (6), (7)",
          "CREATE SEQUENCE app.rr_seq",
          "CREATE PROCEDURE app.rr_where() SELECT @@server_id",
          "CREATE FUNCTION app.rr_fn() RETURNS INT NOT DETERMINISTIC RETURN @@server_id",
          "CREATE PROCEDURE app.rr_out(OUT o INT, OUT t VARCHAR(10)) BEGIN SET o = @@server_id; SET @rr_inside = 'set'; "
              + "SET t = 'done'; END");
    }
    // one table per server, outside the binary log: SHOW TABLES names the server that answered
    for (String server : List.of("m1", "r1", "r2")) {
      try (Connection root = topology.root(server)) {
        exec(root, "SET SESSION sql_log_bin = 0", "CREATE TABLE app.rr_only_on_" + server + " (a INT)");
      }
    }
    topology.awaitReplicated();
  }

  @AfterAll
  static void stop() {
    if (topology != null) {
      topology.close();
    }
  }

  private static Connection app() throws Exception {
    return topology.connect("");
  }

  /** The first row, every column as text; empty when there is no row. */
  private static List<String> row(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      List<String> values = new ArrayList<>();
      if (rs.next()) {
        ResultSetMetaData md = rs.getMetaData();
        for (int i = 1; i <= md.getColumnCount(); i++) {
          values.add(rs.getString(i));
        }
      }
      return values;
    }
  }

  /** One column, by label, of the first row. */
  private static String column(Connection c, String sql, String label) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      assertThat(rs.next()).as(sql).isTrue();
      return rs.getString(label);
    }
  }

  /** The first column of the first row of a result set, which it closes. */
  private static String firstValue(ResultSet rs) throws SQLException {
    try (rs) {
      assertThat(rs.next()).isTrue();
      return rs.getString(1);
    }
  }

  @Test
  void callRunsOnTheMaster() throws Exception {
    try (Connection c = app()) {
      assertThat(one(c, "SELECT @@server_id")).isIn(REPLICAS);
      for (int i = 0; i < 5; i++) {
        assertThat(one(c, "CALL rr_where()")).isEqualTo(MASTER);
      }
    }
  }

  @Test
  void showAboutSchemasGoesToAReplicaShowAboutTheServerToTheMaster() throws Exception {
    try (Connection c = app()) {
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < 10; i++) {
        seen.add(one(c, "SHOW TABLES LIKE 'rr_only_on_%'"));
        seen.add(one(c, "SHOW TABLE STATUS LIKE 'rr_only_on_%'"));
      }
      assertThat(seen).isSubsetOf("rr_only_on_r1", "rr_only_on_r2");

      String m1File;
      try (Connection m1 = topology.root("m1")) {
        m1File = column(m1, "SHOW MASTER STATUS", "File");
      }
      assertThat(m1File).startsWith("m1-bin.");
      assertThat(column(c, "SHOW MASTER STATUS", "File")).isEqualTo(m1File);
      assertThat(column(c, "SHOW BINLOG STATUS", "File")).isEqualTo(m1File);
      // m1 replicates from m2, r1 and r2 from m1
      assertThat(column(c, "SHOW SLAVE STATUS", "Master_Port"))
          .isEqualTo(String.valueOf(topology.sandbox().server("m2").port()));
      // server- and connection-specific: the classifier sends SHOW [GLOBAL|SESSION] VARIABLES|STATUS
      // to the master (a replica would answer read_only=ON)
      assertThat(row(c, "SHOW VARIABLES LIKE 'server_id'")).containsExactly("server_id", MASTER);
      assertThat(row(c, "SHOW VARIABLES LIKE 'read_only'")).containsExactly("read_only", "OFF");
    }
  }

  @Test
  void lockTablesKeepsReadsOnTheMasterUntilUnlock() throws Exception {
    try (Connection c = app()) {
      assertThat(one(c, "SELECT @@server_id FROM rr_locked LIMIT 1")).isIn(REPLICAS);
      exec(c, "LOCK TABLES rr_locked READ");
      try {
        for (int i = 0; i < 5; i++) {
          assertThat(one(c, "SELECT @@server_id FROM rr_locked LIMIT 1")).isEqualTo(MASTER);
          assertThat(one(c, "SELECT @@server_id")).isEqualTo(MASTER);
        }
      } finally {
        exec(c, "UNLOCK TABLES");
      }
      assertThat(one(c, "SELECT @@server_id FROM rr_locked LIMIT 1")).isIn(REPLICAS);
      assertThat(one(c, "SELECT @@server_id")).isIn(REPLICAS);
    }
  }

  @Test
  void lockTablesInAMultiStatementPacketKeepsReadsOnTheMaster() throws Exception {
    try (Connection c = topology.connect("allowMultiQueries=true")) {
      exec(c, "SELECT 1; LOCK TABLES rr_locked READ");
      try {
        assertThat(one(c, "SELECT @@server_id FROM rr_locked LIMIT 1")).isEqualTo(MASTER);
      } finally {
        exec(c, "UNLOCK TABLES");
      }
      assertThat(one(c, "SELECT @@server_id FROM rr_locked LIMIT 1"))
          .as("a multi-statement packet that changed session state pins the session to the master")
          .isEqualTo(MASTER);
    }
  }

  @Test
  void serializableSessionsReadOnTheMaster() throws Exception {
    for (String set : List.of(
        "SET SESSION TRANSACTION ISOLATION LEVEL SERIALIZABLE",
        "SET tx_isolation = 'SERIALIZABLE'",
        "SET SESSION transaction_isolation = 'SERIALIZABLE'")) {
      try (Connection c = app()) {
        assertThat(one(c, "SELECT @@server_id")).as(set).isIn(REPLICAS);
        exec(c, set);
        for (int i = 0; i < 5; i++) {
          assertThat(row(c, "SELECT @@server_id, @@transaction_isolation")).as(set)
              .containsExactly(MASTER, "SERIALIZABLE");
          assertThat(one(c, "SELECT @@server_id FROM rr_t LIMIT 1")).as(set).isEqualTo(MASTER);
        }
      }
    }
  }

  @Test
  void multiStatementPacketsGoToAReplicaOnlyWhenEveryStatementReads() throws Exception {
    try (Connection c = topology.connect("allowMultiQueries=true"); Statement s = c.createStatement()) {
      for (int i = 0; i < 5; i++) {
        assertThat(s.execute("SELECT @@server_id; SELECT @@server_id")).isTrue();
        String first = firstValue(s.getResultSet());
        assertThat(s.getMoreResults()).isTrue();
        String second = firstValue(s.getResultSet());
        assertThat(first).isIn(REPLICAS);
        assertThat(second).isEqualTo(first);
        assertThat(s.getMoreResults()).isFalse();
      }

      String note = "multi-" + System.nanoTime();
      assertThat(s.execute("SELECT @@server_id; INSERT INTO rr_t (v, note) VALUES (@@server_id, '" + note + "')"))
          .isTrue();
      assertThat(firstValue(s.getResultSet())).isEqualTo(MASTER);
      assertThat(s.getMoreResults()).isFalse();
      assertThat(s.getUpdateCount()).isEqualTo(1);
      try (Connection m1 = topology.root("m1")) {
        assertThat(one(m1, "SELECT v FROM app.rr_t WHERE note = '" + note + "'")).isEqualTo(MASTER);
      }
    }
  }

  @Test
  void sessionSettingsInAMultiStatementPacketKeepTheSessionOnTheMaster() throws Exception {
    try (Connection c = topology.connect("allowMultiQueries=true")) {
      assertThat(one(c, "SELECT @@server_id")).isIn(REPLICAS);
      exec(c, "SELECT 1; SET SESSION sql_mode = 'ANSI_QUOTES'");
      // the state cannot be replayed without the packet's other statements: the session stays on the master
      for (int i = 0; i < 5; i++) {
        assertThat(row(c, "SELECT @@server_id, @@sql_mode")).containsExactly(MASTER, "ANSI_QUOTES");
      }
    }
  }

  @Test
  void foundRowsRunsWhereTheCountingSelectRan() throws Exception {
    try (Connection c = app()) {
      for (int i = 0; i < 10; i++) {
        String where = row(c, "SELECT SQL_CALC_FOUND_ROWS id, @@server_id FROM rr_found ORDER BY id LIMIT 2").get(1);
        assertThat(where).isIn(REPLICAS);
        assertThat(row(c, "SELECT FOUND_ROWS(), @@server_id")).containsExactly("7", where);
      }
      // the same rule when the counting SELECT went to the master
      String where = row(c, "/* tandem:master */ SELECT SQL_CALC_FOUND_ROWS id, @@server_id FROM rr_found LIMIT 3")
          .get(1);
      assertThat(where).isEqualTo(MASTER);
      assertThat(row(c, "SELECT FOUND_ROWS(), @@server_id")).containsExactly("7", MASTER);
    }
  }

  @Test
  void functionsOffTheReadOnlyListRunOnTheMaster() throws Exception {
    try (Connection c = app()) {
      assertThat(one(c, "SELECT @@server_id + 0 * LAST_INSERT_ID()")).isEqualTo(MASTER);
      List<String> first = row(c, "SELECT NEXTVAL(rr_seq), @@server_id");
      assertThat(first.get(1)).isEqualTo(MASTER);
      List<String> next = row(c, "SELECT NEXTVAL(rr_seq), @@server_id");
      assertThat(next).containsExactly(String.valueOf(Long.parseLong(first.get(0)) + 1), MASTER);
      assertThat(one(c, "SELECT rr_fn()")).isEqualTo(MASTER);
      assertThat(one(c, "SELECT app.rr_fn()")).isEqualTo(MASTER);
    }
    // a named lock another session holds on m1: only the master knows it is taken
    try (Connection holder = topology.root("m1")) {
      assertThat(one(holder, "SELECT GET_LOCK('rr_held', 10)")).isEqualTo("1");
      try (Connection c = app()) {
        assertThat(row(c, "SELECT IS_FREE_LOCK('rr_held'), @@server_id")).containsExactly("0", MASTER);
        // not this session's lock: 0 on the master, NULL (no such lock) on a replica
        assertThat(row(c, "SELECT RELEASE_LOCK('rr_held'), @@server_id")).containsExactly("0", MASTER);
        // neither call takes a lock: plain reads still go to the replicas
        assertThat(one(c, "SELECT @@server_id")).isIn(REPLICAS);
      }
      exec(holder, "DO RELEASE_LOCK('rr_held')");
    }
    try (Connection c = app()) {
      assertThat(one(c, "SELECT CONCAT('server ', @@server_id)")).isIn("server 3", "server 4");
      assertThat(row(c, "SELECT @@server_id, NOW()").get(0)).isIn(REPLICAS);
      assertThat(row(c, "SELECT @@server_id, COUNT(*) FROM rr_found").get(0)).isIn(REPLICAS);
    }
  }

  @Test
  void selectIntoOutfileRunsOnTheMaster() throws Exception {
    String priv;
    try (Connection m1 = topology.root("m1")) {
      priv = one(m1, "SELECT @@secure_file_priv");
    }
    // the sandbox leaves secure_file_priv unset (NULL in MariaDB: any directory the server can write)
    boolean restricted = priv != null && !priv.isEmpty();
    Path dir = restricted ? Path.of(priv) : Files.createTempDirectory("rr-outfile");
    Path file = dir.resolve("rr_where_" + System.nanoTime() + ".txt");
    try (Connection c = app()) {
      exec(c, "SELECT @@server_id INTO OUTFILE '" + file + "'");
      assertThat(Files.readString(file).strip()).isEqualTo(MASTER);
    } finally {
      Files.deleteIfExists(file);
      if (!restricted) {
        Files.deleteIfExists(dir);
      }
    }
  }

  @Test
  void selectIntoVariablesRunsOnTheMaster() throws Exception {
    try (Connection c = app()) {
      exec(c, "SELECT @@server_id, CONCAT('from ', @@server_id) INTO @rr_id, @rr_text");
      assertThat(row(c, "/* tandem:master */ SELECT @rr_id, @rr_text")).containsExactly(MASTER, "from 1");
    }
  }

  @Test
  void variablesSetBySelectIntoAreReadOnTheMaster() throws Exception {
    try (Connection c = app()) {
      exec(c, "SELECT @@server_id, CONCAT('from ', @@server_id) INTO @rr_id, @rr_text");
      // not replayable (a replica would compute its own values): their readers go to the master
      assertThat(row(c, "SELECT @rr_id, @rr_text, @@server_id")).containsExactly(MASTER, "from 1", MASTER);
      assertThat(one(c, "SELECT @@server_id FROM rr_t LIMIT 1")).as("reads without variables").isIn(REPLICAS);
    }
  }

  @Test
  void whatASessionAsksAboutItsPreviousStatementIsAnsweredWhereItRan() throws Exception {
    try (Connection c = app(); Statement s = c.createStatement()) {
      s.executeUpdate("INSERT INTO rr_t (v, note) VALUES (10, 'x'), (11, 'y')");
      assertThat(one(c, "SELECT ROW_COUNT()")).as("after a write whose position is read for later reads").isEqualTo("2");
      String where = row(c, "SELECT '1e+81' > 90000000000000000, @@server_id").get(1);
      assertThat(where).isIn(REPLICAS);
      List<String> codes = new ArrayList<>();
      try (ResultSet rs = s.executeQuery("SHOW WARNINGS")) {
        while (rs.next()) {
          codes.add(rs.getString("Code"));
        }
      }
      assertThat(codes).containsExactly("1916", "1292");
      s.execute("EXPLAIN EXTENDED SELECT id FROM rr_t WHERE v = 1");
      assertThat(column(c, "SHOW WARNINGS", "Code")).isEqualTo("1003");
    }
  }

  @Test
  void variablesAProcedureSetsAreReadWhereItRan() throws Exception {
    try (Connection c = app()) {
      exec(c, "CALL rr_out(@rr_o, @rr_t)");
      assertThat(row(c, "SELECT @rr_o, @rr_t, @rr_inside")).containsExactly(MASTER, "done", "set");
    }
  }

  @Test
  void droppingTheSessionsSchemaLeavesItWithoutOne() throws Exception {
    try (Connection c = app()) {
      exec(c, "CREATE DATABASE rr_gone");
      topology.awaitReplicated(); // the replicas know the schema before the session enters it (its reads go there)
      exec(c, "USE rr_gone", "CREATE TABLE rr_gone_t (a INT)");
      topology.awaitReplicated();
      assertThat(one(c, "SELECT COUNT(*) FROM rr_gone_t")).isEqualTo("0"); // on a replica, in rr_gone
      exec(c, "DROP DATABASE rr_gone");
      assertThatThrownBy(() -> one(c, "SELECT * FROM rr_gone_t"))
          .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getErrorCode()).isEqualTo(1046));
      assertThat(one(c, "SELECT DATABASE()")).isNull();
    }
  }

  @Test
  void aSchemaNamedInTheClientsCharacterSetIsEnteredWithItsBytes() throws Exception {
    try (Connection m1 = topology.root("m1")) {
      exec(m1, "CREATE DATABASE IF NOT EXISTS `база`", "CREATE TABLE IF NOT EXISTS `база`.rr_k (a INT)",
          "INSERT INTO `база`.rr_k VALUES (1), (2)");
    }
    topology.awaitReplicated();
    // statements go as KOI8-R: the schema name's bytes are not UTF-8
    try (Connection c = topology.connect("characterEncoding=KOI8_R")) {
      exec(c, "SET NAMES koi8r", "USE `база`");
      for (int i = 0; i < 4; i++) {
        assertThat(row(c, "SELECT COUNT(*), DATABASE(), @@server_id FROM rr_k").subList(0, 2))
            .containsExactly("2", "база");
      }
      assertThat(one(c, "SELECT @@server_id FROM rr_k LIMIT 1")).isIn(REPLICAS);
    }
  }

  @Test
  void stateAReplicaCannotReplayKeepsTheSessionsReadsOnTheMaster() throws Exception {
    try (Connection c = app()) {
      // rr_only_on_m1 exists on m1 only: a replica refuses to replay the SET
      exec(c, "SET @rr_count := (SELECT COUNT(*) FROM rr_only_on_m1)");
      for (int i = 0; i < 4; i++) {
        assertThat(row(c, "SELECT @rr_count, @@server_id")).containsExactly("0", MASTER);
        assertThat(one(c, "SELECT @@server_id FROM rr_t LIMIT 1")).isEqualTo(MASTER);
      }
      exec(c, "SET @rr_count := 5"); // replayable again: the replicas hold this state
      assertThat(one(c, "SELECT @@server_id FROM rr_t LIMIT 1")).isIn(REPLICAS);
    }
  }

  @Test
  void withNoEligibleReplicaReadsGoToTheMasterOrAreRefusedAsConfigured() throws Exception {
    topology.awaitEligible("r1", "r2");
    try (Connection r1 = topology.root("r1"); Connection r2 = topology.root("r2");
        Connection strict = DriverManager.getConnection("jdbc:mysql://127.0.0.1:" + topology.port()
            + "/app?user=" + ProxyTopology.HASH_USER + "&password=" + ProxyTopology.HASH_PASSWORD
            + "&sslMode=DISABLED");
        Connection lenient = app()) {
      long toMaster = topology.routers().counters().noReplicaToMaster();
      long refused = topology.routers().counters().noReplicaRefused();
      exec(r1, "STOP SLAVE");
      exec(r2, "STOP SLAVE");
      try {
        topology.awaitIneligible("r1", "r2");
        assertThat(one(lenient, "SELECT @@server_id")).as("no_replica: master").isEqualTo(MASTER);
        assertThatThrownBy(() -> one(strict, "SELECT @@server_id"))
            .as("no_replica: error").isInstanceOfSatisfying(SQLException.class, e -> {
              assertThat(e.getErrorCode()).isEqualTo(1290);
              assertThat(e.getSQLState()).isEqualTo("HY000");
              assertThat(e.getMessage()).contains("no_replica=error");
            });
        assertThat(one(strict, "SELECT @@server_id FROM rr_t LIMIT 1 FOR UPDATE"))
            .as("writes and locking reads are not affected").isEqualTo(MASTER);
      } finally {
        exec(r1, "START SLAVE");
        exec(r2, "START SLAVE");
      }
      assertThat(topology.routers().counters().noReplicaToMaster()).isGreaterThan(toMaster);
      assertThat(topology.routers().counters().noReplicaRefused()).isEqualTo(refused + 1);
      topology.awaitEligible("r1", "r2");
      assertThat(one(strict, "SELECT @@server_id")).as("the session goes on").isIn(REPLICAS);
    }
  }

  @Test
  void replicaDelayedBeyondTheLagLimitGetsNoReads() throws Exception {
    Duration limit = SandboxProxyConfig.MAX_REPLICATION_LAG; // 1 s
    long delay = limit.toSeconds() + 2;
    topology.awaitEligible("r1", "r2");
    try (Connection r1 = topology.root("r1")) {
      exec(r1, "STOP SLAVE", "CHANGE MASTER TO MASTER_DELAY = " + delay, "START SLAVE");
      try {
        try (Connection m1 = topology.root("m1")) {
          exec(m1, "INSERT INTO app.rr_t (v, note) VALUES (0, 'delayed')");
        }
        // out for its lag, both threads running: not just for the moment replication was stopped
        awaitOutForLag("r1", limit);
        topology.awaitEligible("r2");
        Set<String> seen = new HashSet<>();
        try (Connection c = app()) {
          for (int i = 0; i < 30; i++) {
            seen.add(one(c, "SELECT @@server_id"));
          }
        }
        assertThat(seen).as("monitor: %s", topology.routers().monitor().snapshot()).containsExactly("4");
        assertThat(topology.routers().monitor().snapshot().status("r1").eligible())
            .as("r1 still delayed after the reads").isFalse();
      } finally {
        exec(r1, "STOP SLAVE", "CHANGE MASTER TO MASTER_DELAY = 0", "START SLAVE");
      }
    }
    topology.awaitEligible("r1");
  }

  /** Waits (up to 20 s) until the monitor finds {@code replica} replicating but lagging over {@code limit}. */
  private static void awaitOutForLag(String replica, Duration limit) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 20_000;
    while (true) {
      var status = topology.routers().monitor().snapshot().status(replica);
      if (status != null && !status.eligible() && status.ioRunning() && status.sqlRunning()
          && status.lag() != null && status.lag().compareTo(limit) > 0) {
        return;
      }
      assertThat(System.currentTimeMillis()).as("%s not out for its lag within 20 s: %s", replica, status)
          .isLessThan(deadline);
      Thread.sleep(50);
    }
  }
}
