package io.tandem.it.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.it.support.ExternalCommand.Result;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A client of the proxy's admin port: the {@code mariadb} CLI in batch mode (its tab-separated
 * output parsed into a {@link Table}), Connector/J and MariaDB Connector/J. Every answer is a
 * {@link Table} of text values (null for SQL NULL), whichever client read it.
 */
public final class AdminClient {

  public static final String MARIADB = "/usr/bin/mariadb";
  private static final Duration CLI_TIMEOUT = Duration.ofSeconds(90);

  private final int port;
  private final String user;
  private final String password;

  public AdminClient(int port, String user, String password) {
    this.port = port;
    this.user = user;
    this.password = password;
  }

  /** The same port as another account (e.g. a wrong password). */
  public AdminClient as(String otherUser, String otherPassword) {
    return new AdminClient(port, otherUser, otherPassword);
  }

  // ---------------------------------------------------------------- the mariadb CLI

  /** The command line: {@code mariadb -h127.0.0.1 -P<port> -u<user> -p<password> --batch}, then {@code extra}. */
  public List<String> cliCommand(String... extra) {
    List<String> cmd = new ArrayList<>(List.of(MARIADB, "--no-defaults", "-h127.0.0.1", "-P" + port,
        "-u" + user, "-p" + password, "--batch", "--connect-timeout=10"));
    cmd.addAll(Arrays.asList(extra));
    return cmd;
  }

  /** Runs {@code sql} with {@code -e}; whatever happened. */
  public Result cli(String sql) {
    return ExternalCommand.run(cliCommand("-e", sql), CLI_TIMEOUT);
  }

  /** Runs one statement with {@code -e}, asserts a clean exit and parses its result set. */
  public Table cliQuery(String sql) {
    return Table.parseBatch(cliOk(sql).stdout());
  }

  /** Runs {@code sql} with {@code -e} and asserts exit code 0 and nothing on stderr. */
  public Result cliOk(String sql) {
    Result r = cli(sql);
    assertThat(r.exitCode()).as("mariadb exit code\n%s", r.describe()).isZero();
    assertThat(r.stderr()).as("mariadb stderr\n%s", r.describe()).isEmpty();
    return r;
  }

  /** Runs {@code sql} with {@code -e} and asserts it failed with {@code ERROR <code> (<sqlState>)}; returns stderr. */
  public String cliError(String sql, int code, String sqlState) {
    Result r = cli(sql);
    assertThat(r.exitCode()).as("mariadb exit code\n%s", r.describe()).isEqualTo(1);
    assertThat(r.stderr()).as(r.describe()).contains("ERROR " + code + " (" + sqlState + ")");
    return r.stderr();
  }

  // ---------------------------------------------------------------- JDBC

  /** Connector/J with its default settings, as an operator would connect. */
  public String mysqlUrl() {
    return "jdbc:mysql://127.0.0.1:" + port + "/?user=" + user + "&password=" + password + "&sslMode=DISABLED";
  }

  public String mariadbUrl() {
    return "jdbc:mariadb://127.0.0.1:" + port + "/?user=" + user + "&password=" + password;
  }

