package io.tandem.router.classify;

import java.util.Arrays;

/**
 * The tokens of one SQL text, by a single pass of a small MySQL/MariaDB lexer: comments dropped
 * (their leading {@code tandem:} hint kept aside), the content of executable comments
 * ({@code /*!50700 …*}{@code /}, {@code /*M!100500 …*}{@code /}) lexed as code, literals recognised
 * (strings with {@code ''} and backslash escapes, charset introducers such as {@code _utf8mb4'x'},
 * {@code N'x'}, {@code x'AB'}, {@code 0xAB}, {@code b'01'}, {@code 0b01}, numbers), backtick
 * identifiers, {@code @user} and {@code @@system} variables. Tokens are spans of the original text.
 *
 * <p>Double-quoted text is a string (MySQL's default; with {@code ANSI_QUOTES} it would be an
 * identifier, which only ever makes a statement fail to parse and go to the master).
 *
 * <p>Not thread-safe; one instance per {@link #lex} call.
 */
final class SqlTokens {

  static final byte WORD = 1;       // unquoted identifier or keyword
  static final byte QUOTED = 2;     // `identifier`
  static final byte STRING = 3;     // 'x', "x", N'x', _cs'x'
  static final byte NUMBER = 4;     // 1, 1.5, .5, 1e5
  static final byte HEX = 5;        // x'AB', 0xAB, b'01', 0b01
  static final byte PARAM = 6;      // ?
  static final byte USER_VAR = 7;   // @x, @'x', @`x`
  static final byte SYS_VAR = 8;    // @@x, @@session.x
  static final byte OP = 9;         // operators and other punctuation
  static final byte LPAREN = 10;
  static final byte RPAREN = 11;
  static final byte COMMA = 12;
  static final byte DOT = 13;
  static final byte SEMI = 14;

  final String sql;
  int count;
  byte[] type;
  int[] start;
  int[] end;
  /** 1 when blanks or a comment separate the token from the previous one. */
  byte[] gap;
  /** Body of the first leading comment that starts with {@code tandem:}, or null. */
  String hintText;
  /**
   * A string literal contains a backslash before a quote. Under {@code NO_BACKSLASH_ESCAPES} the
   * text would split differently, so the statement must not be trusted to a replica.
   */
  boolean ambiguousEscape;
  /** The text ends inside a string, quoted identifier or comment. */
  boolean unterminated;

  private SqlTokens(String sql, int capacity) {
    this.sql = sql;
    this.type = new byte[capacity];
    this.start = new int[capacity];
    this.end = new int[capacity];
    this.gap = new byte[capacity];
  }

  // ------------------------------------------------------------------ lexer

