package io.tandem.proxy.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Follows the packets of one command's response, so the proxy knows where a response ends
 * without decoding rows. It looks only at each packet's first byte and length, and reads the
 * small packets that carry structure: OK/EOF status flags, the column count, COM_STMT_PREPARE's
 * OK. Multi-result responses (SERVER_MORE_RESULTS_EXISTS) continue until the last result.
 *
 * <p>{@link #onPacket} answers {@link #MORE}, {@link #DONE} (the response is complete; see
 * {@link #status()} and {@link #error()}), or {@link #LOCAL_INFILE} (the server asked for a file:
 * the client now streams it, and {@link #localInfileSent()} resumes tracking).
 */
public final class ResponseTracker {

  public static final int MORE = 0;
  public static final int DONE = 1;
  public static final int LOCAL_INFILE = 2;

  private enum Expect {
    /** OK/ERR/EOF or a result set (COM_QUERY, COM_STMT_EXECUTE, COM_PROCESS_INFO). */
    RESULT,
    /** One OK, ERR or EOF packet. */
    SINGLE,
    /** One packet of any shape (COM_STATISTICS answers with a bare string). */
    ANY_ONE,
    /** COM_STMT_PREPARE's answer. */
    PREPARE,
    /** Rows or column definitions up to an EOF (COM_FIELD_LIST, COM_STMT_FETCH). */
    UNTIL_EOF,
    /** Nothing (COM_STMT_CLOSE, COM_STMT_SEND_LONG_DATA, COM_QUIT). */
    NOTHING
  }

  private enum State {
    IDLE, FIRST, COLUMN_DEFS, COLUMN_EOF, ROWS, PARAM_DEFS, PARAM_EOF, PREP_COLUMN_DEFS,
    PREP_COLUMN_EOF, SINGLE, ANY_ONE, LOCAL_INFILE
  }

  private final boolean deprecateEof;
  private State state = State.IDLE;
  private long remaining;
  private int prepareColumns;
  private int status;
  private Packets.ErrorInfo error;
  private long preparedStatementId = -1;
  private int preparedParams;
  /** Rows of the current response (packets between the column definitions and the end). */
  private long rows;
  /** The most warnings an OK/EOF of the current response announced. */
  private int warnings;
  /** The last non-zero insert id an OK of the current response carried, or 0. */
  private long insertId;

  public ResponseTracker(boolean deprecateEof) {
    this.deprecateEof = deprecateEof;
  }

  /**
   * Starts tracking the response to a command. Returns true when the command gets a response,
   * false for commands the server does not answer.
   */
  public boolean commandSent(int commandCode) {
    error = null;
    preparedStatementId = -1;
    rows = 0;
    warnings = 0;
    insertId = 0;
    Expect expect = expectationOf(commandCode);
    state = switch (expect) {
      case RESULT, PREPARE -> State.FIRST;
      case SINGLE -> State.SINGLE;
      case ANY_ONE -> State.ANY_ONE;
      case UNTIL_EOF -> State.ROWS;
      case NOTHING -> State.IDLE;
    };
    preparing = expect == Expect.PREPARE;
    executing = commandCode == CommandCode.STMT_EXECUTE;
    return state != State.IDLE;
  }

  private boolean preparing;
  /** The response is to COM_STMT_EXECUTE (where CURSOR_EXISTS after the metadata ends it). */
  private boolean executing;

  private static Expect expectationOf(int commandCode) {
    return switch (commandCode) {
      case CommandCode.QUERY, CommandCode.STMT_EXECUTE, CommandCode.PROCESS_INFO -> Expect.RESULT;
      case CommandCode.STMT_PREPARE -> Expect.PREPARE;
      case CommandCode.FIELD_LIST, CommandCode.STMT_FETCH -> Expect.UNTIL_EOF;
      case CommandCode.STATISTICS -> Expect.ANY_ONE;
      case CommandCode.STMT_CLOSE, CommandCode.STMT_SEND_LONG_DATA, CommandCode.QUIT -> Expect.NOTHING;
      default -> Expect.SINGLE;
    };
  }

  /** The client finished sending a LOCAL INFILE file: the server's OK or ERR comes next. */
  public void localInfileSent() {
    state = State.FIRST;
  }

  public boolean idle() {
    return state == State.IDLE;
  }

  /** Status flags of the last OK/EOF seen. */
  public int status() {
    return status;
  }

  /** Rows in the result sets of the response so far (a row of 16 MiB or more counts once per packet). */
  public long rows() {
    return rows;
  }

  /** Warnings the response announced (the most any of its OK/EOF packets did): SHOW WARNINGS has something to show. */
  public int warnings() {
    return warnings;
  }

  /** The insert id an OK of the response carried (LAST_INSERT_ID() now answers it), or 0. */
  public long insertId() {
    return insertId;
  }

  /** The ERR that ended the response, or null. */
  public Packets.ErrorInfo error() {
    return error;
  }

  /** Statement id from a successful COM_STMT_PREPARE, or -1. */
  public long preparedStatementId() {
    return preparedStatementId;
  }

  /** Number of parameters of the statement of {@link #preparedStatementId()}. */
  public int preparedParams() {
    return preparedParams;
  }

  /**
   * Feeds one packet. {@code buf} holds the payload at {@code index} when it is small enough to
   * be buffered whole ({@code complete}); for large packets only the first byte is given.
   */
  public int onPacket(int firstByte, int payloadLength, ByteBuf buf, int index, boolean complete) {
    switch (state) {
      case FIRST:
        return onFirst(firstByte, payloadLength, buf, index, complete);
      case COLUMN_DEFS:
        if (--remaining == 0) {
          state = deprecateEof ? State.ROWS : State.COLUMN_EOF;
        }
        return MORE;
      case COLUMN_EOF:
        readEofStatus(buf, index, complete);
        if (executing && (status & ServerStatus.CURSOR_EXISTS) != 0) {
          // COM_STMT_EXECUTE opened a cursor: the rows come with COM_STMT_FETCH. (A text result
          // from a stored procedure that has a cursor open carries the flag too, with its rows.)
          return finish();
        }
        state = State.ROWS;
        return MORE;
      case ROWS:
        if (firstByte == Packets.ERR) {
          readError(buf, index, payloadLength, complete);
          return finish();
        }
        if (firstByte == Packets.EOF && payloadLength < Packets.MAX_PAYLOAD) {
          if (deprecateEof) {
            readOkStatus(buf, index, complete);
          } else {
            readEofStatus(buf, index, complete);
          }
          return endOfResult();
        }
        rows++;
        return MORE;
      case PARAM_DEFS:
        if (--remaining == 0) {
          return afterParams();
        }
        return MORE;
      case PARAM_EOF:
        return afterParamEof();
      case PREP_COLUMN_DEFS:
        if (--remaining == 0) {
          if (deprecateEof) {
            return finish();
          }
          state = State.PREP_COLUMN_EOF;
        }
        return MORE;
      case PREP_COLUMN_EOF:
        return finish();
      case SINGLE:
        if (firstByte == Packets.ERR) {
          readError(buf, index, payloadLength, complete);
        } else if (firstByte == Packets.OK) {
          readOkStatus(buf, index, complete);
        } else if (firstByte == Packets.EOF && payloadLength < 9) {
          readEofStatus(buf, index, complete);
        }
        return finish();
      case ANY_ONE:
        if (firstByte == Packets.ERR) {
          readError(buf, index, payloadLength, complete);
        }
        return finish();
      default:
        throw new IllegalStateException("unexpected packet from server in state " + state);
    }
  }

  private int onFirst(int firstByte, int payloadLength, ByteBuf buf, int index, boolean complete) {
    if (firstByte == Packets.ERR) {
      readError(buf, index, payloadLength, complete);
      return finish();
    }
    if (preparing) {
      if (firstByte != Packets.OK || !complete || payloadLength < 9) {
        throw new IllegalStateException("malformed COM_STMT_PREPARE response");
      }
      preparedStatementId = buf.getUnsignedIntLE(index + 1);
      prepareColumns = buf.getUnsignedShortLE(index + 5);
      int params = buf.getUnsignedShortLE(index + 7);
      preparedParams = params;
      if (params > 0) {
        remaining = params;
        state = State.PARAM_DEFS;
        return MORE;
      }
      return afterParamEof();
    }
    if (firstByte == Packets.OK || firstByte == Packets.EOF) {
      readOkStatus(buf, index, complete);
      return endOfResult();
    }
    if (firstByte == Packets.LOCAL_INFILE) {
      state = State.LOCAL_INFILE;
      return LOCAL_INFILE;
    }
    if (!complete) {
      throw new IllegalStateException("column count packet too large");
    }
    remaining = Packets.getLenencInt(buf, index);
    if (remaining <= 0) {
      throw new IllegalStateException("bad column count " + remaining);
    }
    state = State.COLUMN_DEFS;
    return MORE;
  }

  private int afterParams() {
    if (!deprecateEof) {
      state = State.PARAM_EOF;
      return MORE;
    }
    return afterParamEof();
  }

  private int afterParamEof() {
    if (prepareColumns > 0) {
      remaining = prepareColumns;
      state = State.PREP_COLUMN_DEFS;
      return MORE;
    }
    return finish();
  }

  private int endOfResult() {
    if ((status & ServerStatus.MORE_RESULTS_EXISTS) != 0) {
      state = State.FIRST;
      return MORE;
    }
    return finish();
  }

  private int finish() {
    state = State.IDLE;
    preparing = false;
    return DONE;
  }

  private void readOkStatus(ByteBuf buf, int index, boolean complete) {
    if (!complete) {
      return;
    }
    int i = index + 1;
    i += Packets.lenencIntSize(buf, i);
    if (buf.getUnsignedByte(index) == Packets.OK && i < buf.writerIndex()) {
      long id = Packets.getLenencInt(buf, i);
      if (id != 0) {
        insertId = id;
      }
    }
    i += Packets.lenencIntSize(buf, i);
    if (i + 2 <= buf.writerIndex()) {
      status = buf.getUnsignedShortLE(i);
    }
    if (i + 4 <= buf.writerIndex()) {
      warnings = Math.max(warnings, buf.getUnsignedShortLE(i + 2));
    }
  }

  private void readEofStatus(ByteBuf buf, int index, boolean complete) {
    if (complete && buf.getUnsignedByte(index) == Packets.EOF) {
      warnings = Math.max(warnings, buf.getUnsignedShortLE(index + 1));
      status = buf.getUnsignedShortLE(index + 3);
    }
  }

  private void readError(ByteBuf buf, int index, int length, boolean complete) {
    if (complete) {
      error = Packets.readError(buf.slice(index, length));
    } else {
      error = new Packets.ErrorInfo(new ErrorCode(0, "HY000"), "(error packet too large to decode)");
    }
  }
}