  /** A Connector/J connection. */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(mysqlUrl());
  }

  /** A MariaDB Connector/J connection. */
  public Connection connectMariadb() throws SQLException {
    return DriverManager.getConnection(mariadbUrl());
  }

  /** Runs {@code sql} on a fresh Connector/J connection. */
  public Table query(String sql) throws SQLException {
    try (Connection c = connect()) {
      return query(c, sql);
    }
  }

  /**
   * Runs a command that answers OK (SET BACKEND, KILL SESSION, RESET QUERY DIGESTS, SWITCHOVER ...)
   * on a fresh Connector/J connection; returns the update count.
   */
  public long update(String sql) throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      return s.executeLargeUpdate(sql);
    }
  }

  /**
   * Runs {@code sql} and reads its result set. With {@code execute}, not {@code executeQuery}:
   * Connector/J refuses {@code executeQuery("RELOAD CONFIG")} before sending it (it guesses from
   * the first word that no result set comes).
   */
  public static Table query(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      assertThat(s.execute(sql)).as("%s answers a result set", sql).isTrue();
      return read(s.getResultSet());
    }
  }

  private static Table read(ResultSet result) throws SQLException {
    try (ResultSet rs = result) {
      ResultSetMetaData md = rs.getMetaData();
      List<String> columns = new ArrayList<>();
      for (int i = 1; i <= md.getColumnCount(); i++) {
        columns.add(md.getColumnLabel(i));
      }
      List<List<String>> rows = new ArrayList<>();
      while (rs.next()) {
        List<String> row = new ArrayList<>();
        for (int i = 1; i <= columns.size(); i++) {
          row.add(rs.getString(i));
        }
        rows.add(Collections.unmodifiableList(row));
      }
      return new Table(List.copyOf(columns), List.copyOf(rows));
    }
  }

  // ---------------------------------------------------------------- results

  /** A result set as text; values are null for SQL NULL. */
  public record Table(List<String> columns, List<List<String>> rows) {

    /**
     * The output of {@code mariadb --batch} for one result set: a header line, then one line per
     * row, tab-separated, with {@code \t \n \\ \0} escaped and NULL as {@code NULL}. Empty output
     * (an empty result set prints nothing) is a table without columns and rows.
     */
    public static Table parseBatch(String stdout) {
      List<String> lines = new ArrayList<>(List.of(stdout.split("\n", -1)));
      if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
        lines.remove(lines.size() - 1);
      }
      if (lines.isEmpty()) {
        return new Table(List.of(), List.of());
      }
      List<String> columns = List.of(lines.get(0).split("\t", -1));
      List<List<String>> rows = new ArrayList<>();
      for (String line : lines.subList(1, lines.size())) {
        List<String> row = new ArrayList<>();
        for (String field : line.split("\t", -1)) {
          row.add(field.equals("NULL") ? null : unescape(field));
        }
        assertThat(row).as("fields of %s (columns %s)", line, columns).hasSameSizeAs(columns);
        rows.add(Collections.unmodifiableList(row));
      }
      return new Table(columns, List.copyOf(rows));
    }

    private static String unescape(String field) {
      if (field.indexOf('\\') < 0) {
        return field;
      }
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < field.length(); i++) {
        char c = field.charAt(i);
        if (c == '\\' && i + 1 < field.length()) {
          char n = field.charAt(++i);
          b.append(switch (n) {
            case 't' -> '\t';
            case 'n' -> '\n';
            case '0' -> '\0';
            default -> n;
          });
        } else {
          b.append(c);
        }
      }
      return b.toString();
    }

    public int size() {
      return rows.size();
    }

    public int index(String column) {
      int i = columns.indexOf(column);
      assertThat(i).as("column %s in %s", column, columns).isNotNegative();
      return i;
    }

    /** Every value of one column, in row order. */
    public List<String> column(String name) {
      int i = index(name);
      return rows.stream().map(r -> r.get(i)).toList();
    }

    /** The value of {@code column} in the row whose first column is {@code key}; fails without such a row. */
    public String get(String key, String column) {
      int i = index(column);
      return row(key).get(i);
    }

    /** The row whose first column is {@code key}; fails without one. */
    public List<String> row(String key) {
      return rows.stream().filter(r -> Objects.equals(r.get(0), key)).findFirst()
          .orElseThrow(() -> new AssertionError("no row '" + key + "' in " + this));
    }

    public boolean hasRow(String key) {
      return rows.stream().anyMatch(r -> Objects.equals(r.get(0), key));
    }

    /** For Name/Value answers: the value named {@code name}; fails without one. */
    public String value(String name) {
      return get(name, columns.get(1));
    }

    /** For Name/Value answers: every value named {@code name}. */
    public List<String> values(String name) {
      return rows.stream().filter(r -> Objects.equals(r.get(0), name)).map(r -> r.get(1)).toList();
    }

    /** For Name/Value answers: the value named {@code name} as a number. */
    public long number(String name) {
      return Long.parseLong(value(name));
    }

    @Override
    public String toString() {
      StringBuilder b = new StringBuilder(String.join("\t", columns));
      rows.forEach(r -> b.append('\n').append(String.join("\t", r.stream().map(String::valueOf).toList())));
      return b.toString();
    }
  }
}
