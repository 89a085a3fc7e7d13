package io.tandem.proxy.frontend;

import io.netty.buffer.ByteBuf;
import io.tandem.proxy.protocol.ErrorCode;

/**
 * Checks a command before any server sees it; a COM_STMT_* one against what the proxy knows of the
 * session's prepared statements: a malformed command gets the error a correct server sends and never
 * reaches a backend (MariaDB 11.4 crashes on a COM_STMT_EXECUTE that binds no parameter types on
 * a statement's first execution; 10.11 answers 1210).
 *
 * <p>COM_STMT_EXECUTE: a known statement ({@code 1243}); the header, the NULL bitmap and the
 * new-params-bound flag inside the packet, flags that name a cursor type only (0, 1, 2, 4 and
 * their combinations), parameter types bound on the first execution, known type codes with only
 * the unsigned flag, and — in a single-frame packet — each non-NULL value, not sent as long data,
 * inside the packet; anything else is {@code 1210 Incorrect arguments to mysqld_stmt_execute}.
 * Bytes after the last value are allowed (servers ignore them).
 */
final class CommandCheck {

  /** Command byte, statement id (4), flags (1), iteration count (4). */
  static final int EXECUTE_HEADER = 10;
  private static final int CURSOR_FLAGS = 0x07;
  private static final int UNSIGNED_FLAG = 0x80;
  /** NAME_LEN: the longest table name. */
  private static final int MAX_NAME = 64;

  private CommandCheck() {}

  /** Why the session must answer instead of relaying: the error and its message. */
  record Refusal(ErrorCode error, String message) {}

  /**
   * Checks a COM_STMT_EXECUTE ({@code payload} starts with the command byte) of {@code s} (null:
   * the id is unknown). {@code wholePacket}: the payload is the whole command (not the first of
   * several frames), so values can be checked too. Returns null when it may be relayed.
   */
  static Refusal execute(PreparedStatements.Statement s, ByteBuf payload, boolean wholePacket) {
    int start = payload.readerIndex();
    int length = payload.readableBytes();
    if (length < EXECUTE_HEADER) {
      return wrongArguments("mysqld_stmt_execute");
    }
    if (s == null) {
      return unknown(payload, "mysqld_stmt_execute");
    }
    int flags = payload.getUnsignedByte(start + 5);
    if ((flags & ~CURSOR_FLAGS) != 0 || s.longDataError) {
      return wrongArguments(s.longDataError ? "mysqld_stmt_send_long_data" : "mysqld_stmt_execute");
    }
    if (s.params == 0) {
      return null;
    }
    int bitmap = start + EXECUTE_HEADER;
    int bitmapLength = (s.params + 7) / 8;
    int flagAt = bitmap + bitmapLength;
    if (flagAt >= start + length) {
      return wrongArguments("mysqld_stmt_execute");
    }
    int bound = payload.getUnsignedByte(flagAt);
    int values = flagAt + 1;
    // the types (2 bytes per parameter) are read where they are: in the packet (typesAt), or kept
    // from an earlier execution (kept)
    byte[] kept = null;
    int typesAt = values;
    if (bound == 1) {
      if (values + 2 * s.params > start + length) {
        return wrongArguments("mysqld_stmt_execute");
      }
      values += 2 * s.params;
    } else if (bound == 0 && s.types != null) {
      kept = s.types;
    } else {
      return wrongArguments("mysqld_stmt_execute"); // types never bound, or a flag that is neither 0 nor 1
    }
    for (int i = 0; i < s.params; i++) {
      if (!knownType(typeByte(payload, typesAt, kept, 2 * i))
          || (typeByte(payload, typesAt, kept, 2 * i + 1) & ~UNSIGNED_FLAG) != 0) {
        return wrongArguments("mysqld_stmt_execute");
      }
    }
    if (!wholePacket) {
      return null;
    }
    int end = start + length;
    int at = values;
    for (int i = 0; i < s.params; i++) {
      boolean isNull = (payload.getUnsignedByte(bitmap + i / 8) & (1 << (i % 8))) != 0;
      if (isNull || s.longDataParams.get(i)) {
        continue;
      }
      at = skipValue(payload, at, end, typeByte(payload, typesAt, kept, 2 * i));
      if (at < 0) {
        return wrongArguments("mysqld_stmt_execute");
      }
    }
    return null;
  }

  /** Byte {@code index} of an execution's parameter types: {@code kept}'s, or else the packet's from {@code typesAt}. */
  private static int typeByte(ByteBuf payload, int typesAt, byte[] kept, int index) {
    return kept != null ? kept[index] & 0xFF : payload.getUnsignedByte(typesAt + index);
  }

