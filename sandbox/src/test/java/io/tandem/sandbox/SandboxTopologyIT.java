package io.tandem.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The sandbox topology as its users see it: ids, settings, replication both ways, semisync, users, TLS, restarts. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SandboxTopologyIT {

  private static final String[] NAMES = {"m1", "m2", "r1", "r2"};
  private static SandboxTopology topology;
  private static long startMillis;

  @BeforeAll
  static void start() throws Exception {
    long began = System.nanoTime();
    topology = SandboxTopology.start(SandboxOptions.forTests());
    startMillis = (System.nanoTime() - began) / 1_000_000;
    System.out.println("sandbox topology started in " + startMillis + " ms");
  }

  @AfterAll
  static void stop() {
    if (topology == null) {
      return;
    }
    List<SandboxServer> servers = topology.servers();
    Path base = topology.baseDir();
    topology.close();
    topology.close(); // idempotent
    assertThat(servers).noneMatch(SandboxServer::isRunning);
    assertThat(servers).allMatch(s -> s.pid() == -1);
    assertThat(base).as("forTests() directory deleted on close").doesNotExist();
  }

  private static Connection root(String server) throws SQLException {
    return DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + topology.server(server).port() + "/?user=root");
  }

  /** The last column of the first row. */
  private static String one(String server, String sql) throws SQLException {
    try (Connection c = root(server); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getString(rs.getMetaData().getColumnCount()) : null;
    }
  }

  private static Map<String, String> slaveStatus(String server) throws SQLException {
    try (Connection c = root(server); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW SLAVE STATUS")) {
      Map<String, String> status = new HashMap<>();
      if (rs.next()) {
        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
          status.put(rs.getMetaData().getColumnLabel(i), rs.getString(i));
        }
      }
      return status;
    }
  }

  /** Waits up to 30 s for the condition; SQL errors (say, a table not replicated yet) count as false. */
  private static void eventually(String what, Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      try {
        if (condition.call()) {
          return;
        }
      } catch (SQLException notYet) {
        // retry
      }
      Thread.sleep(100);
    }
    assertThat(condition.call()).as(what + " within 30 s").isTrue();
  }

  @Test
  @Order(1)
  void startsQuicklyWithTheDocumentedLayout() throws Exception {
    assertThat(startMillis).as("start-up time in ms").isLessThan(60_000);
    assertThat(topology.servers()).extracting(SandboxServer::name).containsExactly(NAMES);
    assertThat(topology.servers()).extracting(SandboxServer::role).containsExactly("master", "standby", "replica", "replica");
    assertThat(topology.servers()).extracting(SandboxServer::serverId).containsExactly(1, 2, 3, 4);
    assertThat(topology.servers()).extracting(SandboxServer::port).doesNotHaveDuplicates().allMatch(p -> p > 0);
    assertThatThrownBy(() -> topology.server("m3")).isInstanceOf(IllegalArgumentException.class);
    assertThat(topology.serverVersion()).startsWith("11.4.5-MariaDB");
    Path base = topology.baseDir();
    String list = Files.readString(base.resolve("servers.txt"));
    for (SandboxServer s : topology.servers()) {
      assertThat(s.host()).isEqualTo("127.0.0.1");
      assertThat(s.isRunning()).isTrue();
      assertThat(s.dataDir()).isEqualTo(base.resolve(s.name()).resolve("data")).isDirectory();
      assertThat(base.resolve(s.name()).resolve("my.cnf")).content().contains("server-id = " + s.serverId());
      assertThat(s.errorLog()).isEqualTo(base.resolve(s.name()).resolve("error.log")).content().contains("ready for connections");
      assertThat(s.pidFile()).isEqualTo(base.resolve(s.name()).resolve("mariadbd.pid"));
      assertThat(Long.parseLong(Files.readString(s.pidFile()).trim())).isEqualTo(s.pid());
      assertThat(list).contains(s.name() + " " + s.role() + " " + s.port() + " " + s.pid() + " " + s.dataDir());
    }
    assertThat(topology.tlsCertificate()).isEqualTo(base.resolve("tls/cert.pem")).content()
        .startsWith("-----BEGIN CERTIFICATE-----\n");
    assertThat(topology.tlsPrivateKey()).isEqualTo(base.resolve("tls/key.pem")).content()
        .startsWith("-----BEGIN PRIVATE KEY-----\n");
  }

  @Test
  @Order(2)
  void serverSettings() throws Exception {
    for (int i = 0; i < NAMES.length; i++) {
      String n = NAMES[i];
      assertThat(one(n, "SELECT @@server_id")).isEqualTo(String.valueOf(i + 1));
      assertThat(one(n, "SELECT @@read_only")).as(n + " read_only").isEqualTo(i == 0 ? "0" : "1");
      assertThat(Long.parseLong(one(n, "SELECT @@max_allowed_packet"))).isGreaterThanOrEqualTo(64L << 20);
      assertThat(Long.parseLong(one(n, "SELECT @@slave_max_allowed_packet"))).isEqualTo(1L << 30);
      assertThat(one(n, "SELECT @@log_bin")).isEqualTo("1");
      assertThat(one(n, "SELECT @@log_slave_updates")).isEqualTo("1");
      assertThat(one(n, "SELECT @@binlog_format")).isEqualTo("ROW");
      assertThat(one(n, "SELECT @@gtid_strict_mode")).isEqualTo("1");
      assertThat(one(n, "SELECT @@auto_increment_increment")).isEqualTo("2");
      assertThat(one(n, "SELECT @@auto_increment_offset")).isEqualTo(n.equals("m2") ? "2" : "1");
      assertThat(one(n, "SELECT @@skip_name_resolve")).isEqualTo("1");
      assertThat(one(n, "SELECT @@bind_address")).isEqualTo("127.0.0.1");
      assertThat(one(n, "SELECT @@character_set_server")).isEqualTo("utf8mb4");
      assertThat(one(n, "SELECT @@local_infile")).isEqualTo("1");
      assertThat(one(n, "SELECT @@max_connections")).isEqualTo("500");
      assertThat(one(n, "SELECT @@performance_schema")).isEqualTo("0");
      assertThat(one(n, "SELECT @@have_ssl")).isEqualTo("YES");
      assertThat(one(n, "SELECT @@ssl_cert")).isEqualTo(topology.tlsCertificate().toString());
    }
  }

  @Test
  @Order(3)
  void replicationRunsEverywhereWithGtidAndTls() throws Exception {
    for (String n : NAMES) {
      Map<String, String> status = slaveStatus(n);
      assertThat(status.get("Slave_IO_Running")).as(n).isEqualTo("Yes");
      assertThat(status.get("Slave_SQL_Running")).as(n).isEqualTo("Yes");
      assertThat(status.get("Using_Gtid")).as(n).isEqualTo("Slave_Pos");
      assertThat(status.get("Master_SSL_Allowed")).as(n).isEqualTo("Yes");
      assertThat(status.get("Master_SSL_Verify_Server_Cert")).as(n).isEqualTo("Yes");
      int expectedSource = n.equals("m1") ? topology.server("m2").port() : topology.server("m1").port();
      assertThat(status.get("Master_Port")).as(n).isEqualTo(String.valueOf(expectedSource));
    }
  }

  @Test
  @Order(4)
  void semisyncIsLosslessFromM1ToM2() throws Exception {
    eventually("semisync on m1", () -> "ON".equals(one("m1", "SHOW STATUS LIKE 'Rpl_semi_sync_master_status'")));
    assertThat(Integer.parseInt(one("m1", "SHOW STATUS LIKE 'Rpl_semi_sync_master_clients'"))).isEqualTo(1);
    assertThat(one("m1", "SELECT @@rpl_semi_sync_master_enabled")).isEqualTo("1");
    assertThat(one("m1", "SELECT @@rpl_semi_sync_master_wait_point")).isEqualTo("AFTER_SYNC");
    assertThat(one("m2", "SELECT @@rpl_semi_sync_master_enabled")).isEqualTo("0");
    assertThat(Long.parseLong(one("m1", "SELECT @@rpl_semi_sync_master_timeout"))).isEqualTo(1000);
    for (String n : NAMES) {
      boolean master = n.startsWith("m");
      assertThat(one(n, "SELECT @@rpl_semi_sync_slave_enabled")).as(n).isEqualTo(master ? "1" : "0");
    }
    assertThat(one("m2", "SHOW STATUS LIKE 'Rpl_semi_sync_slave_status'")).isEqualTo("ON");
  }

  @Test
  @Order(5)
  void writesOnM1ReachEveryServerAndWritesOnM2ReachM1() throws Exception {
    try (Connection c = root("m1"); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE app.repl_check (id INT AUTO_INCREMENT PRIMARY KEY, who VARCHAR(10))");
      s.execute("INSERT INTO app.repl_check (who) VALUES ('m1'), ('m1')");
    }
    for (String n : new String[] {"m2", "r1", "r2"}) {
      eventually("m1's rows on " + n, () -> "2".equals(one(n, "SELECT COUNT(*) FROM app.repl_check WHERE who='m1'")));
    }
    try (Connection c = root("m2"); Statement s = c.createStatement()) { // root may write despite read_only
      s.execute("INSERT INTO app.repl_check (who) VALUES ('m2'), ('m2')");
    }
    for (String n : new String[] {"m1", "r1", "r2"}) {
      eventually("m2's rows on " + n, () -> "2".equals(one(n, "SELECT COUNT(*) FROM app.repl_check WHERE who='m2'")));
    }
    List<Integer> m1Ids = ids("m1", "m1");
    List<Integer> m2Ids = ids("m1", "m2");
    assertThat(m1Ids).containsExactly(1, 3);
    assertThat(m2Ids).hasSize(2).allMatch(id -> id % 2 == 0);
    assertThat(ids("r2", "m2")).isEqualTo(m2Ids);
  }

  private static List<Integer> ids(String server, String who) throws SQLException {
    List<Integer> ids = new ArrayList<>();
    try (Connection c = root(server); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id FROM app.repl_check WHERE who='" + who + "' ORDER BY id")) {
      while (rs.next()) {
        ids.add(rs.getInt(1));
      }
    }
    return ids;
  }

  @Test
  @Order(6)
  void concurrentWritesOnBothMastersKeepReplicationRunning() throws Exception {
    try (Connection c = root("m1"); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE app.both (id INT AUTO_INCREMENT PRIMARY KEY, who VARCHAR(10))");
    }
    eventually("table on m2", () -> "1".equals(one("m2", "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_NAME='both'")));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<?>> writers = new ArrayList<>();
      for (String n : new String[] {"m1", "m2"}) {
        writers.add(pool.submit(() -> {
          try (Connection c = root(n); Statement s = c.createStatement()) {
            for (int i = 0; i < 100; i++) {
              s.execute("INSERT INTO app.both (who) VALUES ('" + n + "')");
            }
          }
          return null;
        }));
      }
      for (Future<?> f : writers) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    for (String n : NAMES) {
      eventually("all 200 rows on " + n, () -> "200".equals(one(n, "SELECT COUNT(*) FROM app.both")));
      Map<String, String> status = slaveStatus(n);
      assertThat(status.get("Slave_SQL_Running")).as(n).isEqualTo("Yes");
      assertThat(status.get("Last_SQL_Error")).as(n).isEmpty();
    }
    assertThat(one("m1", "SELECT COUNT(DISTINCT id) FROM app.both")).isEqualTo("200");
  }

  @Test
  @Order(7)
  void usersCanDoTheirJobs() throws Exception {
    int m1 = topology.server("m1").port();
    int m2 = topology.server("m2").port();
    try (Connection c = DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + m1 + "/app?user=app&password=app");
        Statement s = c.createStatement()) {
      assertThat(queryOne(s, "SELECT DATABASE()")).isEqualTo("app");
      assertThat(queryOne(s, "SELECT CURRENT_USER()")).isEqualTo("app@%");
      assertThat(queryOne(s, "SELECT plugin FROM mysql.user WHERE user='app'")).isEqualTo("mysql_native_password");
      s.execute("CREATE DATABASE app_made");
      s.execute("CREATE TABLE app_made.t (a INT)");
      s.execute("CREATE TEMPORARY TABLE tmp (a INT)");
      s.execute("CREATE PROCEDURE app_made.p() SELECT 42");
      assertThat(queryOne(s, "CALL app_made.p()")).isEqualTo("42");
      s.execute("DROP DATABASE app_made");
    }
    try (Connection c = DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + m2 + "/app?user=app&password=app");
        Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.execute("CREATE TABLE app.not_here (a INT)"))
          .isInstanceOf(SQLException.class).hasMessageContaining("read-only");
    }
    try (Connection c = DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + m2 + "/?user=monitor&password=monitor");
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS tandem.heartbeat (id INT PRIMARY KEY, ts TIMESTAMP(6))");
      s.execute("REPLACE INTO tandem.heartbeat VALUES (2, NOW(6))"); // on read-only m2
      try (ResultSet rs = s.executeQuery("SHOW SLAVE STATUS")) {
        assertThat(rs.next()).isTrue();
      }
      try (ResultSet rs = s.executeQuery("SHOW PROCESSLIST")) {
        assertThat(rs.next()).isTrue();
      }
    }
    try (Connection c = DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + m1 + "/?user=repl&password=repl");
        Statement s = c.createStatement()) {
      assertThat(queryOne(s, "SELECT CURRENT_USER()")).isEqualTo("repl@%");
    }
    try (Connection c = DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + m1 + "/?user=root");
        Statement s = c.createStatement()) {
      assertThat(queryOne(s, "SELECT CURRENT_USER()")).isEqualTo("root@127.0.0.1");
    }
    assertThatThrownBy(() -> DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + m1 + "/?user=app&password=wrong"))
        .isInstanceOf(SQLException.class);
  }

  @Test
  @Order(8)
  void javaClientsVerifyTheServerCertificate() throws Exception {
    String url = "jdbc:mariadb://127.0.0.1:" + topology.server("r1").port() + "/app?user=app&password=app"
        + "&sslMode=verify-full&serverSslCert=" + topology.tlsCertificate();
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SHOW SESSION STATUS LIKE 'Ssl_version'")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(2)).startsWith("TLSv1.");
    }
  }

  @Test
  @Order(9)
  void largePacketsReplicate() throws Exception {
    try (Connection c = root("m1"); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE app.big (id INT PRIMARY KEY, b LONGBLOB)");
      s.execute("INSERT INTO app.big VALUES (1, REPEAT('x', 32 * 1024 * 1024))");
    }
    for (String n : new String[] {"m2", "r1", "r2"}) {
      eventually("32 MiB row on " + n, () -> String.valueOf(32 * 1024 * 1024).equals(one(n, "SELECT LENGTH(b) FROM app.big WHERE id = 1")));
    }
  }

  @Test
  @Order(10)
  void aKilledReplicaComesBackReplicating() throws Exception {
    SandboxServer r1 = topology.server("r1");
    long before = r1.pid();
    r1.kill();
    assertThat(r1.isRunning()).isFalse();
    assertThat(r1.pid()).isEqualTo(-1);
    try (Connection c = root("m1"); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE app.while_down (a INT)");
      s.execute("INSERT INTO app.while_down VALUES (7)");
    }
    r1.start();
    assertThat(r1.isRunning()).isTrue();
    assertThat(r1.pid()).isPositive().isNotEqualTo(before);
    assertThat(Files.readString(topology.baseDir().resolve("servers.txt"))).contains("r1 replica " + r1.port() + " " + r1.pid() + " ");
    eventually("r1 caught up", () -> "7".equals(one("r1", "SELECT MAX(a) FROM app.while_down")));
    Map<String, String> status = slaveStatus("r1");
    assertThat(status.get("Slave_IO_Running")).isEqualTo("Yes");
    assertThat(status.get("Slave_SQL_Running")).isEqualTo("Yes");
    try (Connection c = root("m1"); Statement s = c.createStatement()) {
      s.execute("INSERT INTO app.while_down VALUES (8)");
    }
    eventually("r1 replicating after restart", () -> "8".equals(one("r1", "SELECT MAX(a) FROM app.while_down")));
    eventually("m2 is still m1's semisync client",
        () -> "1".equals(one("m1", "SHOW STATUS LIKE 'Rpl_semi_sync_master_clients'")));
  }

  @Test
  @Order(11)
  void aStoppedServerRestartsCleanly() throws Exception {
    SandboxServer r2 = topology.server("r2");
    r2.stop();
    assertThat(r2.isRunning()).isFalse();
    assertThat(Files.readString(r2.errorLog())).contains("Shutdown complete");
    r2.stop(); // idempotent
    r2.start();
    eventually("r2 replicating after restart", () -> "Yes".equals(slaveStatus("r2").get("Slave_IO_Running"))
        && "Yes".equals(slaveStatus("r2").get("Slave_SQL_Running")));
    assertThat(one("r2", "SELECT MAX(a) FROM app.while_down")).isEqualTo("8");
  }

  private static String queryOne(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }
}
