package io.tandem.it;

import static io.tandem.it.support.Sql.exec;
import static io.tandem.it.support.Sql.one;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.it.support.ProxyTopology;
import io.tandem.router.split.RoutingCounters;
import io.tandem.router.split.UserRoutePolicy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Read/write splitting on the sandbox topology: where each statement ran, as the client sees
 * it ({@code @@server_id}: m1 = 1, r1 = 3, r2 = 4). One test per routing rule.
 */
class RoutingIT {

  private static final Set<String> REPLICAS = Set.of("3", "4");
  private static ProxyTopology topology;

  @BeforeAll
  static void start() throws Exception {
    topology = ProxyTopology.startSplit(Map.of(
        ProxyTopology.HASH_USER, new UserRoutePolicy(UserRoutePolicy.DefaultRoute.MASTER, null)));
    try (Connection c = topology.connect("")) {
      exec(c, "CREATE TABLE IF NOT EXISTS rt (id INT AUTO_INCREMENT PRIMARY KEY, v INT)",
          "INSERT INTO rt (v) VALUES (1), (2), (3)");
    }
    topology.awaitReplicated();
  }

  @AfterAll
  static void stop() {
    topology.close();
  }

  private static Connection app() throws Exception {
    return topology.connect("");
  }

  @Test
  void autocommitReadsSpreadOverBothReplicas() throws Exception {
    topology.awaitEligible("r1", "r2");
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 40; i++) {
      try (Connection c = app()) {
        seen.add(one(c, "SELECT @@server_id"));
      }
    }
    assertThat(seen).as("replicas read from; monitor: %s", topology.routers().monitor().snapshot())
        .containsExactlyInAnyOrder("3", "4");
  }

  @Test
  void theProxysCountersShowWhereStatementsRan() throws Exception {
    RoutingCounters counters = topology.routers().counters();
    // useLocalSessionState: no SELECT @@session.transaction_read_only before each write
    try (Connection c = topology.connect("useLocalSessionState=true")) {
      one(c, "SELECT 1");
      Thread.sleep(100); // the counters are bumped just after the answer is sent
      long m1 = counters.commands("m1");
      long replicas = counters.commands("r1") + counters.commands("r2");
      for (int i = 0; i < 20; i++) {
        one(c, "SELECT v FROM rt WHERE id = 1");
      }
      for (int i = 0; i < 5; i++) {
        exec(c, "UPDATE rt SET v = v WHERE id = 1");
      }
      long deadline = System.currentTimeMillis() + 5000;
      while (counters.commands("m1") - m1 < 5 && System.currentTimeMillis() < deadline) {
        Thread.sleep(10);
      }
      assertThat(counters.commands("r1") + counters.commands("r2") - replicas).as("%s", counters).isEqualTo(20);
      assertThat(counters.commands("m1") - m1).as("%s", counters).isEqualTo(5);
    }
  }

  @Test
  void writesGoToTheMaster() throws Exception {
    try (Connection c = app()) {
      exec(c, "INSERT INTO rt (v) VALUES (@@server_id)");
      try (Connection root = topology.root("m1")) {
        assertThat(one(root, "SELECT v FROM app.rt ORDER BY id DESC LIMIT 1")).isEqualTo("1");
      }
    }
  }

  @Test
  void lockingReadsGoToTheMaster() throws Exception {
    try (Connection c = app()) {
      assertThat(one(c, "SELECT @@server_id FROM rt LIMIT 1 FOR UPDATE")).isEqualTo("1");
      assertThat(one(c, "SELECT @@server_id FROM rt LIMIT 1 LOCK IN SHARE MODE")).isEqualTo("1");
    }
  }

  @Test
  void writeFunctionsGoToTheMaster() throws Exception {
    try (Connection c = app()) {
      assertThat(one(c, "SELECT @@server_id + 0 * LAST_INSERT_ID()")).isEqualTo("1");
    }
  }

  @Test
  void selectIntoGoesToTheMaster() throws Exception {
    try (Connection c = app()) {
      exec(c, "SELECT @@server_id INTO @where_into");
      assertThat(one(c, "/* tandem:master */ SELECT @where_into")).isEqualTo("1");
      // replaying it would give the replicas their own values: reads of the variable go to the master
      assertThat(one(c, "SELECT CONCAT(@where_into, ':', @@server_id)")).isEqualTo("1:1");
    }
  }

  @Test
  void namedLockPinsTheSessionToTheMaster() throws Exception {
    try (Connection c = app()) {
      assertThat(one(c, "SELECT @@server_id + 0 * GET_LOCK('rt_lock', 1)")).isEqualTo("1");
      assertThat(one(c, "SELECT @@server_id")).isEqualTo("1");
    }
  }

  @Test
  void explicitTransactionRunsOnTheMaster() throws Exception {
    try (Connection c = app()) {
      exec(c, "BEGIN");
      assertThat(one(c, "SELECT @@server_id")).isEqualTo("1");
      exec(c, "COMMIT");
      assertThat(one(c, "SELECT @@server_id")).isIn(REPLICAS);
      exec(c, "START TRANSACTION");
      assertThat(one(c, "SELECT @@server_id")).isEqualTo("1");
      exec(c, "ROLLBACK");
      assertThat(one(c, "SELECT @@server_id")).isIn(REPLICAS);
    }
  }

  @Test
  void autocommitOffRunsOnTheMaster() throws Exception {
    try (Connection c = app()) {
      exec(c, "SET autocommit=0");
      assertThat(one(c, "SELECT @@server_id")).isEqualTo("1");
      exec(c, "COMMIT");
      assertThat(one(c, "SELECT @@server_id")).isEqualTo("1");
      exec(c, "SET autocommit=1");
      assertThat(one(c, "SELECT @@server_id")).isIn(REPLICAS);
    }
  }

  @Test
  void jdbcSetAutoCommitFalseRunsOnTheMaster() throws Exception {
    try (Connection c = app()) {
      c.setAutoCommit(false);
      assertThat(one(c, "SELECT @@server_id")).isEqualTo("1");
      c.commit();
      c.setAutoCommit(true);
      assertThat(one(c, "SELECT @@server_id")).isIn(REPLICAS);
    }
  }

  @Test
  void readOnlyTransactionIsPinnedToOneReplica() throws Exception {
    try (Connection c = app()) {
      exec(c, "START TRANSACTION READ ONLY");
      String first = one(c, "SELECT @@server_id");
      assertThat(first).isIn(REPLICAS);
      for (int i = 0; i < 10; i++) {
        assertThat(one(c, "SELECT @@server_id")).isEqualTo(first);
      }
      exec(c, "COMMIT");
    }
  }

  @Test
  void temporaryTablesAreReadOnTheMaster() throws Exception {
    try (Connection c = app()) {
      exec(c, "CREATE TEMPORARY TABLE rt_tmp (a INT)", "INSERT INTO rt_tmp VALUES (7)");
      assertThat(one(c, "SELECT @@server_id FROM rt_tmp")).isEqualTo("1");
      assertThat(one(c, "SELECT a FROM rt_tmp")).isEqualTo("7");
      assertThat(one(c, "SELECT @@server_id FROM rt LIMIT 1")).isIn(REPLICAS);
    }
  }

  @Test
  void sessionStateFollowsReadsToReplicas() throws Exception {
    try (Connection c = app()) {
      exec(c, "SET @marker = 'mine'", "SET SESSION sql_mode = 'ANSI_QUOTES'");
      try (ResultSet rs = c.createStatement().executeQuery("SELECT @@server_id, @marker, @@sql_mode")) {
        rs.next();
        assertThat(rs.getString(1)).isIn(REPLICAS);
        assertThat(rs.getString(2)).isEqualTo("mine");
        assertThat(rs.getString(3)).isEqualTo("ANSI_QUOTES");
      }
      exec(c, "USE mysql");
      try (ResultSet rs = c.createStatement().executeQuery("SELECT @@server_id, DATABASE()")) {
        rs.next();
        assertThat(rs.getString(1)).isIn(REPLICAS);
        assertThat(rs.getString(2)).isEqualTo("mysql");
      }
    }
  }

  @Test
  void hintsOverride() throws Exception {
    try (Connection c = app()) {
      assertThat(one(c, "/* tandem:master */ SELECT @@server_id")).isEqualTo("1");
      assertThat(one(c, "/* tandem:replica */ SELECT @@server_id")).isIn(REPLICAS);
    }
  }

  @Test
  void aUserRoutedToTheMasterNeverLeavesIt() throws Exception {
    String url = "jdbc:mysql://127.0.0.1:" + topology.port() + "/app?user=" + ProxyTopology.HASH_USER
        + "&password=" + ProxyTopology.HASH_PASSWORD + "&sslMode=DISABLED";
    try (Connection c = DriverManager.getConnection(url)) {
      for (int i = 0; i < 5; i++) {
        assertThat(one(c, "SELECT @@server_id")).isEqualTo("1");
      }
    }
  }

  @Test
  void serverPreparedStatementsRunAndReturnRows() throws Exception {
    try (Connection c = topology.connect("useServerPrepStmts=true");
        PreparedStatement ps = c.prepareStatement("SELECT v FROM rt WHERE id = ?")) {
      ps.setInt(1, 1);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(1);
      }
    }
  }

  @Test
  void laggingReplicaGetsNoReads() throws Exception {
    try (Connection root = topology.root("r1")) {
      exec(root, "STOP SLAVE SQL_THREAD");
      try {
        try (Connection c = app()) {
          for (int i = 0; i < 30; i++) { // heartbeats keep arriving on r1 but are not applied
            Thread.sleep(100);
          }
          topology.awaitIneligible("r1");
          Set<String> seen = new HashSet<>();
          for (int i = 0; i < 20; i++) {
            seen.add(one(c, "SELECT @@server_id"));
          }
          assertThat(seen).containsExactly("4");
        }
      } finally {
        exec(root, "START SLAVE SQL_THREAD");
      }
    }
    topology.awaitEligible("r1");
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 40; i++) {
      try (Connection c = app()) {
        seen.add(one(c, "SELECT @@server_id"));
      }
    }
    assertThat(seen).contains("3");
  }
}
