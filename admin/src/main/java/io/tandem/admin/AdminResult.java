package io.tandem.admin;

import io.tandem.proxy.protocol.ErrorCode;
import io.tandem.proxy.protocol.ResultSetWriter.Column;
import java.util.Arrays;
import java.util.List;

/** What an admin command answers: a result set, an OK with a message, or an error. */
sealed interface AdminResult {

  /** A result set; values are text (null for NULL). */
  record Rows(List<Column> columns, List<List<String>> rows) implements AdminResult {

    static Rows of(List<Column> columns, List<List<String>> rows) {
      return new Rows(columns, rows);
    }

    /** Two text columns, {@code Name} and {@code Value}. */
    static Rows pairs(List<String[]> pairs) {
      return new Rows(List.of(Column.text("Name"), Column.text("Value")),
          pairs.stream().map(p -> Arrays.asList(p[0], p[1])).toList());
    }
  }

  /** OK, with rows affected and what the mysql client prints after "Query OK". */
  record Ok(long affected, String info) implements AdminResult {}

  /** An ERR packet. */
  record Error(ErrorCode code, String message) implements AdminResult {}
}
