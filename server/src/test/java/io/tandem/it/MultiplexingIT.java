package io.tandem.it;

import static io.tandem.it.support.Sql.exec;
import static io.tandem.it.support.Sql.one;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.it.support.TopologyTest;
import io.tandem.proxy.config.PoolSettings;
import io.tandem.proxy.config.ProxySettings;
import io.tandem.proxy.frontend.SessionInfo;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Multiplexing (on by default): between commands a session gives its server connections back
 * and takes one again for its next command, unless something on the connection must stay with
 * it. One test per pinning reason: the session keeps its connection while it must (what the
 * reason guards still works while other sessions run), names the reason in SHOW SESSIONS'
 * {@code pinned_by}, and gives the connection back once the reason is over (or after a reset
 * for the reasons that last until one).
 */
class MultiplexingIT extends TopologyTest {

  @BeforeAll
  static void schema() throws SQLException {
    try (Connection root = topology.root("m1")) {
      exec(root,
          "CREATE TABLE IF NOT EXISTS app.mux_t (a INT)",
          "CREATE TABLE IF NOT EXISTS app.mux_ai (id INT AUTO_INCREMENT PRIMARY KEY, v INT)",
          "CREATE OR REPLACE PROCEDURE app.mux_p() SET @from_proc = 42",
          "CREATE SEQUENCE IF NOT EXISTS app.mux_s",
          "DELETE FROM app.mux_t",
          "INSERT INTO app.mux_t VALUES (1), (2), (3)",
          "GRANT EXECUTE ON app.* TO 'app'@'%'");
    }
  }

  /** A MariaDB Connector/J session; its {@code reset()} sends COM_RESET_CONNECTION. */
  private static Connection client(String params) throws SQLException {
    return DriverManager.getConnection(topology.mariadbUrl("useResetConnection=true" + (params.isEmpty() ? "" : "&" + params)));
  }

  private static long proxyId(Connection c) throws SQLException {
    return Long.parseLong(one(c, "SELECT CONNECTION_ID()"));
  }

  private static SessionInfo session(long id) throws Exception {
    return topology.proxy().sessions().get(5, TimeUnit.SECONDS).stream().filter(s -> s.id() == id)
        .findFirst().orElseThrow();
  }

  private static void assertPinned(Connection c, String reason) throws Exception {
    SessionInfo s = session(proxyId(c));
    assertThat(s.pins()).as("pinned_by").contains(reason);
    assertThat(s.backends()).as("backends held").isNotEmpty();
  }

  private static void assertReleased(Connection c) throws Exception {
    SessionInfo s = session(proxyId(c));
    assertThat(s.pins()).as("pinned_by").isEmpty();
    assertThat(s.backends()).as("backends held between commands").isEmpty();
  }