  /** COM_STMT_FETCH: statement id (4) and row count (4); a statement with an open cursor. */
  static Refusal fetch(PreparedStatements.Statement s, ByteBuf payload) {
    if (payload.readableBytes() < 9) {
      return wrongArguments("mysqld_stmt_fetch");
    }
    if (s == null) {
      return unknown(payload, "mysqld_stmt_fetch");
    }
    if (!s.cursorOpen) {
      return new Refusal(ErrorCode.NO_OPEN_CURSOR, "The statement (" + s.id + ") has no open cursor");
    }
    return null;
  }

  /** COM_STMT_RESET: a known statement id. */
  static Refusal reset(PreparedStatements.Statement s, ByteBuf payload) {
    if (payload.readableBytes() < 5) {
      return wrongArguments("mysqld_stmt_reset");
    }
    return s == null ? unknown(payload, "mysqld_stmt_reset") : null;
  }

  /**
   * COM_STMT_SEND_LONG_DATA (which has no answer): whether it may be relayed — a known statement
   * and a parameter index below its parameter count. A bad one is dropped; the statement's next
   * execution gets 1210, as from a server.
   */
  static boolean longData(PreparedStatements.Statement s, ByteBuf payload) {
    if (s == null) {
      return false;
    }
    if (payload.readableBytes() < 7 || payload.getUnsignedShortLE(payload.readerIndex() + 5) >= s.params) {
      s.longDataError = true;
      return false;
    }
    return true;
  }

  /**
   * COM_FIELD_LIST: a table name (up to a NUL or the end) of 1 to 64 bytes and a wildcard of at
   * most 65; else {@code 1047 Unknown command}, as MariaDB answers.
   */
  static Refusal fieldList(ByteBuf payload) {
    int start = payload.readerIndex() + 1;
    int end = payload.writerIndex();
    int nul = payload.indexOf(start, end, (byte) 0);
    int table = (nul < 0 ? end : nul) - start;
    int wildcard = nul < 0 ? 0 : end - nul - 1;
    if (table < 1 || table > MAX_NAME || wildcard > MAX_NAME + 1) {
      return new Refusal(ErrorCode.UNKNOWN_COM, "Unknown command");
    }
    return null;
  }

  /** Where the value after {@code at} ends, or -1 when it does not fit before {@code end}. */
  private static int skipValue(ByteBuf p, int at, int end, int type) {
    int fixed = switch (type) {
      case 1 -> 1; // TINY
      case 2, 13 -> 2; // SHORT, YEAR
      case 3, 4, 9 -> 4; // LONG, FLOAT, INT24
      case 5, 8 -> 8; // DOUBLE, LONGLONG
      case 6 -> 0; // NULL
      default -> -1;
    };
    if (fixed >= 0) {
      return at + fixed <= end ? at + fixed : -1;
    }
    boolean time = type == 11 || type == 19;
    if (time || type == 7 || type == 10 || type == 12 || type == 14 || type == 17 || type == 18) {
      // temporal: a one-byte length (0, 4, 7 or 11 for dates and datetimes; 0, 8 or 12 for times), then the bytes
      if (at >= end) {
        return -1;
      }
      int n = p.getUnsignedByte(at);
      boolean valid = time ? (n == 0 || n == 8 || n == 12) : (n == 0 || n == 4 || n == 7 || n == 11);
      return valid && at + 1 + n <= end ? at + 1 + n : -1;
    }
    // strings, decimals, blobs, bit, json, geometry: a length-encoded length, then the bytes
    if (at >= end) {
      return -1;
    }
    int first = p.getUnsignedByte(at);
    long n;
    int header;
    if (first < 0xFB) {
      n = first;
      header = 1;
    } else if (first == 0xFC) {
      header = 3;
      n = at + header <= end ? p.getUnsignedShortLE(at + 1) : -1;
    } else if (first == 0xFD) {
      header = 4;
      n = at + header <= end ? p.getUnsignedMediumLE(at + 1) : -1;
    } else if (first == 0xFE) {
      header = 9;
      n = at + header <= end ? p.getLongLE(at + 1) : -1;
    } else {
      return -1; // 0xFB (NULL) and 0xFF are no lengths
    }
    if (n < 0 || n > end - at - header) {
      return -1;
    }
    return at + header + (int) n;
  }

  /** MySQL/MariaDB field type codes a client may bind. */
  static boolean knownType(int type) {
    return (type >= 0 && type <= 19) || (type >= 245 && type <= 255);
  }

  private static Refusal wrongArguments(String function) {
    return new Refusal(ErrorCode.WRONG_ARGUMENTS, "Incorrect arguments to " + function);
  }

  private static Refusal unknown(ByteBuf payload, String function) {
    return new Refusal(ErrorCode.UNKNOWN_STMT_HANDLER, "Unknown prepared statement handler ("
        + PreparedStatements.statementId(payload) + ") given to " + function);
  }
}