  static SqlTokens lex(String sql) {
    int len = sql.length();
    SqlTokens t = new SqlTokens(sql, Math.max(8, Math.min(len / 3 + 4, 4096)));
    boolean gap = false;
    boolean inVersionComment = false;
    int i = 0;
    while (i < len) {
      char c = sql.charAt(i);
      if (c <= ' ') {
        gap = true;
        i++;
        continue;
      }
      int s = i;
      switch (c) {
        case '/':
          if (i + 1 < len && sql.charAt(i + 1) == '*') {
            if (i + 2 < len && sql.charAt(i + 2) == '!') {
              i = skipDigits(sql, i + 3);
              inVersionComment = true;
            } else if (sql.startsWith("M!", i + 2)) {
              i = skipDigits(sql, i + 4);
              inVersionComment = true;
            } else {
              int close = sql.indexOf("*/", i + 2);
              if (close < 0) {
                t.unterminated = true;
                close = len;
              }
              if (t.count == 0 && t.hintText == null && close > i + 2) {
                String body = sql.substring(i + 2, close);
                if (body.strip().regionMatches(true, 0, "tandem:", 0, 7)) {
                  t.hintText = body;
                }
              }
              i = Math.min(len, close + 2);
            }
            gap = true;
            continue;
          }
          i++;
          t.add(OP, s, i, gap);
          break;
        case '*':
          if (inVersionComment && i + 1 < len && sql.charAt(i + 1) == '/') {
            inVersionComment = false;
            i += 2;
            gap = true;
            continue;
          }
          i++;
          t.add(OP, s, i, gap);
          break;
        case '#':
          i = endOfLine(sql, i);
          gap = true;
          continue;
        case '-':
          if (i + 1 < len && sql.charAt(i + 1) == '-' && (i + 2 == len || sql.charAt(i + 2) <= ' ')) {
            i = endOfLine(sql, i);
            gap = true;
            continue;
          }
          if (i + 1 < len && sql.charAt(i + 1) == '>') {
            i += (i + 2 < len && sql.charAt(i + 2) == '>') ? 3 : 2;
          } else {
            i++;
          }
          t.add(OP, s, i, gap);
          break;
        case '\'':
        case '"':
          i = t.string(sql, i, c);
          t.add(STRING, s, i, gap);
          break;
        case '`':
          i = t.quoted(sql, i, '`');
          t.add(QUOTED, s, i, gap);
          break;
        case '?', '(', ')', ',', ';':
          i++;
          t.add(punctuation(c), s, i, gap);
          break;
        case '@':
          if (i + 1 < len && sql.charAt(i + 1) == '@') {
            i = t.sysVar(sql, i + 2);
            t.add(SYS_VAR, s, i, gap);
          } else {
            i = t.userVar(sql, i + 1);
            t.add(USER_VAR, s, i, gap);
          }
          break;
        case '.':
          if (i + 1 < len && isDigit(sql.charAt(i + 1)) && !t.lastIsName()) {
            i = number(sql, i);
            t.add(NUMBER, s, i, gap);
          } else {
            i++;
            t.add(DOT, s, i, gap);
          }
          break;
        case ':':
        case '<':
        case '>':
        case '!':
        case '=':
        case '|':
        case '&':
          i = operator(sql, i);
          t.add(OP, s, i, gap);
          break;
        default:
          if (isDigit(c)) {
            int w = word(sql, i);
            int e = number(sql, i);
            if (c == '0' && isRadixLiteral(sql, i, w)) {
              i = w; // 0x1F, 0b101
              t.add(HEX, s, i, gap);
            } else if (e < len && isWordChar(sql.charAt(e))) {
              i = w; // an identifier that starts with digits: 123abc
              t.add(WORD, s, i, gap);
            } else {
              i = e;
              t.add(NUMBER, s, i, gap);
            }
          } else if (isWordChar(c)) {
            i = word(sql, i);
            byte ty = WORD;
            if (i < len && sql.charAt(i) == '\'') {
              int n = i - s;
              char f = c;
              if (n == 1 && (f == 'x' || f == 'X' || f == 'b' || f == 'B')) {
                i = t.string(sql, i, '\'');
                ty = HEX;
              } else if (n == 1 && (f == 'n' || f == 'N') || f == '_' && n > 1) {
                i = t.string(sql, i, '\'');
                ty = STRING;
              }
            } else if (c == '_' && i - s > 1) {
              // charset introducer separated from its string by blanks: _utf8mb4 'x'
              int j = i;
              while (j < len && sql.charAt(j) <= ' ') {
                j++;
              }
              if (j < len && (sql.charAt(j) == '\'' || sql.charAt(j) == '"')) {
                i = t.string(sql, j, sql.charAt(j));
                ty = STRING;
              }
            }
            t.add(ty, s, i, gap);
          } else {
            i++;
            t.add(OP, s, i, gap);
          }
      }
      gap = false;
    }
    return t;
  }

  /** The token type of a one-character mark: {@code ? ( ) , ;}. */
  private static byte punctuation(char c) {
    return switch (c) {
      case '?' -> PARAM;
      case '(' -> LPAREN;
      case ')' -> RPAREN;
      case ',' -> COMMA;
      default -> SEMI;
    };
  }

