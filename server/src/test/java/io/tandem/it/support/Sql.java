package io.tandem.it.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Small JDBC helpers the integration tests share. */
public final class Sql {

  private Sql() {}

  /** The first column of the first row; fails if there is no row. */
  public static String one(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      assertThat(rs.next()).as(sql).isTrue();
      return rs.getString(1);
    }
  }

  /** The first column of the first row; fails if there is no row. */
  public static String one(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      return one(s, sql);
    }
  }

  /** Executes each statement in turn. */
  public static void exec(Connection c, String... sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      for (String q : sql) {
        s.execute(q);
      }
    }
  }
}
