package io.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The sandbox topology as a user of it sees it: ids, replication both ways, semisync, users. */
class SandboxTopologyIT {

  private static SandboxTopology topology;

  @BeforeAll
  static void start() throws Exception {
    topology = SandboxTopology.start(SandboxOptions.forTests());
  }

  @AfterAll
  static void stop() {
    topology.close();
  }

  private static Connection root(String server) throws SQLException {
    return DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + topology.server(server).port() + "/?user=root");
  }

  private static String one(String server, String sql) throws SQLException {
    try (Connection c = root(server); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getString(rs.getMetaData().getColumnCount()) : null;
    }
  }

  private static void eventually(Callable<Boolean> condition) throws Exception {
    Exception last = null;
    for (int i = 0; i < 200; i++) {
      try {
        if (condition.call()) {
          return;
        }
      } catch (SQLException e) {
        last = e; // not replicated yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("condition not met within 20 s", last);
  }

  @Test
  void serverIdsRolesAndReadOnly() throws Exception {
    assertThat(topology.servers()).extracting(SandboxServer::name).containsExactly("m1", "m2", "r1", "r2");
    String[] names = {"m1", "m2", "r1", "r2"};
    for (int i = 0; i < names.length; i++) {
      assertThat(one(names[i], "SELECT @@server_id")).isEqualTo(String.valueOf(i + 1));
      assertThat(one(names[i], "SELECT @@read_only")).isEqualTo(i == 0 ? "0" : "1");
      assertThat(Long.parseLong(one(names[i], "SELECT @@max_allowed_packet"))).isGreaterThanOrEqualTo(64L << 20);
      assertThat(one(names[i], "SELECT @@log_slave_updates")).isEqualTo("1");
      assertThat(topology.server(names[i]).pid()).isPositive();
    }
    assertThat(one("m1", "SELECT @@auto_increment_offset")).isEqualTo("1");
    assertThat(one("m2", "SELECT @@auto_increment_offset")).isEqualTo("2");
    assertThat(one("m1", "SELECT @@auto_increment_increment")).isEqualTo("2");
    assertThat(topology.serverVersion()).contains("MariaDB");
  }

  @Test
  void writesOnM1ReachEveryServerAndWritesOnM2ReachM1() throws Exception {
    try (Connection c = root("m1"); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE app.repl_check (id INT AUTO_INCREMENT PRIMARY KEY, who VARCHAR(10))");
      s.execute("INSERT INTO app.repl_check (who) VALUES ('m1')");
    }
    for (String server : new String[] {"m2", "r1", "r2"}) {
      eventually(() -> "1".equals(one(server, "SELECT COUNT(*) FROM app.repl_check WHERE who='m1'")));
    }
    try (Connection c = root("m2"); Statement s = c.createStatement()) {
      s.execute("INSERT INTO app.repl_check (who) VALUES ('m2')");
    }
    eventually(() -> "1".equals(one("m1", "SELECT COUNT(*) FROM app.repl_check WHERE who='m2'")));
    eventually(() -> "1".equals(one("r1", "SELECT COUNT(*) FROM app.repl_check WHERE who='m2'")));
    assertThat(one("m1", "SELECT id FROM app.repl_check WHERE who='m1'")).isEqualTo("1");
    assertThat(Integer.parseInt(one("m1", "SELECT id FROM app.repl_check WHERE who='m2'")) % 2).isZero();
  }

  @Test
  void semisyncIsOnBothWays() throws Exception {
    assertThat(one("m1", "SHOW STATUS LIKE 'Rpl_semi_sync_master_status'")).isEqualTo("ON");
    assertThat(Integer.parseInt(one("m1", "SHOW STATUS LIKE 'Rpl_semi_sync_master_clients'"))).isGreaterThanOrEqualTo(1);
    assertThat(one("m2", "SELECT @@rpl_semi_sync_master_enabled")).isEqualTo("1");
    assertThat(one("r1", "SELECT @@rpl_semi_sync_slave_enabled")).isEqualTo("1");
    assertThat(Long.parseLong(one("m1", "SELECT @@rpl_semi_sync_master_timeout"))).isLessThanOrEqualTo(10_000);
  }

  @Test
  void usersExist() throws Exception {
    int port = topology.server("m1").port();
    try (Connection c = DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + port + "/app?user=app&password=app");
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE IF NOT EXISTS app_made");
      s.execute("CREATE TABLE app_made.t (a INT)");
      try (ResultSet rs = s.executeQuery("SELECT DATABASE()")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("app");
      }
    }
    try (Connection c = DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + port + "/?user=monitor&password=monitor");
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS tandem.heartbeat (id INT PRIMARY KEY, ts TIMESTAMP(6))");
      s.executeQuery("SHOW SLAVE STATUS").close();
    }
    assertThat(topology.tlsCertificate()).exists();
    assertThat(topology.tlsPrivateKey()).exists();
    assertThat(one("m1", "SELECT @@have_ssl")).isEqualTo("YES");
  }

  @Test
  void aKilledReplicaComesBackReplicating() throws Exception {
    SandboxServer r2 = topology.server("r2");
    long before = r2.pid();
    r2.kill();
    assertThat(r2.isRunning()).isFalse();
    try (Connection c = root("m1"); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS app.while_down (a INT)");
      s.execute("INSERT INTO app.while_down VALUES (7)");
    }
    r2.start();
    assertThat(r2.pid()).isPositive().isNotEqualTo(before);
    eventually(() -> "1".equals(one("r2", "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_NAME='while_down'"))
        && "7".equals(one("r2", "SELECT MAX(a) FROM app.while_down")));
  }
}
