package io.tandem.it;

import static io.tandem.it.support.Sql.one;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.it.support.ProxyTopology;
import io.tandem.it.support.TopologyTest;
import io.tandem.proxy.config.ProxySettings;
import io.tandem.proxy.frontend.ProxyServer;
import io.tandem.server.sandbox.SandboxProxyConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * Backend connection pooling and session state: connections are reset before reuse, a client
 * leaving mid-result never leaves a dirty connection behind, a backend connection lost between
 * commands is replaced and brought back to the session's state, too many clients get 1040.
 */
class SessionPoolIT extends TopologyTest {

  @Test
  void pooledConnectionIsResetBeforeReuse() throws Exception {
    String backendThread;
    try (Connection c = topology.connect(""); Statement s = c.createStatement()) {
      backendThread = one(s, "SELECT @@pseudo_thread_id");
      s.execute("SET @leftover = 'dirty'");
      s.execute("CREATE TEMPORARY TABLE tmp_leftover (a INT)");
      s.execute("CREATE TABLE IF NOT EXISTS reset_t (a INT)");
      s.execute("BEGIN");
      s.execute("INSERT INTO reset_t VALUES (1)");
      // the client leaves with a transaction open, a temp table and a user variable
    }
    Thread.sleep(300);
    boolean reused = false;
    for (int i = 0; i < 10 && !reused; i++) {
      try (Connection c = topology.connect(""); Statement s = c.createStatement()) {
        if (!one(s, "SELECT @@pseudo_thread_id").equals(backendThread)) {
          continue; // another event loop's pool; try again
        }
        reused = true;
        assertThat(one(s, "SELECT @leftover IS NULL")).isEqualTo("1");
        assertThatThrownBy(() -> s.executeQuery("SELECT * FROM tmp_leftover"))
            .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getErrorCode()).isEqualTo(1146));
        assertThat(one(s, "SELECT COUNT(*) FROM reset_t")).isEqualTo("0"); // rolled back
        assertThat(one(s, "SELECT @@in_transaction")).isEqualTo("0");
      }
    }
    assertThat(reused).as("the pooled backend connection was reused").isTrue();
  }

  @Test
  void aResetConnectionIsBackInItsSchemasCharacterSet() throws Exception {
    try (Connection root = ProxyTopology.root(topology.sandbox().server("m1")); Statement r = root.createStatement()) {
      r.execute("CREATE DATABASE IF NOT EXISTS pool_latin1 CHARACTER SET latin1");
    }
    String url = topology.mysqlUrl("").replace("/app?", "/pool_latin1?");
    for (int i = 0; i < 4; i++) {
      try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
        s.execute("CREATE TEMPORARY TABLE keep_me (a INT)"); // keeps the connection: reset when the client leaves
      }
    }
    Thread.sleep(300);
    for (int i = 0; i < 6; i++) {
      try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
        // COM_RESET_CONNECTION alone would leave the server's default character set here
        assertThat(one(s, "SELECT @@character_set_database")).isEqualTo("latin1");
      }
    }
  }

  @Test
  void aGlobalChangedThroughTheProxyReachesEveryNewSession() throws Exception {
    String before;
    try (Connection c = topology.connect(""); Statement s = c.createStatement()) {
      before = one(s, "SELECT @@global.div_precision_increment");
    }
    java.util.List<Connection> warm = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) { // several connections in the pools, read before the change
        Connection c = topology.connect("");
        warm.add(c);
        try (Statement s = c.createStatement()) {
          s.execute("CREATE TEMPORARY TABLE warm (a INT)"); // held until the client leaves
        }
      }
    } finally {
      for (Connection c : warm) {
        c.close();
      }
    }
    Thread.sleep(300); // the released connections are reset and back in the pools
    try {
      try (Connection c = topology.connect(""); Statement s = c.createStatement()) {
        s.execute("SET GLOBAL div_precision_increment = 7");
        assertThat(one(s, "SELECT @@session.div_precision_increment")).isEqualTo(before); // its own: as on a server
      }
      for (int i = 0; i < 8; i++) {
        try (Connection c = topology.connect(""); Statement s = c.createStatement()) {
          assertThat(one(s, "SELECT @@session.div_precision_increment")).as("new session %d", i).isEqualTo("7");
        }
      }
    } finally {
      try (Connection c = topology.connect(""); Statement s = c.createStatement()) {
        s.execute("SET GLOBAL div_precision_increment = " + before);
      }
    }
    for (int i = 0; i < 8; i++) {
      try (Connection c = topology.connect(""); Statement s = c.createStatement()) {
        assertThat(one(s, "SELECT @@session.div_precision_increment")).as("after the restore %d", i).isEqualTo(before);
      }
    }
  }

  @Test
  void idleClientsLoggedInWithASchemaHoldNoServerConnection() throws Exception {
    java.util.List<io.tandem.it.support.RawClient> clients = new java.util.ArrayList<>();
    try (Connection root = ProxyTopology.root(topology.sandbox().server("m1")); Statement r = root.createStatement()) {
      String count = "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'app'";
      int before = Integer.parseInt(one(r, count));
      for (int i = 0; i < 40; i++) {
        io.tandem.it.support.RawClient c = new io.tandem.it.support.RawClient(topology.port());
        clients.add(c);
        assertThat(c.login("app", "app", "app").isOk()).isTrue();
      }
      // each login checked the schema on a server connection, which went back to the pool: one or
      // two pooled connections per event loop serve all 40 logins, instead of 40 held for good
      int after = Integer.parseInt(one(r, count));
      assertThat(after - before).isLessThanOrEqualTo(4);
      assertThatThrownBy(() -> {
        try (io.tandem.it.support.RawClient bad = new io.tandem.it.support.RawClient(topology.port())) {
          assertThat(bad.login("app", "app", "no_such_schema").isError()).isTrue();
          throw new IllegalStateException("refused");
        }
      }).hasMessage("refused"); // the unknown schema is still refused at login
      for (io.tandem.it.support.RawClient c : clients) {
        c.query("SELECT DATABASE()");
        assertThat(c.readPacket().payload()[0]).isEqualTo((byte) 1); // a result set of one column
      }
    } finally {
      for (io.tandem.it.support.RawClient c : clients) {
        c.close();
      }
    }
  }

  @Test
  void clientLeavingMidResultLeavesNoBusyBackend() throws Exception {
    try (Connection c = topology.connect(""); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS big_t (id INT PRIMARY KEY, pad CHAR(200))");
      s.execute("INSERT IGNORE INTO big_t SELECT seq, REPEAT('x', 200) FROM seq_1_to_200000");
    }
    // a raw client asks for 40 MB of rows, reads a little, and vanishes
    try (Connection c = topology.connect("")) {
      long proxyId = ((com.mysql.cj.jdbc.JdbcConnection) c).getId();
      Statement s = c.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
      s.setFetchSize(Integer.MIN_VALUE); // stream
      ResultSet rs = s.executeQuery("SELECT a.id, a.pad, b.pad FROM big_t a JOIN big_t b ON b.id = a.id");
      assertThat(rs.next()).isTrue();
      ((com.mysql.cj.jdbc.JdbcConnection) c).abortInternal(); // drop the socket mid-result
      assertThat(proxyId).isPositive();
    }
    // the backend connection that was streaming must be gone, not pooled
    try (Connection root = topology.root("m1"); Statement s = root.createStatement()) {
      String busy = "0";
      for (int i = 0; i < 50; i++) {
        busy = one(s, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER='app' AND INFO LIKE 'SELECT a.id%'");
        if (busy.equals("0")) {
          break;
        }
        Thread.sleep(100);
      }
      assertThat(busy).isEqualTo("0");
    }
    try (Connection c = topology.connect(""); Statement s = c.createStatement()) {
      assertThat(one(s, "SELECT COUNT(*) FROM big_t")).isEqualTo("200000");
    }
  }

  @Test
  void backendLostBetweenCommandsIsReplacedWithTheSameState() throws Exception {
    try (Connection c = topology.connect(""); Statement s = c.createStatement()) {
      s.execute("SET @marker = 'kept'");
      s.execute("SET SESSION sql_mode = 'ANSI_QUOTES'");
      s.execute("USE mysql");
      String before = one(s, "SELECT @@pseudo_thread_id");
      try (Connection root = topology.root("m1"); Statement r = root.createStatement()) {
        r.execute("KILL " + before);
      }
      Thread.sleep(200);
      String after = one(s, "SELECT @@pseudo_thread_id");
      assertThat(after).isNotEqualTo(before);
      assertThat(one(s, "SELECT @marker")).isEqualTo("kept");
      assertThat(one(s, "SELECT @@sql_mode")).isEqualTo("ANSI_QUOTES");
      assertThat(one(s, "SELECT DATABASE()")).isEqualTo("mysql");
    }
  }

  @Test
  void backendLostInsideATransactionEndsTheTransactionNotTheSession() throws Exception {
    Connection c = topology.connect("");
    Statement s = c.createStatement();
    s.execute("CREATE TABLE IF NOT EXISTS lost_trx (a INT)");
    c.setAutoCommit(false);
    s.execute("INSERT INTO lost_trx VALUES (1)");
    String thread = one(s, "SELECT @@pseudo_thread_id");
    try (Connection root = topology.root("m1"); Statement r = root.createStatement()) {
      r.execute("KILL " + thread);
    }
    Thread.sleep(200);
    assertThatThrownBy(() -> s.execute("INSERT INTO lost_trx VALUES (2)"))
        .isInstanceOfSatisfying(SQLException.class, e -> {
          assertThat(e.getErrorCode()).isEqualTo(1213);
          assertThat(e.getSQLState()).isEqualTo("40001");
          assertThat(e.getMessage()).contains("try restarting transaction");
        });
    assertThat(c.isValid(2)).as("the client connection stays usable").isTrue();
    c.rollback();
    s.execute("INSERT INTO lost_trx VALUES (3)");
    c.commit();
    c.close();
    try (Connection fresh = topology.connect(""); Statement check = fresh.createStatement()) {
      assertThat(one(check, "SELECT GROUP_CONCAT(a) FROM lost_trx")).as("only the retried transaction").isEqualTo("3");
    }
  }

  @Test
  void killQueryStopsOnlyTheQuery() throws Exception {
    try (Connection victim = topology.connect(""); Connection killer = topology.connect("")) {
      long id = ((com.mysql.cj.jdbc.JdbcConnection) victim).getId();
      Thread sleeper = new Thread(() -> {
        try (Statement s = victim.createStatement()) {
          s.executeQuery("SELECT SLEEP(30)").close();
        } catch (SQLException ignored) {
          // interrupted
        }
      });
      long start = System.nanoTime();
      sleeper.start();
      Thread.sleep(500);
      try (Statement k = killer.createStatement()) {
        k.execute("KILL QUERY " + id);
      }
      sleeper.join(10_000);
      assertThat(sleeper.isAlive()).isFalse();
      assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(15_000);
      try (Statement s = victim.createStatement()) {
        assertThat(one(s, "SELECT 'still here'")).isEqualTo("still here");
      }
    }
  }

  @Test
  void killUnknownIdGets1094() throws Exception {
    try (Connection c = topology.connect(""); Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.execute("KILL 999999"))
          .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getErrorCode()).isEqualTo(1094));
    }
  }

  @Test
  void tooManyConnectionsGets1040() throws Exception {
    ProxySettings base = SandboxProxyConfig.settingsFor(topology.sandbox(), 0);
    ProxySettings tight = new ProxySettings(base.listenHost(), 0, 2, base.maxPacketSize(), base.users(),
        base.backends(), base.pool(), base.frontendTls(), base.backendTls(), 1);
    try (ProxyServer small = new ProxyServer(tight)) {
      int port = small.start();
      String url = "jdbc:mysql://127.0.0.1:" + port + "/app?user=app&password=app&sslMode=DISABLED";
      try (Connection a = DriverManager.getConnection(url); Connection b = DriverManager.getConnection(url)) {
        assertThatThrownBy(() -> DriverManager.getConnection(url).close())
            .isInstanceOfSatisfying(SQLException.class, e -> {
              assertThat(e.getErrorCode()).isEqualTo(1040);
              assertThat(e.getSQLState()).isEqualTo("08004");
            });
        a.close();
        for (int i = 0; i < 50 && small.openConnections() > 1; i++) {
          Thread.sleep(20);
        }
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
          assertThat(one(s, "SELECT 'room again'")).isEqualTo("room again");
        }
      }
    }
  }
}
