package io.tandem.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * Finds, in one pass over a statement's bytes, what in it ties a session to its backend
 * connection ({@link PinReason}): the first word of each statement of the packet (LOCK, UNLOCK,
 * FLUSH ... LOCK, BACKUP, HANDLER, XA, CALL, SET ...) and words anywhere (TEMPORARY, GET_LOCK,
 * SQL_CALC_FOUND_ROWS, LAST_INSERT_ID, NEXTVAL/SETVAL/LASTVAL, NEXT/PREVIOUS VALUE FOR,
 * {@code INTO @v}, {@code :=}). Quoted strings, quoted identifiers and comments are skipped;
 * executable comments ({@code /*! ... *}{@code /}, {@code /*M! ... *}{@code /}) are read as code.
 *
 * <p>It errs on the side of pinning: a word in an unusual place (a column named {@code temporary})
 * keeps a session on its connection, which costs sharing but never correctness.
 */
public final class PinningStatements {

  /** {@code UNLOCK TABLES} or {@code BACKUP UNLOCK}/{@code BACKUP STAGE END}: the table lock ends. */
  public static final int TABLE_UNLOCK = 1 << 30;
  /** {@code XA COMMIT}/{@code XA ROLLBACK}: the XA transaction ends. */
  public static final int XA_END = 1 << 29;

  private static final int NONE = 0;
  private static final int SET = 1;
  private static final int LOCK = 2;
  private static final int UNLOCK = 3;
  private static final int FLUSH = 4;
  private static final int BACKUP = 5;
  private static final int HANDLER = 6;
  private static final int CALL = 7;
  private static final int XA = 8;
  private static final int USE = 9;
  private static final int PREPARE = 10;
  private static final int DEALLOCATE = 11;
  private static final int TEMPORARY = 12;
  private static final int GET_LOCK = 13;
  private static final int SQL_CALC_FOUND_ROWS = 14;
  private static final int LAST_INSERT_ID = 15;
  private static final int SEQUENCE_FUNCTION = 16;
  private static final int NEXT = 17;
  private static final int PREVIOUS = 18;
  private static final int VALUE = 19;
  private static final int INTO = 20;
  private static final int TRANSACTION = 21;
  private static final int STATEMENT = 22;
  private static final int NOT_SESSION = 23;
  private static final int START = 24;
  private static final int COMMIT = 25;
  private static final int STAGE = 26;
  private static final int END = 27;
  /** A subquery or a function whose value changes between calls (NOW, RAND, UUID, ...). */
  private static final int VOLATILE = 28;
  private static final int GET = 30;
  private static final int OTHER = 29;

  private PinningStatements() {}

  /** Scans {@code sql} (a prepared statement's text). */
  public static int scan(String sql) {
    byte[] bytes = sql.getBytes(StandardCharsets.UTF_8);
    return scan(Unpooled.wrappedBuffer(bytes), 0, bytes.length);
  }

  /** Scans the statement bytes {@code buf[from, to)}; returns {@link PinReason} bits, {@link #TABLE_UNLOCK}, {@link #XA_END}. */
  public static int scan(ByteBuf buf, int from, int to) {
    int flags = 0;
    int statement = 0;
    int first = NONE;
    int second = NONE;
    int words = 0;
    int previous = NONE;
    boolean setValue = false;
    boolean afterInto = false;
    int depth = 0;
    int i = from;
    while (i < to) {
      int b = buf.getByte(i) & 0xFF;
      if (b == '\'' || b == '"' || b == '`') {
        i = skipQuoted(buf, i, to, b);
        afterInto = false;
        continue;
      }
      if (b == '/' && i + 1 < to && buf.getByte(i + 1) == '*') {
        if (i + 2 < to && buf.getByte(i + 2) == '!') {
          i = skipDigits(buf, i + 3, to); // executable comment: its content is code
        } else if (i + 3 < to && (buf.getByte(i + 2) | 0x20) == 'm' && buf.getByte(i + 3) == '!') {
          i = skipDigits(buf, i + 4, to);
        } else {
          i = skipPast(buf, i + 2, to, "*/");
        }
        continue;
      }
      if (b == '*' && i + 1 < to && buf.getByte(i + 1) == '/') {
        i += 2; // the end of an executable comment
        continue;
      }
      if (b == '#' || (b == '-' && i + 2 < to && buf.getByte(i + 1) == '-' && buf.getByte(i + 2) <= ' ')) {
        i = skipPast(buf, i + 1, to, "\n");
        continue;
      }
      if (b == ';') {
        statement++;
        first = NONE;
        second = NONE;
        words = 0;
        previous = NONE;
        setValue = false;
        afterInto = false;
        depth = 0;
        i++;
        continue;
      }
      if (isWordStart(b)) {
        int end = i + 1;
        while (end < to && isWordPart(buf.getByte(end) & 0xFF)) {
          end++;
        }
        int word = word(buf, i, end - i);
        words++;
        if (words == 1) {
          first = word;
          flags |= firstWord(word, statement);
        } else if (words == 2) {
          second = word;
          flags |= secondWord(first, word);
        }
        flags |= anywhere(word, previous, first);
        if ((word == VOLATILE || word == LAST_INSERT_ID || word == SEQUENCE_FUNCTION)
            && first == SET && setValue && plainSet(second)) {
          flags |= PinReason.USER_VARIABLE.bit(); // a replay would compute another value
        }
        if (first == BACKUP && word == END) {
          flags = (flags & ~PinReason.TABLE_LOCK.bit()) | TABLE_UNLOCK;
        }
        afterInto = word == INTO;
        previous = word;
        i = end;
        continue;
      }
      if (b == '@') {
        boolean system = i + 1 < to && buf.getByte(i + 1) == '@';
        if (!system && (afterInto || (first == SET && setValue && plainSet(second)))) {
          flags |= PinReason.USER_VARIABLE.bit(); // SELECT ... INTO @v, or SET x = @v: a replay may see another @v
        }
        if (system) {
          i++;
        }
      } else if (b == ':' && i + 1 < to && buf.getByte(i + 1) == '=') {
        if (first != SET) {
          flags |= PinReason.USER_VARIABLE.bit();
        }
        setValue = true;
        i++;
      } else if (b == '=') {
        setValue = true;
      } else if (b == '(') {
        depth++;
      } else if (b == ')') {
        depth--;
      } else if (b == ',' && depth == 0) {
        setValue = false; // SET a = 1, b = 2: the next variable's name
      }
      if (b > ' ') {
        afterInto = false;
      }
      i++;
    }
    return flags;
  }

  /** A SET of session or user variables (not SET TRANSACTION/STATEMENT/GLOBAL/PASSWORD/...). */
  private static boolean plainSet(int second) {
    return second != STATEMENT && second != NOT_SESSION && second != TRANSACTION;
  }

  private static int firstWord(int word, int statement) {
    return switch (word) {
      case LOCK -> PinReason.TABLE_LOCK.bit();
      case UNLOCK -> TABLE_UNLOCK;
      case HANDLER -> PinReason.HANDLER.bit();
      case CALL -> PinReason.STORED_PROCEDURE.bit();
      case SET, USE, PREPARE, DEALLOCATE -> statement > 0 ? PinReason.UNTRACKED_STATE.bit() : 0;
      case GET -> PinReason.USER_VARIABLE.bit(); // GET DIAGNOSTICS @n = …: a value only this connection has
      default -> 0;
    };
  }

  private static int secondWord(int first, int word) {
    if (first == SET && word == TRANSACTION) {
      return PinReason.NEXT_TRANSACTION.bit();
    }
    if (first == XA) {
      return word == START ? PinReason.XA.bit() : word == COMMIT ? XA_END : 0;
    }
    if (first == BACKUP) {
      return word == LOCK || word == STAGE ? PinReason.TABLE_LOCK.bit() : word == UNLOCK ? TABLE_UNLOCK : 0;
    }
    return 0;
  }

  private static int anywhere(int word, int previous, int first) {
    return switch (word) {
      case TEMPORARY -> PinReason.TEMPORARY_TABLE.bit();
      case GET_LOCK -> PinReason.USER_LOCK.bit();
      case SQL_CALC_FOUND_ROWS -> PinReason.FOUND_ROWS.bit();
      case LAST_INSERT_ID -> PinReason.LAST_INSERT_ID.bit();
      case SEQUENCE_FUNCTION -> PinReason.SEQUENCE.bit();
      case VALUE -> previous == NEXT || previous == PREVIOUS ? PinReason.SEQUENCE.bit() : 0;
      case LOCK -> first == FLUSH ? PinReason.TABLE_LOCK.bit() : 0;
      default -> 0;
    };
  }

  private static int word(ByteBuf buf, int at, int length) {
    return switch (length) {
      case 2 -> is(buf, at, "xa") ? XA : OTHER;
      case 3 -> is(buf, at, "set") ? SET : is(buf, at, "use") ? USE : is(buf, at, "end") ? END
          : is(buf, at, "get") ? GET
          : is(buf, at, "now") ? VOLATILE : OTHER;
      case 4 -> is(buf, at, "lock") ? LOCK : is(buf, at, "call") ? CALL : is(buf, at, "into") ? INTO
          : is(buf, at, "next") ? NEXT : is(buf, at, "role") ? NOT_SESSION
          : is(buf, at, "rand") || is(buf, at, "uuid") ? VOLATILE : OTHER;
      case 5 -> is(buf, at, "flush") ? FLUSH : is(buf, at, "value") ? VALUE : is(buf, at, "start") ? START
          : is(buf, at, "begin") ? START : is(buf, at, "stage") ? STAGE : OTHER;
      case 6 -> is(buf, at, "unlock") ? UNLOCK : is(buf, at, "backup") ? BACKUP : is(buf, at, "commit") ? COMMIT
          : is(buf, at, "global") ? NOT_SESSION : is(buf, at, "setval") ? SEQUENCE_FUNCTION
          : is(buf, at, "select") ? VOLATILE : OTHER;
      case 7 -> is(buf, at, "handler") ? HANDLER : is(buf, at, "prepare") ? PREPARE
          : is(buf, at, "nextval") || is(buf, at, "lastval") ? SEQUENCE_FUNCTION
          : is(buf, at, "persist") || is(buf, at, "default") ? NOT_SESSION
          : is(buf, at, "sysdate") || is(buf, at, "curdate") || is(buf, at, "curtime") ? VOLATILE : OTHER;
      case 8 -> is(buf, at, "get_lock") ? GET_LOCK : is(buf, at, "rollback") ? COMMIT
          : is(buf, at, "previous") ? PREVIOUS : is(buf, at, "password") ? NOT_SESSION
          : is(buf, at, "utc_date") || is(buf, at, "utc_time") ? VOLATILE : OTHER;
      case 9 -> is(buf, at, "temporary") ? TEMPORARY : is(buf, at, "statement") ? STATEMENT
          : is(buf, at, "localtime") || is(buf, at, "row_count") ? VOLATILE : OTHER;
      case 10 -> is(buf, at, "deallocate") ? DEALLOCATE
          : is(buf, at, "uuid_short") || is(buf, at, "found_rows") ? VOLATILE : OTHER;
      case 11 -> is(buf, at, "transaction") ? TRANSACTION : OTHER;
      case 12 -> is(buf, at, "current_date") || is(buf, at, "current_time") ? VOLATILE : OTHER;
      case 13 -> is(buf, at, "utc_timestamp") ? VOLATILE : OTHER;
      case 14 -> is(buf, at, "last_insert_id") ? LAST_INSERT_ID
          : is(buf, at, "unix_timestamp") || is(buf, at, "localtimestamp") ? VOLATILE : OTHER;
      case 17 -> is(buf, at, "current_timestamp") ? VOLATILE : OTHER;
      case 19 -> is(buf, at, "sql_calc_found_rows") ? SQL_CALC_FOUND_ROWS : OTHER;
      default -> OTHER;
    };
  }

  /** Whether the bytes at {@code at} are {@code lower} (lower-case ASCII) in any case. */
  private static boolean is(ByteBuf buf, int at, String lower) {
    for (int k = 0; k < lower.length(); k++) {
      int c = buf.getByte(at + k);
      if ((c >= 'A' && c <= 'Z' ? c | 0x20 : c) != lower.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isWordStart(int b) {
    return (b | 0x20) >= 'a' && (b | 0x20) <= 'z' || b == '_' || b == '$' || b >= 0x80;
  }

  private static boolean isWordPart(int b) {
    return isWordStart(b) || (b >= '0' && b <= '9');
  }

  private static int skipQuoted(ByteBuf buf, int i, int to, int quote) {
    int k = i + 1;
    while (k < to) {
      int c = buf.getByte(k) & 0xFF;
      if (c == '\\' && quote != '`') {
        k += 2;
      } else if (c == quote) {
        if (k + 1 < to && (buf.getByte(k + 1) & 0xFF) == quote) {
          k += 2; // doubled quote
        } else {
          return k + 1;
        }
      } else {
        k++;
      }
    }
    return to;
  }

  private static int skipDigits(ByteBuf buf, int i, int to) {
    while (i < to && buf.getByte(i) >= '0' && buf.getByte(i) <= '9') {
      i++;
    }
    return i;
  }

  private static int skipPast(ByteBuf buf, int i, int to, String end) {
    for (int k = i; k + end.length() <= to; k++) {
      boolean match = true;
      for (int m = 0; m < end.length() && match; m++) {
        match = buf.getByte(k + m) == end.charAt(m);
      }
      if (match) {
        return k + end.length();
      }
    }
    return to;
  }
}
