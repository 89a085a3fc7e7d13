package io.tandem.it;

import static io.tandem.it.support.Sql.one;
import static io.tandem.it.support.Sql.exec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.mysql.cj.jdbc.JdbcConnection;
import com.mysql.cj.jdbc.ServerPreparedStatement;
import io.tandem.it.support.ProxyTopology;
import io.tandem.it.support.TopologyTest;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * MySQL Connector/J 9 through the proxy: both prepared statement flavours, cursor fetch, batch
 * rewriting, multi-queries, TLS, caching_sha2_password, errors at login, large packets,
 * cancel and KILL, COM_CHANGE_USER and transactions.
 */
class ConnectorJIT extends TopologyTest {

  /** A URL with an explicit user, password, schema and TLS mode (no defaults from ProxyTopology). */
  private static String url(String user, String password, String schema, String params) {
    return "jdbc:mysql://127.0.0.1:" + topology.port() + "/" + schema + "?user=" + user
        + "&password=" + password + "&connectTimeout=10000&socketTimeout=60000"
        + "&characterEncoding=UTF-8" + (params.isEmpty() ? "" : "&" + params);
  }

  private static Connection app(String params) throws SQLException {
    return DriverManager.getConnection(url("app", "app", "app",
        params.contains("sslMode=") ? params : "sslMode=DISABLED" + (params.isEmpty() ? "" : "&" + params)));
  }

