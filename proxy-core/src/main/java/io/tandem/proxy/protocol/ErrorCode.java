package io.tandem.proxy.protocol;

/** A server error: code, SQLSTATE and message, as sent in an ERR packet. */
public record ErrorCode(int code, String sqlState) {

  public static final ErrorCode CON_COUNT_ERROR = new ErrorCode(1040, "08004");
  public static final ErrorCode HANDSHAKE_ERROR = new ErrorCode(1043, "08S01");
  public static final ErrorCode ACCESS_DENIED = new ErrorCode(1045, "28000");
  public static final ErrorCode BAD_DB = new ErrorCode(1049, "42000");
  public static final ErrorCode UNKNOWN_COM = new ErrorCode(1047, "08S01");
  public static final ErrorCode NO_SUCH_THREAD = new ErrorCode(1094, "HY000");
  public static final ErrorCode KILL_DENIED = new ErrorCode(1095, "HY000");
  public static final ErrorCode NET_PACKET_TOO_LARGE = new ErrorCode(1153, "08S01");
  public static final ErrorCode NET_READ_ERROR = new ErrorCode(1158, "08S01");
  public static final ErrorCode NET_PACKETS_OUT_OF_ORDER = new ErrorCode(1156, "08S01");
  /** ER_OPTION_PREVENTS_STATEMENT: the configuration forbids running the statement. */
  public static final ErrorCode OPTION_PREVENTS_STATEMENT = new ErrorCode(1290, "HY000");
  public static final ErrorCode MALFORMED_PACKET = new ErrorCode(1835, "HY000");
  public static final ErrorCode SECURE_TRANSPORT_REQUIRED = new ErrorCode(3159, "HY000");
  /** Client-side code, used when a backend cannot be reached. */
  public static final ErrorCode CANNOT_CONNECT = new ErrorCode(2003, "HY000");
  /** Client-side code, used when a backend connection is lost during a command. */
  public static final ErrorCode LOST_CONNECTION = new ErrorCode(2013, "HY000");
}