  private void add(byte ty, int s, int e, boolean g) {
    if (count == type.length) {
      int n = count * 2;
      type = Arrays.copyOf(type, n);
      start = Arrays.copyOf(start, n);
      end = Arrays.copyOf(end, n);
      gap = Arrays.copyOf(gap, n);
    }
    type[count] = ty;
    start[count] = s;
    end[count] = e;
    gap[count] = g ? (byte) 1 : 0;
    count++;
  }

  private boolean lastIsName() {
    if (count == 0) {
      return false;
    }
    byte ty = type[count - 1];
    return ty == WORD || ty == QUOTED || ty == RPAREN;
  }

  private int string(String sql, int i, char quote) {
    int len = sql.length();
    int j = i + 1;
    while (j < len) {
      char ch = sql.charAt(j);
      if (ch == '\\') {
        if (j + 1 < len && (sql.charAt(j + 1) == '\'' || sql.charAt(j + 1) == '"')) {
          ambiguousEscape = true;
        }
        j += 2;
        continue;
      }
      if (ch == quote) {
        if (j + 1 < len && sql.charAt(j + 1) == quote) {
          j += 2;
          continue;
        }
        return j + 1;
      }
      j++;
    }
    unterminated = true;
    return len;
  }

  private int quoted(String sql, int i, char quote) {
    int len = sql.length();
    int j = i + 1;
    while (j < len) {
      if (sql.charAt(j) == quote) {
        if (j + 1 < len && sql.charAt(j + 1) == quote) {
          j += 2;
          continue;
        }
        return j + 1;
      }
      j++;
    }
    unterminated = true;
    return len;
  }

  private int userVar(String sql, int i) {
    int len = sql.length();
    if (i < len) {
      char c = sql.charAt(i);
      if (c == '\'' || c == '"') {
        return string(sql, i, c);
      }
      if (c == '`') {
        return quoted(sql, i, '`');
      }
    }
    while (i < len && (isWordChar(sql.charAt(i)) || sql.charAt(i) == '.')) {
      i++;
    }
    return i;
  }

  private int sysVar(String sql, int i) {
    int len = sql.length();
    while (i < len) {
      char c = sql.charAt(i);
      if (c == '`') {
        i = quoted(sql, i, '`');
      } else if (isWordChar(c)) {
        i = word(sql, i);
      } else {
        break;
      }
      if (i < len && sql.charAt(i) == '.' && i + 1 < len
          && (isWordChar(sql.charAt(i + 1)) || sql.charAt(i + 1) == '`')) {
        i++;
      } else {
        break;
      }
    }
    return i;
  }

  private static int operator(String sql, int i) {
    int len = sql.length();
    char c = sql.charAt(i);
    char n = i + 1 < len ? sql.charAt(i + 1) : 0;
    switch (c) {
      case ':':
        return n == '=' ? i + 2 : i + 1;
      case '<':
        if (n == '=' && i + 2 < len && sql.charAt(i + 2) == '>') {
          return i + 3;
        }
        return n == '=' || n == '>' || n == '<' ? i + 2 : i + 1;
      case '>':
        return n == '=' || n == '>' ? i + 2 : i + 1;
      case '!':
        return n == '=' ? i + 2 : i + 1;
      case '|':
        return n == '|' ? i + 2 : i + 1;
      case '&':
        return n == '&' ? i + 2 : i + 1;
      default:
        return i + 1;
    }
  }

  private static int number(String sql, int i) {
    int len = sql.length();
    int j = i;
    while (j < len && isDigit(sql.charAt(j))) {
      j++;
    }
    if (j < len && sql.charAt(j) == '.') {
      j++;
      while (j < len && isDigit(sql.charAt(j))) {
        j++;
      }
    }
    if (j < len && (sql.charAt(j) == 'e' || sql.charAt(j) == 'E')) {
      int k = j + 1;
      if (k < len && (sql.charAt(k) == '+' || sql.charAt(k) == '-')) {
        k++;
      }
      if (k < len && isDigit(sql.charAt(k))) {
        j = k;
        while (j < len && isDigit(sql.charAt(j))) {
          j++;
        }
      }
    }
    return j;
  }

