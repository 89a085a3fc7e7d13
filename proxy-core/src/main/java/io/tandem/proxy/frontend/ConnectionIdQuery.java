package io.tandem.proxy.frontend;

import io.tandem.proxy.session.SessionStatements;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code CONNECTION_ID()} means the proxy's connection id: the one in the handshake, in
 * {@code KILL} and in Connector/J's {@code cancel()} — not the thread id of whichever backend runs
 * the statement. {@code SELECT CONNECTION_ID()} alone is answered by the proxy; in any other
 * statement each call outside strings, quoted names and comments is replaced by the id as a number
 * written with 10 digits (so a column named after the call is named after the number instead,
 * while the expression's type stays the same). CREATE and ALTER statements are left as they are:
 * what they store runs later, on the server, where CONNECTION_ID() is the server's thread id.
 */
final class ConnectionIdQuery {

  private static final Pattern ALONE = Pattern.compile(
      "\\s*select\\s+connection_id\\s*\\(\\s*\\)\\s*;?\\s*", Pattern.CASE_INSENSITIVE);
  private static final Pattern CALL = Pattern.compile("connection_id\\s*\\(\\s*\\)", Pattern.CASE_INSENSITIVE);

  private ConnectionIdQuery() {}

  /** Whether {@code sql} is just {@code SELECT CONNECTION_ID()}. */
  static boolean isAlone(String sql) {
    return ALONE.matcher(sql).matches();
  }

  /** Whether {@code sql} may call CONNECTION_ID() (cheap pre-check). */
  static boolean mayCall(String sql) {
    return sql.length() >= 15 && sql.toLowerCase(Locale.ROOT).contains("connection_id");
  }

  /** A statement that stores expressions for later (a column DEFAULT, a view, a routine body). */
  private static final Pattern STORES_EXPRESSIONS = Pattern.compile("(?i)(?:CREATE|ALTER)\\b");

  /**
   * {@code sql} with each call replaced by {@code id}, or null when it has none (outside quotes and
   * comments) or when it is a CREATE or ALTER: there the call may be stored (a column's DEFAULT, a
   * view, a routine) and run later, so it is left for the server.
   */
  static String rewrite(String sql, long id) {
    if (STORES_EXPRESSIONS.matcher(SessionStatements.stripLeadingComments(sql)).lookingAt()) {
      return null;
    }
    StringBuilder out = null;
    int copied = 0;
    int i = 0;
    int n = sql.length();
    while (i < n) {
      char c = sql.charAt(i);
      if (c == '\'' || c == '"' || c == '`') {
        i = endOfQuoted(sql, i, c);
      } else if (c == '#' || (c == '-' && i + 2 < n && sql.charAt(i + 1) == '-' && Character.isWhitespace(sql.charAt(i + 2)))) {
        int eol = sql.indexOf('\n', i);
        i = eol < 0 ? n : eol + 1;
      } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
        int end = sql.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
      } else if ((c == 'c' || c == 'C') && (i == 0 || !identifierPart(sql.charAt(i - 1)))) {
        Matcher m = CALL.matcher(sql).region(i, n);
        if (m.lookingAt()) {
          if (out == null) {
            out = new StringBuilder(sql.length());
          }
          out.append(sql, copied, i).append(asTenDigits(id));
          i = m.end();
          copied = i;
        } else {
          i++;
        }
      } else {
        i++;
      }
    }
    if (out == null) {
      return null;
    }
    return out.append(sql, copied, n).toString();
  }

  /**
   * The id written with (at least) 10 digits, CONNECTION_ID()'s display width: a literal's width
   * is its length, so an expression's type stays what the call gives ({@code CONCAT(CONNECTION_ID())}
   * is a VARCHAR(10)); its value is the id.
   */
  static String asTenDigits(long id) {
    String digits = Long.toString(id);
    return digits.length() >= 10 ? digits : "0".repeat(10 - digits.length()) + digits;
  }

  private static int endOfQuoted(String sql, int start, char quote) {
    int i = start + 1;
    while (i < sql.length()) {
      char c = sql.charAt(i);
      if (c == '\\' && quote != '`') {
        i += 2;
      } else if (c == quote) {
        if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
          i += 2; // doubled quote
        } else {
          return i + 1;
        }
      } else {
        i++;
      }
    }
    return sql.length();
  }

  private static boolean identifierPart(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '$' || c == '.';
  }
}
