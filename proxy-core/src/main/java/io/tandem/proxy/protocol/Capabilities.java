package io.tandem.proxy.protocol;

/** Client/server capability flags of the MySQL protocol (the {@code CLIENT_*} constants). */
public final class Capabilities {

  public static final int LONG_PASSWORD = 1;
  public static final int FOUND_ROWS = 1 << 1;
  public static final int LONG_FLAG = 1 << 2;
  public static final int CONNECT_WITH_DB = 1 << 3;
  public static final int NO_SCHEMA = 1 << 4;
  public static final int COMPRESS = 1 << 5;
  public static final int ODBC = 1 << 6;
  public static final int LOCAL_FILES = 1 << 7;
  public static final int IGNORE_SPACE = 1 << 8;
  public static final int PROTOCOL_41 = 1 << 9;
  public static final int INTERACTIVE = 1 << 10;
  public static final int SSL = 1 << 11;
  public static final int IGNORE_SIGPIPE = 1 << 12;
  public static final int TRANSACTIONS = 1 << 13;
  public static final int RESERVED = 1 << 14;
  public static final int SECURE_CONNECTION = 1 << 15;
  public static final int MULTI_STATEMENTS = 1 << 16;
  public static final int MULTI_RESULTS = 1 << 17;
  public static final int PS_MULTI_RESULTS = 1 << 18;
  public static final int PLUGIN_AUTH = 1 << 19;
  public static final int CONNECT_ATTRS = 1 << 20;
  public static final int PLUGIN_AUTH_LENENC_CLIENT_DATA = 1 << 21;
  public static final int CAN_HANDLE_EXPIRED_PASSWORDS = 1 << 22;
  public static final int SESSION_TRACK = 1 << 23;
  public static final int DEPRECATE_EOF = 1 << 24;

  /**
   * What the proxy offers clients before intersecting with the backend's capabilities. Not
   * offered: COMPRESS (relay would have to inflate), OPTIONAL_RESULTSET_METADATA and
   * QUERY_ATTRIBUTES (MySQL 8 only), and MariaDB's extended capabilities (the proxy presents
   * itself with CLIENT_LONG_PASSWORD set, i.e. MySQL semantics).
   */
  public static final int PROXY_OFFERED =
      LONG_PASSWORD | FOUND_ROWS | LONG_FLAG | CONNECT_WITH_DB | NO_SCHEMA | ODBC | LOCAL_FILES
          | IGNORE_SPACE | PROTOCOL_41 | INTERACTIVE | IGNORE_SIGPIPE | TRANSACTIONS | RESERVED
          | SECURE_CONNECTION | MULTI_STATEMENTS | MULTI_RESULTS | PS_MULTI_RESULTS | PLUGIN_AUTH
          | CONNECT_ATTRS | PLUGIN_AUTH_LENENC_CLIENT_DATA | CAN_HANDLE_EXPIRED_PASSWORDS
          | SESSION_TRACK | DEPRECATE_EOF;

  /**
   * Flags that change what the server sends or how it interprets statements. A backend
   * connection carries exactly the client's value of these, so relayed bytes mean the same on
   * both sides; pools are keyed by them.
   */
  public static final int SESSION_SHAPING =
      FOUND_ROWS | LONG_FLAG | NO_SCHEMA | ODBC | LOCAL_FILES | IGNORE_SPACE | INTERACTIVE
          | MULTI_STATEMENTS | MULTI_RESULTS | PS_MULTI_RESULTS | SESSION_TRACK | DEPRECATE_EOF;

  private Capabilities() {}

  public static boolean has(int flags, int flag) {
    return (flags & flag) != 0;
  }
}
