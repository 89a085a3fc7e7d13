package io.tandem.proxy.protocol;

/**
 * A server error: code, SQLSTATE and message, as sent in an ERR packet. Every error the proxy
 * composes itself is a constant here, with a server-range code (1000-1999, 3000 and up: never the
 * client-side 2000-2999) and a fitting SQLSTATE; {@code ErrorCodeTest} checks each.
 */
public record ErrorCode(int code, String sqlState) {

  public static final ErrorCode CON_COUNT_ERROR = new ErrorCode(1040, "08004");
  public static final ErrorCode HANDSHAKE_ERROR = new ErrorCode(1043, "08S01");
  public static final ErrorCode ACCESS_DENIED = new ErrorCode(1045, "28000");
  public static final ErrorCode BAD_DB = new ErrorCode(1049, "42000");
  /** ER_PARSE_ERROR: a statement the admin interface does not know. */
  public static final ErrorCode PARSE_ERROR = new ErrorCode(1064, "42000");
  /** ER_UNKNOWN_ERROR: an admin command that could not be done (the message says why). */
  public static final ErrorCode UNKNOWN_ERROR = new ErrorCode(1105, "HY000");
  public static final ErrorCode UNKNOWN_COM = new ErrorCode(1047, "08S01");
  public static final ErrorCode NO_SUCH_THREAD = new ErrorCode(1094, "HY000");
  public static final ErrorCode KILL_DENIED = new ErrorCode(1095, "HY000");
  public static final ErrorCode NET_PACKET_TOO_LARGE = new ErrorCode(1153, "08S01");
  public static final ErrorCode NET_READ_ERROR = new ErrorCode(1158, "08S01");
  public static final ErrorCode NET_PACKETS_OUT_OF_ORDER = new ErrorCode(1156, "08S01");
  /** ER_NET_READ_INTERRUPTED: the client stopped sending (login_timeout, read_timeout). */
  public static final ErrorCode NET_READ_INTERRUPTED = new ErrorCode(1159, "08S01");
  /** ER_HOST_IS_BLOCKED: too many failed logins from the client's address. */
  public static final ErrorCode HOST_IS_BLOCKED = new ErrorCode(1129, "HY000");
  /** ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8.0.24): idle longer than idle_timeout. */
  public static final ErrorCode CLIENT_INTERACTION_TIMEOUT = new ErrorCode(4031, "HY000");
  /** ER_OPTION_PREVENTS_STATEMENT: the configuration forbids running the statement. */
  public static final ErrorCode OPTION_PREVENTS_STATEMENT = new ErrorCode(1290, "HY000");
  public static final ErrorCode MALFORMED_PACKET = new ErrorCode(1835, "HY000");
  /** ER_WRONG_ARGUMENTS: a malformed COM_STMT_EXECUTE or COM_STMT_SEND_LONG_DATA. */
  public static final ErrorCode WRONG_ARGUMENTS = new ErrorCode(1210, "HY000");
  /** ER_UNKNOWN_STMT_HANDLER: a COM_STMT_* naming a statement the session does not have. */
  public static final ErrorCode UNKNOWN_STMT_HANDLER = new ErrorCode(1243, "HY000");
  /** ER_STMT_HAS_NO_OPEN_CURSOR: COM_STMT_FETCH without an open cursor. */
  public static final ErrorCode NO_OPEN_CURSOR = new ErrorCode(1421, "HY000");
  public static final ErrorCode SECURE_TRANSPORT_REQUIRED = new ErrorCode(3159, "HY000");
  /**
   * ER_CONNECT_TO_FOREIGN_DATA_SOURCE: a backend cannot be reached. The proxy never sends the
   * client-side codes 2000-2999 (CR_CONN_HOST_ERROR 2003, CR_SERVER_LOST 2013): libmariadb 3.3.9
   * and later turn a server-sent client code into 2027 "Received malformed packet".
   */
  public static final ErrorCode CANNOT_CONNECT = new ErrorCode(1429, "HY000");
  /**
   * ER_CONNECTION_KILLED: the backend connection was lost while it ran the command, which may or
   * may not have taken effect; the client's connection to the proxy stays usable.
   */
  public static final ErrorCode LOST_CONNECTION = new ErrorCode(1927, "70100");
  /**
   * ER_LOCK_DEADLOCK (SQLSTATE 40001, "try restarting transaction"): the session's open
   * transaction is gone because its backend (the old writer) failed. Drivers and frameworks treat
   * 40001 as a rolled-back transaction that may be retried; the connection stays usable.
   */
  public static final ErrorCode TRANSACTION_LOST = new ErrorCode(1213, "40001");
}
