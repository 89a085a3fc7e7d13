package io.tandem.it;

import static io.tandem.it.support.Sql.one;
import static io.tandem.it.support.Sql.exec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tandem.it.support.TopologyTest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.mariadb.jdbc.util.constants.Capabilities;

/**
 * MariaDB Connector/J 3 through the proxy: queries, server prepared statements in batches,
 * TLS, COM_RESET_CONNECTION, a streamed large result, and compression asked for but not offered.
 */
class MariadbConnectorIT extends TopologyTest {

  private static Connection connect(String params) throws SQLException {
    return DriverManager.getConnection(topology.mariadbUrl("connectTimeout=10000&socketTimeout=60000"
        + (params.isEmpty() ? "" : "&" + params)));
  }

  private static org.mariadb.jdbc.Connection mariadb(Connection c) throws SQLException {
    return c.unwrap(org.mariadb.jdbc.Connection.class);
  }

  @Test
  void basicQueries() throws Exception {
    try (Connection c = connect("")) {
      assertThat(one(c, "SELECT @@server_id")).isEqualTo("1");
      assertThat(one(c, "SELECT DATABASE()")).isEqualTo("app");
      exec(c, "CREATE TABLE mc_basic (id INT PRIMARY KEY, name VARCHAR(30)) DEFAULT CHARSET=utf8mb4",
          "INSERT INTO mc_basic VALUES (1, 'eins'), (2, 'zwei ✓'), (3, 'drei')");
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT id, name FROM mc_basic WHERE id > 1 ORDER BY id")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(2);
        assertThat(rs.getString(2)).isEqualTo("zwei ✓");
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(2)).isEqualTo("drei");
        assertThat(rs.next()).isFalse();
      }
      try (Statement s = c.createStatement()) {
        assertThat(s.executeUpdate("UPDATE mc_basic SET name = UPPER(name) WHERE id <> 2")).isEqualTo(2);
      }
      assertThat(one(c, "SELECT GROUP_CONCAT(name ORDER BY id) FROM mc_basic")).isEqualTo("EINS,zwei ✓,DREI");
    }
  }

  @Test
  void serverPreparedStatementBatch() throws Exception {
    try (Connection c = connect("useServerPrepStmts=true")) {
      exec(c, "CREATE TABLE mc_batch (id INT PRIMARY KEY, v VARCHAR(20), n DOUBLE)");
      long executesBefore = Long.parseLong(one(c, "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS"
          + " WHERE VARIABLE_NAME = 'COM_STMT_EXECUTE'"));
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO mc_batch (id, v, n) VALUES (?, ?, ?)")) {
        for (int i = 1; i <= 1000; i++) {
          ps.setInt(1, i);
          ps.setString(2, i % 10 == 0 ? null : "v" + i);
          ps.setDouble(3, i / 4.0);
          ps.addBatch();
        }
        assertThat(ps.executeBatch()).hasSize(1000);
      }
      long executes = Long.parseLong(one(c, "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS"
          + " WHERE VARIABLE_NAME = 'COM_STMT_EXECUTE'")) - executesBefore;
      assertThat(executes).as("binary-protocol executions for the batch").isPositive();
      assertThat(one(c, "SELECT CONCAT(COUNT(*), ':', COUNT(v), ':', SUM(id), ':', SUM(n)) FROM mc_batch"))
          .isEqualTo("1000:900:500500:125125");
      try (PreparedStatement ps = c.prepareStatement("SELECT v, n FROM mc_batch WHERE id = ?")) {
        ps.setInt(1, 7);
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString(1)).isEqualTo("v7");
          assertThat(rs.getDouble(2)).isEqualTo(1.75);
        }
      }
    }
  }

  @Test
  void tlsWithTrust() throws Exception {
    try (Connection c = connect("sslMode=trust")) {
      assertThat(mariadb(c).getContext().hasClientCapability(Capabilities.SSL))
          .as("TLS negotiated").isTrue();
      assertThat(one(c, "SELECT @@server_id")).isEqualTo("1");
      assertThat(one(c, "SELECT LENGTH(REPEAT('s', 200000))")).isEqualTo("200000");
    }
    try (Connection c = connect("sslMode=disable")) {
      assertThat(mariadb(c).getContext().hasClientCapability(Capabilities.SSL)).isFalse();
    }
  }

  @Test
  void resetConnectionClearsTheSession() throws Exception {
    // reset() sends COM_RESET_CONNECTION only with useResetConnection (default off)
    try (Connection c = connect("useResetConnection=true")) {
      exec(c, "SET @mc_marker = 'set before reset'", "CREATE TEMPORARY TABLE mc_reset_tmp (a INT)");
      assertThat(one(c, "SELECT @mc_marker")).isEqualTo("set before reset");
      mariadb(c).reset();
      assertThat(one(c, "SELECT @mc_marker IS NULL")).isEqualTo("1");
      SQLException gone = catchThrowableOfType(SQLException.class, () -> one(c, "SELECT COUNT(*) FROM mc_reset_tmp"));
      assertThat((Throwable) gone).as("the temporary table is dropped by the reset").isNotNull();
      assertThat(gone.getErrorCode()).as(gone.toString()).isEqualTo(1146);
      // and the session still works, in the same schema
      assertThat(one(c, "SELECT DATABASE()")).isEqualTo("app");
      exec(c, "CREATE TABLE mc_after_reset (id INT PRIMARY KEY)", "INSERT INTO mc_after_reset VALUES (5)");
      assertThat(one(c, "SELECT CONCAT(id, '/', @@server_id) FROM mc_after_reset")).isEqualTo("5/1");
    }
  }

  @Test
  void largeResultStreams() throws Exception {
    try (Connection c = connect("")) {
      exec(c, "CREATE TABLE mc_large (id INT PRIMARY KEY, pad CHAR(100))",
          "INSERT INTO mc_large SELECT seq, REPEAT(CHAR(65 + seq % 26), 100) FROM seq_1_to_100000");
      int rows = 0;
      try (Statement s = c.createStatement()) {
        s.setFetchSize(1000);
        try (ResultSet rs = s.executeQuery("SELECT id, pad FROM mc_large ORDER BY id")) {
          while (rs.next()) {
            rows++;
            assertThat(rs.getInt(1)).isEqualTo(rows);
            if (rows % 9973 == 0) {
              assertThat(rs.getString(2)).isEqualTo(String.valueOf((char) (65 + rows % 26)).repeat(100));
            }
          }
        }
      }
      assertThat(rows).isEqualTo(100_000);
      assertThat(one(c, "SELECT 'in sync after streaming'")).isEqualTo("in sync after streaming");
    }
  }

  @Test
  void compressionRequestedButNotOfferedStillWorks() throws Exception {
    try (Connection c = connect("useCompression=true")) {
      assertThat(mariadb(c).getContext().hasServerCapability(Capabilities.COMPRESS))
          .as("the proxy does not offer CLIENT_COMPRESS").isFalse();
      assertThat(mariadb(c).getContext().hasClientCapability(Capabilities.COMPRESS)).isFalse();
      assertThat(one(c, "SELECT @@server_id")).isEqualTo("1");
      exec(c, "CREATE TABLE mc_compress (id INT PRIMARY KEY, t MEDIUMTEXT)",
          "INSERT INTO mc_compress VALUES (1, REPEAT('compressible ', 10000))");
      assertThat(one(c, "SELECT t FROM mc_compress WHERE id = 1")).isEqualTo("compressible ".repeat(10000));
    }
  }
}
