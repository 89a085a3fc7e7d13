package io.tandem.admin;

import io.tandem.proxy.protocol.ResultSetWriter.Column;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What drivers and the mysql client send on their own when they connect (the CLI's
 * {@code select @@version_comment limit 1}, Connector/J's {@code SELECT @@session.auto_increment_increment
 * AS auto_increment_increment, ...}, MariaDB Connector/J's {@code SET ...}, pools' {@code SELECT 1}),
 * answered so that any client can use the admin port: system variables from a fixed list (others are
 * NULL), {@code SET} accepted and ignored, {@code SHOW VARIABLES/WARNINGS/...} empty.
 */
final class ClientQueries {

  private static final Map<String, String> VARIABLES = Map.ofEntries(
      Map.entry("version_comment", "Tandem admin"),
      Map.entry("auto_increment_increment", "1"),
      Map.entry("character_set_client", "utf8mb4"),
      Map.entry("character_set_connection", "utf8mb4"),
      Map.entry("character_set_results", "utf8mb4"),
      Map.entry("character_set_server", "utf8mb4"),
      Map.entry("character_set_database", "utf8mb4"),
      Map.entry("collation_server", "utf8mb4_general_ci"),
      Map.entry("collation_connection", "utf8mb4_general_ci"),
      Map.entry("collation_database", "utf8mb4_general_ci"),
      Map.entry("init_connect", ""),
      Map.entry("interactive_timeout", "28800"),
      Map.entry("wait_timeout", "28800"),
      Map.entry("license", "Apache-2.0"),
      Map.entry("lower_case_table_names", "0"),
      Map.entry("max_allowed_packet", "16777216"),
      Map.entry("net_buffer_length", "16384"),
      Map.entry("net_write_timeout", "60"),
      Map.entry("performance_schema", "0"),
      Map.entry("query_cache_size", "0"),
      Map.entry("query_cache_type", "OFF"),
      Map.entry("sql_mode", ""),
      Map.entry("system_time_zone", "UTC"),
      Map.entry("time_zone", "SYSTEM"),
      Map.entry("transaction_isolation", "REPEATABLE-READ"),
      Map.entry("tx_isolation", "REPEATABLE-READ"),
      Map.entry("transaction_read_only", "0"),
      Map.entry("tx_read_only", "0"),
      Map.entry("autocommit", "1"),
      Map.entry("max_connections", "100"),
      Map.entry("session_track_schema", "OFF"));

  private static final Pattern SELECT_VARIABLES = Pattern.compile(
      "(?is)^select\\s+(@@.+?)(?:\\s+limit\\s+\\d+)?$");
  private static final Pattern VARIABLE = Pattern.compile(
      "(?is)^@@(?:(?:session|global|local)\\.)?([a-z_0-9]+)(?:\\s+(?:as\\s+)?`?([a-z_0-9]+)`?)?$");
  private static final Pattern EMPTY_SHOW = Pattern.compile(
      "(?is)^show\\s+(?:session\\s+|global\\s+)?(variables|warnings|errors|collation|status|engines|plugins|charset"
      + "|character\\s+set|databases|schemas|tables|full\\s+tables)\\b.*");

  private ClientQueries() {}

  /** The answer to {@code sql} if it is one of these, else null. */
  static AdminResult answer(String sql, String version) {
    String s = sql.trim();
    String lower = s.toLowerCase(Locale.ROOT);
    if (lower.startsWith("set ") || lower.startsWith("use ") || lower.equals("commit") || lower.equals("rollback")
        || lower.startsWith("start transaction") || lower.equals("begin")) {
      return new AdminResult.Ok(0, "");
    }
    if (lower.matches("select\\s+1")) {
      return AdminResult.Rows.of(List.of(Column.integer("1")), List.of(List.of("1")));
    }
    if (lower.matches("select\\s+database\\(\\s*\\)")) {
      return AdminResult.Rows.of(List.of(Column.text("DATABASE()")), List.of(java.util.Collections.singletonList(null)));
    }
    if (lower.matches("select\\s+version\\(\\s*\\)")) {
      return AdminResult.Rows.of(List.of(Column.text("VERSION()")), List.of(List.of(version)));
    }
    Matcher select = SELECT_VARIABLES.matcher(s);
    if (select.matches()) {
      List<Column> columns = new ArrayList<>();
      List<String> row = new ArrayList<>();
      for (String item : select.group(1).split(",")) {
        Matcher v = VARIABLE.matcher(item.trim());
        if (!v.matches()) {
          return null;
        }
        String name = v.group(1).toLowerCase(Locale.ROOT);
        columns.add(Column.text(v.group(2) != null ? v.group(2) : item.trim()));
        row.add(name.equals("version") ? version : VARIABLES.get(name));
      }
      return AdminResult.Rows.of(columns, List.of(row));
    }
    Matcher show = EMPTY_SHOW.matcher(s);
    if (show.matches()) {
      String what = show.group(1).toLowerCase(Locale.ROOT);
      List<Column> columns = what.equals("variables") || what.equals("status")
          ? List.of(Column.text("Variable_name"), Column.text("Value"))
          : what.equals("warnings") || what.equals("errors")
              ? List.of(Column.text("Level"), Column.integer("Code"), Column.text("Message"))
              : List.of(Column.text("Name"));
      return AdminResult.Rows.of(columns, List.of());
    }
    return null;
  }
}