  private static boolean isRadixLiteral(String sql, int s, int e) {
    if (e - s < 3) {
      return false;
    }
    char r = sql.charAt(s + 1);
    boolean hex = r == 'x' || r == 'X';
    boolean bin = r == 'b' || r == 'B';
    if (!hex && !bin) {
      return false;
    }
    for (int k = s + 2; k < e; k++) {
      char d = sql.charAt(k);
      boolean ok = bin ? d == '0' || d == '1'
          : isDigit(d) || (d >= 'a' && d <= 'f') || (d >= 'A' && d <= 'F');
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static int word(String sql, int i) {
    int len = sql.length();
    while (i < len && isWordChar(sql.charAt(i))) {
      i++;
    }
    return i;
  }

  private static int skipDigits(String sql, int i) {
    while (i < sql.length() && isDigit(sql.charAt(i))) {
      i++;
    }
    return i;
  }

  private static int endOfLine(String sql, int i) {
    int nl = sql.indexOf('\n', i);
    return nl < 0 ? sql.length() : nl + 1;
  }

  static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static final boolean[] ASCII_WORD_CHAR = new boolean[128];

  static {
    for (char c = 0; c < 128; c++) {
      ASCII_WORD_CHAR[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_' || c == '$';
    }
  }

  /** Letters, digits, {@code _}, {@code $} and every non-ASCII character (MySQL's unquoted identifiers). */
  static boolean isWordChar(char c) {
    return c >= 128 || ASCII_WORD_CHAR[c];
  }

  // ------------------------------------------------------------------ token helpers

  /** True when token {@code i} is the unquoted word {@code upper} (given in upper case), any case. */
  boolean is(int i, String upper) {
    if (type[i] != WORD) {
      return false;
    }
    int s = start[i];
    int n = end[i] - s;
    if (n != upper.length()) {
      return false;
    }
    for (int k = 0; k < n; k++) {
      char c = sql.charAt(s + k);
      if (c >= 'a' && c <= 'z') {
        c -= 32;
      }
      if (c != upper.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  /** {@link #is} with a bounds check against {@code to}. */
  boolean is(int i, int to, String upper) {
    return i < to && is(i, upper);
  }

  boolean isType(int i, int to, byte ty) {
    return i < to && type[i] == ty;
  }

  String text(int i) {
    return sql.substring(start[i], end[i]);
  }

  /** Upper-case text of a word token (ASCII only), for switch statements. */
  String upper(int i) {
    String s = text(i);
    for (int k = 0; k < s.length(); k++) {
      char c = s.charAt(k);
      if (c >= 'a' && c <= 'z' || c >= 0x80) {
        return s.toUpperCase(java.util.Locale.ROOT);
      }
    }
    return s;
  }

  /** An identifier without its backticks ({@code ``} inside it becomes {@code `}). */
  String identifier(int i) {
    if (type[i] == QUOTED) {
      return sql.substring(start[i] + 1, end[i] - 1).replace("``", "`");
    }
    return text(i);
  }

  /** The index after the parenthesis that closes the one opened at {@code i} (or {@code to}). */
  int closeParen(int i, int to) {
    int depth = 0;
    for (int k = i; k < to; k++) {
      if (type[k] == LPAREN) {
        depth++;
      } else if (type[k] == RPAREN) {
        if (--depth == 0) {
          return k + 1;
        }
      }
    }
    return to;
  }

  /** Decoded value of a string token (escapes resolved, introducer dropped). */
  String stringValue(int i) {
    int s = start[i];
    int e = end[i];
    while (s < e && sql.charAt(s) != '\'' && sql.charAt(s) != '"') {
      s++;
    }
    if (s >= e) {
      return "";
    }
    char q = sql.charAt(s);
    int stop = (e - 1 > s && sql.charAt(e - 1) == q) ? e - 1 : e;
    StringBuilder b = new StringBuilder(stop - s);
    for (int k = s + 1; k < stop; k++) {
      char c = sql.charAt(k);
      if (c == '\\' && k + 1 < stop) {
        char n = sql.charAt(++k);
        switch (n) {
          case 'n': b.append('\n'); break;
          case 't': b.append('\t'); break;
          case 'r': b.append('\r'); break;
          case '0': b.append('\0'); break;
          case 'b': b.append('\b'); break;
          case 'Z': b.append('\u001a'); break;
          case '%': b.append("\\%"); break;
          case '_': b.append("\\_"); break;
          default: b.append(n);
        }
      } else if (c == q && k + 1 < stop && sql.charAt(k + 1) == q) {
        b.append(q);
        k++;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /**
   * A possibly qualified name starting at {@code i} ({@code t}, {@code db.t}, {@code `db`.`t`}),
   * unquoted and joined by dots; {@code out[0]} receives the index after it. Null when no name
   * starts there.
   */
  String qualifiedName(int i, int to, int[] out) {
    if (i >= to || (type[i] != WORD && type[i] != QUOTED)) {
      out[0] = i;
      return null;
    }
    StringBuilder b = new StringBuilder(identifier(i));
    int k = i + 1;
    while (k + 1 < to && type[k] == DOT && (type[k + 1] == WORD || type[k + 1] == QUOTED)) {
      b.append('.').append(identifier(k + 1));
      k += 2;
    }
    out[0] = k;
    return b.toString();
  }

  static boolean isLiteral(byte ty) {
    return ty == STRING || ty == NUMBER || ty == HEX || ty == PARAM;
  }

  // ------------------------------------------------------------------ rendering

  /**
   * The digest of tokens {@code [from, to)}: literals (strings, numbers, hex and bit values,
   * {@code ?}) as {@code ?}, a signed number as one literal, an IN list of literals as
   * {@code IN (?)}, repeated all-literal {@code VALUES} rows as one, tokens separated by single
   * blanks (none inside parentheses, around dots, before commas), comments gone, words as written.
   */
  String digest(int from, int to) {
    Out b = new Out(Math.min(end[to - 1] - start[from] + 8, 1 << 16));
    byte prev = 0;
    for (int i = from; i < to; i++) {
      byte ty = type[i];
      if (ty == OP && isSign(i) && i + 1 < to && (type[i + 1] == NUMBER || type[i + 1] == PARAM)
          && unaryPosition(i, from)) {
        continue; // the sign folds into the literal that follows
      }
      if (ty == WORD && i + 1 < to && type[i + 1] == LPAREN) {
        if (is(i, "IN")) {
          int close = literalListEnd(i + 1, to);
          if (close > 0) {
            b.space(prev, WORD, gap[i]);
            b.append(sql, start[i], end[i]);
            b.append(" (?)");
            prev = RPAREN;
            i = close - 1;
            continue;
          }
        } else if (is(i, "VALUES") || is(i, "VALUE")) {
          int close = literalListEnd(i + 1, to);
          if (close > 0) {
            // the first all-literal row as written, further all-literal rows dropped
            b.space(prev, WORD, gap[i]);
            b.append(sql, start[i], end[i]);
            prev = WORD;
            for (int k = i + 1; k < close; k++) {
              b.space(prev, type[k], gap[k]);
              if (isLiteral(type[k])) {
                b.append('?');
              } else {
                b.append(sql, start[k], end[k]);
              }
              prev = type[k];
            }
            int next = close;
            while (next + 1 < to && type[next] == COMMA && type[next + 1] == LPAREN) {
              int c2 = literalListEnd(next + 1, to);
              if (c2 < 0) {
                break;
              }
              next = c2;
            }
            i = next - 1;
            continue;
          }
        }
      }
      b.space(prev, ty, gap[i]);
      if (isLiteral(ty)) {
        b.append('?');
      } else {
        b.append(sql, start[i], end[i]);
      }
      prev = ty;
    }
    return b.toString();
  }

  /** A small char buffer: bulk copies from the text, one String at the end. */
  private static final class Out {
    char[] buf;
    int n;

    Out(int capacity) {
      buf = new char[Math.max(16, capacity)];
    }

    void ensure(int more) {
      if (n + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, n + more));
      }
    }

    void append(String s, int from, int to) {
      ensure(to - from);
      s.getChars(from, to, buf, n);
      n += to - from;
    }

    void append(String s) {
      append(s, 0, s.length());
    }

    void append(char c) {
      ensure(1);
      buf[n++] = c;
    }

    void space(byte prev, byte ty, byte gapBefore) {
      if (needsSpace(prev, ty, gapBefore)) {
        append(' ');
      }
    }

    @Override
    public String toString() {
      return new String(buf, 0, n);
    }
  }

  static boolean needsSpace(byte prev, byte ty, byte gapBefore) {
    if (prev == 0 || prev == LPAREN || prev == DOT) {
      return false;
    }
    if (ty == RPAREN || ty == COMMA || ty == DOT || ty == SEMI) {
      return false;
    }
    return !(ty == LPAREN && (prev == WORD || prev == QUOTED) && gapBefore == 0);
  }

  /**
   * The text handed to JSqlParser for tokens {@code [from, to)}: as the digest's spacing, but
   * literals kept in a form JSqlParser reads (strings single-quoted without backslash escapes or
   * introducers, hex and bit values as {@code 0}), and the tokens marked in {@code skip} left out.
   */
  String parseForm(int from, int to, boolean[] skip, String[] replace) {
    StringBuilder b = new StringBuilder(sql.length() + 16);
    byte prev = 0;
    for (int i = from; i < to; i++) {
      int k = i - from;
      if (skip != null && skip[k]) {
        continue;
      }
      byte ty = type[i];
      space(b, prev, ty, i);
      if (replace != null && replace[k] != null) {
        b.append(replace[k]);
      } else if (ty == STRING) {
        b.append('\'');
        String v = stringValue(i);
        for (int c = 0; c < v.length(); c++) {
          char ch = v.charAt(c);
          if (ch == '\'') {
            b.append("''");
          } else if (ch != '\\') {
            b.append(ch);
          }
        }
        b.append('\'');
      } else if (ty == HEX) {
        b.append('0');
      } else {
        b.append(sql, start[i], end[i]);
      }
      prev = ty;
    }
    return b.toString();
  }

  private void space(StringBuilder b, byte prev, byte ty, int i) {
    if (needsSpace(prev, ty, gap[i])) {
      b.append(' ');
    }
  }

  private boolean isSign(int i) {
    int n = end[i] - start[i];
    char c = sql.charAt(start[i]);
    return n == 1 && (c == '-' || c == '+');
  }

  /** A sign at {@code i} is unary when what precedes it cannot end an operand. */
  private boolean unaryPosition(int i, int from) {
    if (i == from) {
      return true;
    }
    byte p = type[i - 1];
    if (p == OP || p == LPAREN || p == COMMA) {
      return true;
    }
    if (p != WORD) {
      return false;
    }
    switch (upper(i - 1)) {
      case "SELECT": case "WHERE": case "AND": case "OR": case "NOT": case "BY": case "THEN":
      case "ELSE": case "WHEN": case "LIMIT": case "OFFSET": case "IN": case "VALUES": case "VALUE":
      case "SET": case "ON": case "BETWEEN": case "HAVING": case "IS": case "LIKE": case "INTERVAL":
      case "CASE": case "DEFAULT": case "DIV": case "MOD": case "XOR": case "RETURN": case "DO":
        return true;
      default:
        return false;
    }
  }

  /**
   * When {@code open} starts a parenthesised list of literals (each maybe signed), the index
   * after its closing parenthesis; else -1.
   */
  private int literalListEnd(int open, int to) {
    int k = open + 1;
    boolean expectValue = true;
    while (k < to) {
      byte ty = type[k];
      if (expectValue) {
        if (ty == OP && isSign(k) && k + 1 < to && (type[k + 1] == NUMBER || type[k + 1] == PARAM)) {
          k++;
          ty = type[k];
        }
        if (!isLiteral(ty)) {
          return -1;
        }
        expectValue = false;
      } else if (ty == COMMA) {
        expectValue = true;
      } else if (ty == RPAREN) {
        return k + 1;
      } else {
        return -1;
      }
      k++;
    }
    return -1;
  }
}
