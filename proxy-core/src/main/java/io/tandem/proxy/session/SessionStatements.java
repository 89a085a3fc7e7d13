package io.tandem.proxy.session;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recognizes the statements that change session state ({@code USE}, {@code SET ...}, text
 * {@code PREPARE}, and {@code DROP DATABASE} of the current schema, which leaves the session in no
 * schema) in a successfully executed COM_QUERY and records them in {@link SessionState}. A cheap scan:
 * anything not starting with {@code USE} or {@code SET} (after comments and blanks) is ignored.
 */
public final class SessionStatements {

  private static final Pattern USE = Pattern.compile(
      "(?is)USE\\s+(`(?:[^`]|``)+`|[^\\s;`]+)\\s*;?\\s*");
  private static final Pattern SET_NAMES = Pattern.compile(
      "(?is)SET\\s+(NAMES|CHARACTER\\s+SET|CHARSET)\\b.*");
  private static final Pattern SET_SINGLE = Pattern.compile(
      "(?is)SET\\s+(?:SESSION\\s+|LOCAL\\s+|@@SESSION\\.|@@LOCAL\\.|@@)?(@?[`\\w.$]+)\\s*(?::=|=)\\s*"
          + "(?:'(?:[^'\\\\]|\\\\.|'')*'|\"(?:[^\"\\\\]|\\\\.)*\"|[^,;'\"]+?)\\s*;?\\s*");

  private static final Pattern PREPARE = Pattern.compile(
      "(?is)PREPARE\\s+(`(?:[^`]|``)+`|\\w+)\\s+FROM\\s+.*");
  private static final Pattern DROP_DATABASE = Pattern.compile(
      "(?is)DROP\\s+(?:DATABASE|SCHEMA)\\s+(?:IF\\s+EXISTS\\s+)?(`(?:[^`]|``)+`|[^\\s;`]+)\\s*;?\\s*");
  private static final Pattern DEALLOCATE = Pattern.compile(
      "(?is)(?:DEALLOCATE|DROP)\\s+PREPARE\\s+(`(?:[^`]|``)+`|\\w+)\\s*;?\\s*");

  private static final Pattern SET_AUTOCOMMIT = Pattern.compile(
      "(?is)SET\\s+(?:SESSION\\s+|LOCAL\\s+|@@SESSION\\.|@@LOCAL\\.|@@)?`?autocommit`?\\s*:?=\\s*"
          + "'?(0|1|ON|OFF|TRUE|FALSE)'?\\s*;?\\s*");

  /** A SET (first in the text or after a ';') naming GLOBAL / PERSIST / PERSIST_ONLY or {@code @@global.}. */
  private static final Pattern SET_GLOBAL = Pattern.compile(
      "(?is)(?:^|;)\\s*SET(?=\\s)[^;]*?(?:(?:^|[\\s,])(?:GLOBAL|PERSIST|PERSIST_ONLY)\\s|@@GLOBAL\\.)");

  /** {@code PREPARE s FROM '<text>'|@v} or {@code EXECUTE IMMEDIATE '<text>'|@v}: group 1 or 2 the literal's text, if one. */
  private static final Pattern PREPARED_TEXT = Pattern.compile(
      "(?is)(?:PREPARE\\s+(?:`(?:[^`]|``)+`|\\w+)\\s+FROM|EXECUTE\\s+IMMEDIATE)\\s+"
          + "(?:'((?:[^'\\\\]|\\\\.|'')*)'|\"((?:[^\"\\\\]|\\\\.)*)\"|.*)");

  private SessionStatements() {}

  /**
   * Whether {@code sql} prepares (or runs at once) a statement that changes session state where it
   * runs, which the proxy does not follow: {@code PREPARE s FROM 'SET …'} or {@code 'USE …'},
   * {@code EXECUTE IMMEDIATE 'SET …'}, or a text given in a variable (not known).
   */
  public static boolean preparesSessionChange(String sql) {
    Matcher m = PREPARED_TEXT.matcher(stripLeadingComments(sql));
    if (!m.matches()) {
      return false;
    }
    String text = m.group(1) != null ? m.group(1) : m.group(2);
    if (text == null) {
      return true; // FROM @v: any statement
    }
    String s = stripLeadingComments(text);
    return s.regionMatches(true, 0, "SET", 0, 3) || s.regionMatches(true, 0, "USE", 0, 3);
  }