  /** Other sessions run statements meanwhile: they would take any connection left in the pool. */
  private static void othersRun() throws SQLException {
    List<Connection> others = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        others.add(client(""));
      }
      for (int round = 0; round < 3; round++) {
        for (Connection o : others) {
          one(o, "SELECT COUNT(*) FROM mux_t");
        }
      }
    } finally {
      for (Connection o : others) {
        o.close();
      }
    }
  }

  /** COM_RESET_CONNECTION (what ends the reasons that last until a reset), then a command: the session gives its connections back. */
  private static void assertReleasedAfterReset(Connection c) throws Exception {
    c.unwrap(org.mariadb.jdbc.Connection.class).reset();
    one(c, "SELECT 1");
    assertReleased(c);
  }

  @Test
  void idleSessionsHoldNoServerConnectionAndKeepTheirOwnState() throws Exception {
    try (Connection a = client(""); Connection b = client("");
        Connection root = topology.root("m1")) {
      exec(a, "SET @who = 'a'", "SET SESSION sql_mode = 'ANSI_QUOTES'");
      exec(b, "SET @who = 'b'");
      assertReleased(a);
      assertReleased(b);
      othersRun();
      // each gets its own state back, on whatever connection it takes
      assertThat(one(a, "SELECT @who")).isEqualTo("a");
      assertThat(one(b, "SELECT @who")).isEqualTo("b");
      assertThat(one(a, "SELECT @@sql_mode")).isEqualTo("ANSI_QUOTES");
      assertThat(one(b, "SELECT @@sql_mode")).isNotEqualTo("ANSI_QUOTES");
      // 30 sessions taking turns are served by a few server connections
      String count = "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'app'";
      List<Connection> many = new ArrayList<>();
      try {
        for (int i = 0; i < 30; i++) {
          many.add(client(""));
        }
        for (int round = 0; round < 3; round++) {
          for (Connection c : many) {
            assertThat(one(c, "SELECT COUNT(*) FROM mux_t")).isEqualTo("3");
          }
        }
        assertThat(Integer.parseInt(one(root, count))).as("server connections for 32 idle clients")
            .isLessThanOrEqualTo(12);
      } finally {
        for (Connection c : many) {
          c.close();
        }
      }
    }
  }

  @Test
  void transactionKeepsItsConnectionUntilCommit() throws Exception {
    try (Connection a = client("")) {
      exec(a, "BEGIN", "INSERT INTO mux_t VALUES (10)");
      assertPinned(a, "transaction");
      othersRun();
      assertThat(one(a, "SELECT COUNT(*) FROM mux_t WHERE a = 10")).isEqualTo("1");
      exec(a, "ROLLBACK");
      assertReleased(a);
      assertThat(one(a, "SELECT COUNT(*) FROM mux_t WHERE a = 10")).isEqualTo("0");
    }
  }

  @Test
  void autocommitOffPinsOnceATransactionOpens() throws Exception {
    try (Connection a = client("")) {
      a.setAutoCommit(false);
      one(a, "SELECT 1");
      assertReleased(a); // autocommit=0 is part of the state a connection is brought to
      othersRun();
      one(a, "SELECT COUNT(*) FROM mux_t"); // opens a transaction
      assertPinned(a, "transaction");
      assertThat(one(a, "SELECT @@autocommit")).isEqualTo("0");
      a.commit();
      assertReleased(a);
      assertThat(one(a, "SELECT @@autocommit")).isEqualTo("0");
    }
  }

  @Test
  void setAutocommitBetweenCommandsIsAnsweredWithoutAServer() throws Exception {
    try (Connection a = client(""); Connection m1 = topology.root("m1")) {
      one(a, "SELECT 1");
      String sets = "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'COM_SET_OPTION'";
      long before = Long.parseLong(one(m1, sets));
      exec(a, "SET autocommit = 0", "SET autocommit = 1", "SET SESSION autocommit = 0");
      assertThat(Long.parseLong(one(m1, sets)) - before).as("SET statements m1 ran").isZero();
      assertReleased(a);
      assertThat(one(a, "SELECT @@autocommit")).isEqualTo("0"); // the next connection is brought to it
    }
  }

  @Test
  void tableLockKeepsItsConnectionUntilUnlock() throws Exception {
    try (Connection a = client("")) {
      exec(a, "LOCK TABLES mux_t READ");
      assertPinned(a, "table_lock");
      assertThat(one(a, "SELECT COUNT(*) FROM mux_t")).isEqualTo("3");
      exec(a, "UNLOCK TABLES");
      assertReleased(a);
    }
  }

  @Test
  void userLockKeepsItsConnectionUntilReset() throws Exception {
    try (Connection a = client("")) {
      assertThat(one(a, "SELECT GET_LOCK('mux_lock', 5)")).isEqualTo("1");
      assertPinned(a, "user_lock");
      othersRun();
      assertThat(one(a, "SELECT IS_USED_LOCK('mux_lock') = @@pseudo_thread_id")).isEqualTo("1");
      assertReleasedAfterReset(a);
      assertThat(one(a, "SELECT IS_FREE_LOCK('mux_lock')")).isEqualTo("1");
    }
  }

  @Test
  void temporaryTableKeepsItsConnectionUntilReset() throws Exception {
    try (Connection a = client("")) {
      exec(a, "CREATE TEMPORARY TABLE mux_tmp (a INT)", "INSERT INTO mux_tmp VALUES (7)");
      assertPinned(a, "temporary_table");
      othersRun();
      assertThat(one(a, "SELECT a FROM mux_tmp")).isEqualTo("7");
      assertReleasedAfterReset(a);
    }
  }

  @Test
  void textPreparedStatementKeepsItsConnectionUntilDeallocated() throws Exception {
    try (Connection a = client("")) {
      exec(a, "PREPARE mux_s1 FROM 'SELECT COUNT(*) FROM mux_t'");
      assertPinned(a, "prepared_statement");
      othersRun();
      exec(a, "EXECUTE mux_s1", "DEALLOCATE PREPARE mux_s1");
      assertReleased(a);
    }
  }

  @Test
  void binaryPreparedStatementKeepsItsConnectionUntilClosed() throws Exception {
    try (Connection a = client("useServerPrepStmts=true&cachePrepStmts=false")) {
      try (PreparedStatement p = a.prepareStatement("SELECT a FROM mux_t WHERE a = ?")) {
        p.setInt(1, 2);
        try (ResultSet rs = p.executeQuery()) {
          assertThat(rs.next()).isTrue();
        }
        assertPinned(a, "prepared_statement");
        othersRun();
        p.setInt(1, 3);
        try (ResultSet rs = p.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getInt(1)).isEqualTo(3);
        }
      }
      one(a, "SELECT 1");
      assertReleased(a);
    }
  }

  @Test
  void handlerKeepsItsConnectionUntilReset() throws Exception {
    try (Connection a = client("")) {
      exec(a, "HANDLER mux_t OPEN");
      assertPinned(a, "handler");
      othersRun();
      assertThat(one(a, "HANDLER mux_t READ FIRST")).isNotNull();
      assertReleasedAfterReset(a);
    }
  }

  @Test
  void xaTransactionKeepsItsConnectionUntilCommitted() throws Exception {
    try (Connection a = client("")) {
      exec(a, "XA START 'mux_xa'", "INSERT INTO mux_t VALUES (20)", "XA END 'mux_xa'");
      assertPinned(a, "xa");
      exec(a, "XA PREPARE 'mux_xa'");
      othersRun();
      exec(a, "XA ROLLBACK 'mux_xa'");
      assertReleased(a);
      assertThat(one(a, "SELECT COUNT(*) FROM mux_t WHERE a = 20")).isEqualTo("0");
    }
  }

  @Test
  void storedProcedureCallKeepsItsConnectionUntilReset() throws Exception {
    try (Connection a = client("")) {
      exec(a, "CALL mux_p()");
      assertPinned(a, "stored_procedure");
      othersRun();
      assertThat(one(a, "SELECT @from_proc")).isEqualTo("42");
      assertReleasedAfterReset(a);
    }
  }

  @Test
  void variableSetByAQueryKeepsItsConnectionUntilReset() throws Exception {
    try (Connection a = client("")) {
      exec(a, "SELECT MAX(a) INTO @mux_max FROM mux_t");
      assertPinned(a, "user_variable");
      othersRun();
      assertThat(one(a, "SELECT @mux_max")).isEqualTo("3");
      assertReleasedAfterReset(a);
    }
  }

  @Test
  void sequenceKeepsItsConnectionUntilReset() throws Exception {
    try (Connection a = client("")) {
      String next = one(a, "SELECT NEXTVAL(mux_s)");
      assertPinned(a, "sequence");
      othersRun();
      assertThat(one(a, "SELECT LASTVAL(mux_s)")).isEqualTo(next);
      assertReleasedAfterReset(a);
    }
  }

  @Test
  void insertIdKeepsItsConnectionForTheNextFiveCommands() throws Exception {
    try (Connection a = client("")) {
      exec(a, "INSERT INTO mux_ai (v) VALUES (1)");
      assertPinned(a, "last_insert_id");
      String id = one(a, "SELECT MAX(id) FROM mux_ai");
      assertThat(one(a, "SELECT LAST_INSERT_ID()")).isEqualTo(id); // reading it counts five again
      for (int i = 0; i < 4; i++) {
        one(a, "SELECT 1");
      }
      assertPinned(a, "last_insert_id");
      for (int i = 0; i < 1; i++) {
        one(a, "SELECT 1");
      }
      assertReleased(a);
    }
  }

  @Test
  void anIdleSessionGivesUpItsFewCommandsPinsAfterASecond() throws Exception {
    try (Connection a = client("")) {
      exec(a, "INSERT INTO mux_ai (v) VALUES (2)");
      long id = proxyId(a);
      assertThat(session(id).pins()).containsExactly("last_insert_id");
      Thread.sleep(1500); // the client stays idle past the second a few-commands pin lasts
      SessionInfo s = session(id);
      assertThat(s.pins()).isEmpty();
      assertThat(s.backends()).isEmpty();
    }
  }

  @Test
  void foundRowsKeepsItsConnectionForTheNextCommand() throws Exception {
    try (Connection a = client("")) {
      exec(a, "SELECT SQL_CALC_FOUND_ROWS * FROM mux_t LIMIT 1");
      assertPinned(a, "found_rows");
      assertThat(one(a, "SELECT FOUND_ROWS()")).isEqualTo("3");
      assertReleased(a);
    }
  }

  @Test
  void warningsKeepTheirConnectionForTheNextCommand() throws Exception {
    try (Connection a = client("")) {
      exec(a, "SELECT CAST('12abc' AS INTEGER)");
      assertPinned(a, "warnings");
      othersRun();
      assertThat(one(a, "SHOW WARNINGS")).isEqualTo("Warning");
      one(a, "SELECT 1");
      assertReleased(a);
    }
  }

  @Test
  void setTransactionKeepsItsConnectionForTheNextTransaction() throws Exception {
    try (Connection a = client("")) {
      exec(a, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
      assertPinned(a, "next_transaction");
      othersRun();
      exec(a, "BEGIN");
      assertThat(one(a, "SELECT @@in_transaction")).isEqualTo("1");
      exec(a, "COMMIT");
      assertReleased(a);
    }
  }

  @Test
  void stateChangedInsideAMultiStatementKeepsItsConnectionUntilReset() throws Exception {
    try (Connection a = client("allowMultiQueries=true")) {
      exec(a, "SELECT 1; SET @mux_multi = 5");
      assertPinned(a, "untracked_state");
      othersRun();
      assertThat(one(a, "SELECT @mux_multi")).isEqualTo("5");
      assertReleasedAfterReset(a);
    }
  }

  @Test
  void aPreparedSetKeepsItsConnectionUntilReset() throws Exception {
    try (Connection a = client("")) {
      exec(a, "PREPARE mux_set FROM 'SET SESSION sql_mode = ''ANSI_QUOTES'''", "EXECUTE mux_set",
          "DEALLOCATE PREPARE mux_set");
      // the mode is on this connection only: the proxy's state does not know it
      assertPinned(a, "untracked_state");
      othersRun();
      assertThat(one(a, "SELECT @@sql_mode")).isEqualTo("ANSI_QUOTES");
      assertReleasedAfterReset(a);
    }
  }

  @Test
  void multiplexingOffForAUserKeepsItsSessionsOnTheirConnections() throws Exception {
    ProxySettings before = topology.proxy().settings();
    PoolSettings pool = before.pool();
    ProxySettings off = new ProxySettings(before.listenHost(), before.listenPort(), before.maxConnections(),
        before.maxPacketSize(), before.users(), before.backends(),
        new PoolSettings(pool.connectTimeout(), pool.idleTimeout(), pool.maxIdlePerKey(), 0, true, Map.of("app", false)),
        before.frontendTls(), before.backendTls(), before.workerThreads(), before.clientLimits());
    topology.proxy().reload(off);
    try (Connection a = client("")) {
      one(a, "SELECT 1");
      SessionInfo s = session(proxyId(a));
      assertThat(s.pins()).containsExactly("multiplexing_off");
      assertThat(s.backends()).isNotEmpty();
    } finally {
      topology.proxy().reload(before);
    }
    try (Connection a = client("")) {
      one(a, "SELECT 1");
      assertReleased(a);
    }
  }
}