  /** A counter of the backend session the client's connection is relayed to. */
  private static long sessionStatus(Connection c, String name) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW SESSION STATUS LIKE '" + name + "'")) {
      assertThat(rs.next()).as(name).isTrue();
      return rs.getLong(2);
    }
  }

  // ---------------------------------------------------------------- prepared statements

  @Test
  void serverPreparedStatementsRoundTripEveryType() throws Exception {
    String name = "Grüße, 世界 🚀 'quoted' \\ back";
    BigDecimal amount = new BigDecimal("12345678.9012");
    LocalDateTime at = LocalDateTime.of(2024, 2, 29, 13, 45, 59, 123_456_000);
    byte[] data = new byte[1000];
    new Random(7).nextBytes(data);
    try (Connection c = app("useServerPrepStmts=true&cachePrepStmts=false")) {
      exec(c, "CREATE TABLE cj_types (id INT PRIMARY KEY, name VARCHAR(100), amount DECIMAL(12,4),"
          + " at DATETIME(6), note VARCHAR(10), data BLOB) DEFAULT CHARSET=utf8mb4");
      long executesBefore = sessionStatus(c, "Com_stmt_execute");
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO cj_types VALUES (?, ?, ?, ?, ?, ?)")) {
        assertThat(ps).isInstanceOf(ServerPreparedStatement.class);
        ps.setInt(1, 1);
        ps.setString(2, name);
        ps.setBigDecimal(3, amount);
        ps.setObject(4, at);
        ps.setString(5, "note");
        ps.setBytes(6, data);
        assertThat(ps.executeUpdate()).isEqualTo(1);
        ps.setInt(1, 2);
        ps.setNull(2, Types.VARCHAR);
        ps.setNull(3, Types.DECIMAL);
        ps.setNull(4, Types.TIMESTAMP);
        ps.setNull(5, Types.VARCHAR);
        ps.setNull(6, Types.BLOB);
        assertThat(ps.executeUpdate()).isEqualTo(1);
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT id, name, amount, at, note, data, @@server_id FROM cj_types WHERE id = ?")) {
        assertThat(ps).isInstanceOf(ServerPreparedStatement.class);
        ps.setInt(1, 1);
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getInt(1)).isEqualTo(1);
          assertThat(rs.getString(2)).isEqualTo(name);
          assertThat(rs.getBigDecimal(3)).isEqualByComparingTo(amount);
          assertThat(rs.getObject(4, LocalDateTime.class)).isEqualTo(at);
          assertThat(rs.getString(5)).isEqualTo("note");
          assertThat(rs.getBytes(6)).isEqualTo(data);
          assertThat(rs.getInt(7)).isEqualTo(1);
          assertThat(rs.next()).isFalse();
        }
        ps.setInt(1, 2);
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getInt(1)).isEqualTo(2);
          for (int col = 2; col <= 6; col++) {
            assertThat(rs.getObject(col)).as("column %d", col).isNull();
            assertThat(rs.wasNull()).isTrue();
          }
        }
      }
      // the backend really executed binary-protocol statements
      assertThat(sessionStatus(c, "Com_stmt_execute") - executesBefore).isGreaterThanOrEqualTo(4);
    }
  }

  @Test
  void clientPreparedStatementsEscapeOnTheClient() throws Exception {
    String tricky = "it's a \"test\" \\ with ünïcødé ✓ and 🚀";
    try (Connection c = app("useServerPrepStmts=false")) {
      exec(c, "CREATE TABLE cj_client_ps (id INT PRIMARY KEY, v VARCHAR(100), d DECIMAL(5,1)) DEFAULT CHARSET=utf8mb4");
      long preparesBefore = sessionStatus(c, "Com_stmt_prepare");
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO cj_client_ps VALUES (?, ?, ?)")) {
        assertThat(ps).isNotInstanceOf(ServerPreparedStatement.class);
        for (int i = 1; i <= 3; i++) {
          ps.setInt(1, i);
          ps.setString(2, tricky + i);
          ps.setBigDecimal(3, new BigDecimal(i + ".5"));
          assertThat(ps.executeUpdate()).isEqualTo(1);
        }
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT v, d FROM cj_client_ps WHERE id >= ? ORDER BY id")) {
        ps.setInt(1, 2);
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString(1)).isEqualTo(tricky + 2);
          assertThat(rs.getBigDecimal(2)).isEqualByComparingTo("2.5");
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString(1)).isEqualTo(tricky + 3);
          assertThat(rs.next()).isFalse();
        }
      }
      assertThat(sessionStatus(c, "Com_stmt_prepare")).isEqualTo(preparesBefore);
    }
  }

  @Test
  void cursorFetchReadsEveryRowInOrder() throws Exception {
    try (Connection c = app("useCursorFetch=true&useServerPrepStmts=true")) {
      exec(c, "CREATE TABLE cj_cursor (id INT PRIMARY KEY, label VARCHAR(20))",
          "INSERT INTO cj_cursor SELECT seq, CONCAT('row-', seq) FROM seq_1_to_1000");
      long fetchesBefore = sessionStatus(c, "Com_stmt_fetch");
      int expected = 0;
      try (PreparedStatement ps = c.prepareStatement("SELECT id, label FROM cj_cursor WHERE id > ? ORDER BY id",
          ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY)) {
        ps.setFetchSize(10);
        ps.setInt(1, 0);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            expected++;
            assertThat(rs.getInt(1)).isEqualTo(expected);
            assertThat(rs.getString(2)).isEqualTo("row-" + expected);
            if (expected == 500) {
              // the connection stays usable for other statements while the cursor is open
              assertThat(one(c, "SELECT COUNT(*) FROM cj_cursor")).isEqualTo("1000");
            }
          }
        }
      }
      assertThat(expected).isEqualTo(1000);
      // 1000 rows, 10 at a time: the rows came by COM_STMT_FETCH, not in one result
      assertThat(sessionStatus(c, "Com_stmt_fetch") - fetchesBefore).isGreaterThanOrEqualTo(100);
    }
  }

  @Test
  void rewrittenBatchInsertsEveryRow() throws Exception {
    try (Connection c = app("rewriteBatchedStatements=true")) {
      exec(c, "CREATE TABLE cj_batch (id INT PRIMARY KEY, v VARCHAR(20))");
      long insertsBefore = sessionStatus(c, "Com_insert");
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO cj_batch (id, v) VALUES (?, ?)")) {
        for (int i = 1; i <= 1000; i++) {
          ps.setInt(1, i);
          ps.setString(2, "v" + i);
          ps.addBatch();
        }
        assertThat(ps.executeBatch()).hasSize(1000);
      }
      long inserts = sessionStatus(c, "Com_insert") - insertsBefore;
      assertThat(inserts).as("INSERT statements the backend ran for the batch (rewritten: multi-row)")
          .isBetween(1L, 10L);
      assertThat(one(c, "SELECT CONCAT(COUNT(*), ':', SUM(id), ':', MAX(v)) FROM cj_batch"))
          .isEqualTo("1000:500500:v999");
    }
  }

  @Test
  void multiQueriesGiveEveryResult() throws Exception {
    try (Connection c = app("allowMultiQueries=true"); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE cj_multi (id INT PRIMARY KEY)");
      boolean isResultSet = s.execute(
          "SELECT 'first' AS a; INSERT INTO cj_multi VALUES (1), (2), (3); SELECT COUNT(*), @@server_id FROM cj_multi");
      assertThat(isResultSet).isTrue();
      try (ResultSet rs = s.getResultSet()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("first");
      }
      assertThat(s.getMoreResults()).isFalse();
      assertThat(s.getUpdateCount()).isEqualTo(3);
      assertThat(s.getMoreResults()).isTrue();
      try (ResultSet rs = s.getResultSet()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(3);
        assertThat(rs.getInt(2)).isEqualTo(1);
      }
      assertThat(s.getMoreResults()).isFalse();
      assertThat(s.getUpdateCount()).isEqualTo(-1);
      // the connection is in sync afterwards
      assertThat(one(c, "SELECT 'after'")).isEqualTo("after");
    }
  }

  // ---------------------------------------------------------------- TLS and authentication

  @Test
  void tlsRequired() throws Exception {
    try (Connection c = app("sslMode=REQUIRED")) {
      assertThat(((JdbcConnection) c).getSession().isSSLEstablished()).isTrue();
      assertThat(one(c, "SELECT @@server_id")).isEqualTo("1");
      assertThat(one(c, "SELECT REPEAT('t', 100000)")).hasSize(100_000);
    }
    try (Connection c = app("sslMode=DISABLED")) {
      assertThat(((JdbcConnection) c).getSession().isSSLEstablished()).isFalse();
    }
  }

  @Test
  void cachingSha2PasswordFullAndFastAuthentication() throws Exception {
    String user = ProxyTopology.SHA2_USER;
    String password = ProxyTopology.SHA2_PASSWORD;
    // (a) nothing cached yet: full authentication needs TLS or the server's RSA key
    SQLException refused = catchThrowableOfType(SQLException.class,
        () -> DriverManager.getConnection(url(user, password, "app", "sslMode=DISABLED")).close());
    assertThat((Throwable) refused).as("first plain login of a caching_sha2_password user").isNotNull();
    assertThat((Throwable) refused).hasMessageContaining("Public Key Retrieval is not allowed");

    // (b) full authentication with the password RSA-encrypted under the proxy's public key
    try (Connection c = DriverManager.getConnection(url(user, password, "app", "sslMode=DISABLED&allowPublicKeyRetrieval=true"))) {
      assertThat(((JdbcConnection) c).getSession().isSSLEstablished()).isFalse();
      assertThat(one(c, "SELECT CURRENT_USER()")).startsWith(user + "@");
      assertThat(one(c, "SELECT @@server_id")).isEqualTo("1");
    }
    // (c) full or fast authentication over TLS
    try (Connection c = DriverManager.getConnection(url(user, password, "app", "sslMode=REQUIRED"))) {
      assertThat(((JdbcConnection) c).getSession().isSSLEstablished()).isTrue();
      assertThat(one(c, "SELECT CURRENT_USER()")).startsWith(user + "@");
    }
    // (d) cached now: the fast path needs neither TLS nor the public key
    try (Connection c = DriverManager.getConnection(url(user, password, "app", "sslMode=DISABLED"))) {
      assertThat(one(c, "SELECT CURRENT_USER()")).startsWith(user + "@");
    }
    // a wrong password is still refused on the fast path
    SQLException wrong = catchThrowableOfType(SQLException.class,
        () -> DriverManager.getConnection(url(user, "not-" + password, "app", "sslMode=DISABLED&allowPublicKeyRetrieval=true")).close());
    assertThat((Throwable) wrong).isNotNull();
    assertThat(wrong.getErrorCode()).as(wrong.toString()).isEqualTo(1045);
  }

  @Test
  void userConfiguredWithANativeHashOnly() throws Exception {
    try (Connection c = DriverManager.getConnection(url(ProxyTopology.HASH_USER, ProxyTopology.HASH_PASSWORD, "app", "sslMode=DISABLED"))) {
      assertThat(one(c, "SELECT CURRENT_USER()")).startsWith(ProxyTopology.HASH_USER + "@");
      exec(c, "CREATE TABLE cj_hash_user (id INT PRIMARY KEY)", "INSERT INTO cj_hash_user VALUES (42)");
      assertThat(one(c, "SELECT CONCAT(id, '/', @@server_id) FROM cj_hash_user")).isEqualTo("42/1");
    }
  }

  @Test
  void wrongPasswordIsAccessDenied() {
    SQLException e = catchThrowableOfType(SQLException.class,
        () -> DriverManager.getConnection(url("app", "wrong", "app", "sslMode=DISABLED")).close());
    assertThat((Throwable) e).isNotNull();
    assertThat(e.getErrorCode()).as(e.toString()).isEqualTo(1045);
    assertThat(e.getSQLState()).as(e.toString()).isEqualTo("28000");
    assertThat((Throwable) e).hasMessageContaining("Access denied for user 'app'");
  }

  @Test
  void unknownSchemaAtLogin() {
    // capabilities no other test uses (no CLIENT_FOUND_ROWS, CLIENT_LOCAL_FILES): no pooled
    // backend connection fits, so the proxy logs into m1 with the unknown schema
    SQLException e = catchThrowableOfType(SQLException.class, () -> DriverManager.getConnection(
        url("app", "app", "cj_no_such_schema", "sslMode=DISABLED&useAffectedRows=true&allowLoadLocalInfile=true")).close());
    assertThat((Throwable) e).isNotNull();
    assertThat(e.getErrorCode()).as(e.toString()).isEqualTo(1049);
    assertThat(e.getSQLState()).as(e.toString()).isEqualTo("42000");
    assertThat((Throwable) e).hasMessageContaining("cj_no_such_schema");
  }

  /*
   * Regression: with an idle pooled backend connection for the client's pool key, the proxy
   * switches it to the requested schema with COM_INIT_DB; the server's 1049 must reach the
   * client as it is (it once came as 2003 "Can't connect to backend 'm1' … m1: 1049 …").
   */
  @Test
  void unknownSchemaAtLoginWithPooledBackendConnections() throws Exception {
    // leave idle backend connections (schema app) in the pools of every event loop
    Connection[] warm = new Connection[6];
    for (int i = 0; i < warm.length; i++) {
      warm[i] = app("");
      assertThat(one(warm[i], "SELECT 1")).isEqualTo("1");
    }
    for (Connection c : warm) {
      c.close();
    }
    Thread.sleep(300);
    SQLException e = catchThrowableOfType(SQLException.class,
        () -> DriverManager.getConnection(url("app", "app", "cj_no_such_schema_pooled", "sslMode=DISABLED")).close());
    assertThat((Throwable) e).isNotNull();
    assertThat(e.getErrorCode()).as(e.toString()).isEqualTo(1049);
    assertThat(e.getSQLState()).as(e.toString()).isEqualTo("42000");
    assertThat((Throwable) e).hasMessageContaining("cj_no_such_schema_pooled");
    // and the pooled connections still serve the right schema afterwards
    try (Connection c = app("")) {
      assertThat(one(c, "SELECT DATABASE()")).isEqualTo("app");
    }
  }

  // ---------------------------------------------------------------- large packets

  @Test
  void fortyMegabyteBlobRoundTrip() throws Exception {
    byte[] blob = new byte[40 * 1024 * 1024];
    new Random(40).nextBytes(blob);
    String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(blob));
    try (Connection c = app("useServerPrepStmts=true&maxAllowedPacket=67108864")) {
      exec(c, "CREATE TABLE cj_blob (id INT PRIMARY KEY, data LONGBLOB)");
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO cj_blob VALUES (?, ?)")) {
        ps.setInt(1, 1);
        ps.setBytes(2, blob);
        assertThat(ps.executeUpdate()).isEqualTo(1);
      }
      assertThat(one(c, "SELECT CONCAT(LENGTH(data), ' ', MD5(data)) FROM cj_blob WHERE id = 1"))
          .isEqualTo(blob.length + " " + md5);
      try (PreparedStatement ps = c.prepareStatement("SELECT data FROM cj_blob WHERE id = ?")) {
        ps.setInt(1, 1);
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
          byte[] back = rs.getBytes(1);
          assertThat(back.length).isEqualTo(blob.length);
          assertThat(Arrays.equals(back, blob)).as("40 MB read back equals what was written").isTrue();
        }
      }
    }
  }

  @Test
  void twentyMegabyteTextStatement() throws Exception {
    StringBuilder sb = new StringBuilder(20 * 1024 * 1024);
    String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    Random random = new Random(20);
    while (sb.length() < 20 * 1024 * 1024) {
      sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    String text = sb.toString();
    String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.US_ASCII)));
    try (Connection c = app("maxAllowedPacket=67108864"); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE cj_text (id INT PRIMARY KEY, t LONGTEXT)");
      // one COM_QUERY of 20 MB: more than one 16 MB protocol packet
      assertThat(s.executeUpdate("INSERT INTO cj_text VALUES (1, '" + text + "')")).isEqualTo(1);
      assertThat(one(c, "SELECT CONCAT(LENGTH(t), ' ', MD5(t)) FROM cj_text")).isEqualTo(text.length() + " " + md5);
      try (ResultSet rs = s.executeQuery("SELECT t FROM cj_text WHERE id = 1")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1).equals(text)).as("20 MB text read back equals what was written").isTrue();
      }
    }
  }

  // ---------------------------------------------------------------- cancel and kill

  @Test
  void cancelInterruptsTheRunningQuery() throws Exception {
    try (Connection c = app(""); Statement s = c.createStatement()) {
      CompletableFuture<Void> canceller = CompletableFuture.runAsync(() -> {
        try {
          Thread.sleep(1000);
          s.cancel();
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      long start = System.nanoTime();
      SQLException e = catchThrowableOfType(SQLException.class, () -> {
        try (ResultSet rs = s.executeQuery("SELECT SLEEP(20) AS cj_cancel_me")) {
          rs.next();
        }
      });
      long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      canceller.get(10, TimeUnit.SECONDS);
      assertThat(elapsedMillis).as("SLEEP(20) was cut short by the cancel").isLessThan(8_000);
      assertThat((Throwable) e).as("the cancelled statement fails").isNotNull();
      // the server's 1317 "Query execution was interrupted" (Connector/J reports its own
      // "Statement cancelled due to client request" for it)
      assertThat(e.getErrorCode() == 1317 || e.getMessage().contains("cancelled due to client request"))
          .as("cancel error: %s (code %d, state %s)", e, e.getErrorCode(), e.getSQLState()).isTrue();
      // the session lives on
      assertThat(one(c, "SELECT 'alive after cancel'")).isEqualTo("alive after cancel");
    }
    try (Connection root = topology.root("m1")) {
      assertThat(one(root, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE '%cj_cancel_me%'"
          + " AND ID <> CONNECTION_ID()")).isEqualTo("0");
    }
  }

  @Test
  void killAnotherSessionByItsProxyId() throws Exception {
    try (Connection victim = app(""); Connection killer = app("")) {
      long victimId = ((JdbcConnection) victim).getId();
      assertThat(one(victim, "SELECT 'before kill'")).isEqualTo("before kill");
      exec(killer, "KILL " + victimId);
      Thread.sleep(200);
      assertThatThrownBy(() -> one(victim, "SELECT 'after kill'"))
          .as("the killed session fails on its next statement")
          .isInstanceOf(SQLException.class);
      assertThat(victim.isValid(2)).isFalse();
      // the killer's session is unaffected; an unknown id is 1094
      assertThat(one(killer, "SELECT @@server_id")).isEqualTo("1");
      SQLException unknown = catchThrowableOfType(SQLException.class, () -> exec(killer, "KILL 987654321"));
      assertThat((Throwable) unknown).isNotNull();
      assertThat(unknown.getErrorCode()).as(unknown.toString()).isEqualTo(1094);
    }
  }

  // ---------------------------------------------------------------- session

  @Test
  void changeUserSwitchesTheIdentity() throws Exception {
    try (Connection c = app("")) {
      assertThat(one(c, "SELECT CURRENT_USER()")).startsWith("app@");
      exec(c, "SET @cj_before_change = 'x'");
      ((JdbcConnection) c).changeUser(ProxyTopology.HASH_USER, ProxyTopology.HASH_PASSWORD);
      assertThat(one(c, "SELECT CURRENT_USER()")).startsWith(ProxyTopology.HASH_USER + "@");
      assertThat(one(c, "SELECT DATABASE()")).isEqualTo("app");
      assertThat(one(c, "SELECT @cj_before_change IS NULL")).isEqualTo("1");
      assertThat(one(c, "SELECT @@server_id")).isEqualTo("1");
    }
  }

  @Test
  void rollbackAndCommit() throws Exception {
    try (Connection c = app("")) {
      exec(c, "CREATE TABLE cj_tx (id INT PRIMARY KEY) ENGINE=InnoDB");
      c.setAutoCommit(false);
      exec(c, "INSERT INTO cj_tx VALUES (1)");
      assertThat(one(c, "SELECT COUNT(*) FROM cj_tx")).isEqualTo("1");
      c.rollback();
      assertThat(one(c, "SELECT COUNT(*) FROM cj_tx")).isEqualTo("0");
      exec(c, "INSERT INTO cj_tx VALUES (2)");
      c.commit();
      c.setAutoCommit(true);
    }
    try (Connection other = app("")) {
      assertThat(one(other, "SELECT GROUP_CONCAT(id) FROM cj_tx")).isEqualTo("2");
    }
  }
}