  /**
   * Whether {@code sql} is a SET that may change global variables ({@code SET GLOBAL x = …},
   * {@code SET @@global.x = …}, {@code SET PERSIST …}, one of several assignments, or a later
   * statement of a multi-statement text). Errs towards yes: a yes costs pooled connections a reset.
   */
  public static boolean changesGlobals(String sql) {
    String s = stripLeadingComments(sql);
    boolean set = s.length() > 4 && s.regionMatches(true, 0, "SET", 0, 3) && Character.isWhitespace(s.charAt(3));
    return (set || s.indexOf(';') >= 0) && SET_GLOBAL.matcher(s).find();
  }

  /**
   * The value {@code sql} sets when it is nothing but {@code SET [SESSION] autocommit = 0|1|ON|OFF}
   * (the proxy may answer it without a server while the session holds no connection), else null.
   */
  public static Boolean autocommitOnly(String sql) {
    Matcher m = SET_AUTOCOMMIT.matcher(stripLeadingComments(sql));
    if (!m.matches()) {
      return null;
    }
    String v = m.group(1).toUpperCase(Locale.ROOT);
    return v.equals("1") || v.equals("ON") || v.equals("TRUE");
  }

  /**
   * Updates {@code state} after {@code sql} succeeded. Returns true when the statement is now part
   * of what {@link SessionState#replayStatements()} (or the schema) brings a new connection to.
   */
  public static boolean apply(String sql, SessionState state) {
    String s = stripLeadingComments(sql);
    if (s.length() < 4) {
      return false;
    }
    char c = Character.toUpperCase(s.charAt(0));
    if (c == 'U') {
      Matcher m = USE.matcher(s);
      if (m.matches()) {
        state.schema(unquote(m.group(1)));
        return true;
      }
    } else if (c == 'S' && s.regionMatches(true, 0, "SET", 0, 3)
        && Character.isWhitespace(s.charAt(3))) {
      applySet(s, state);
      return true;
    } else if (c == 'P') {
      Matcher m = PREPARE.matcher(s);
      if (m.matches()) {
        state.prepared(unquote(m.group(1)).toLowerCase(Locale.ROOT), s);
        return true;
      }
    } else if (c == 'D') {
      Matcher m = DEALLOCATE.matcher(s);
      if (m.matches()) {
        state.deallocated(unquote(m.group(1)).toLowerCase(Locale.ROOT));
        return true;
      }
      m = DROP_DATABASE.matcher(s);
      if (m.matches() && unquote(m.group(1)).equals(state.schema())) {
        state.schema(null); // the server leaves a dropped current schema: no schema selected (1046) from now on
      }
    }
    return false;
  }

  private static void applySet(String s, SessionState state) {
    String upper = s.toUpperCase(Locale.ROOT);
    if (upper.matches("(?s)SET\\s+(GLOBAL\\b|@@GLOBAL\\.|PERSIST\\b|TRANSACTION\\b|STATEMENT\\b|PASSWORD\\b"
        + "|DEFAULT\\s+ROLE\\b).*")) {
      return; // not session state (SET STATEMENT ... FOR runs one statement), or only for the next transaction
    }
    if (SET_NAMES.matcher(s).matches()) {
      state.charsetStatement(s);
      return;
    }
    Matcher single = SET_SINGLE.matcher(s);
    if (single.matches()) {
      String name = single.group(1).toLowerCase(Locale.ROOT).replace("`", "");
      if (name.equals("autocommit")) {
        return; // followed through the server status flags
      }
      state.variable(name, s);
      return;
    }
    state.variable(s, s);
  }

  /** {@code sql} without the blanks and comments (block, {@code #} and {@code -- } ones) it starts with. */
  public static String stripLeadingComments(String sql) {
    int i = 0;
    int n = sql.length();
    while (i < n) {
      char c = sql.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
        int end = sql.indexOf("*/", i + 2);
        if (end < 0) {
          return "";
        }
        i = end + 2;
      } else if (c == '#' || (c == '-' && sql.startsWith("-- ", i))) {
        int end = sql.indexOf('\n', i);
        if (end < 0) {
          return "";
        }
        i = end + 1;
      } else {
        break;
      }
    }
    return sql.substring(i);
  }

  private static String unquote(String name) {
    if (name.length() >= 2 && name.startsWith("`") && name.endsWith("`")) {
      return name.substring(1, name.length() - 1).replace("``", "`");
    }
    return name;
  }
}
