package io.tandem.proxy.protocol;

/** Server status flags carried in OK and EOF packets. */
public final class ServerStatus {

  public static final int IN_TRANS = 1;
  public static final int AUTOCOMMIT = 1 << 1;
  public static final int MORE_RESULTS_EXISTS = 1 << 3;
  public static final int CURSOR_EXISTS = 1 << 6;
  public static final int LAST_ROW_SENT = 1 << 7;
  public static final int IN_TRANS_READONLY = 1 << 13;
  public static final int SESSION_STATE_CHANGED = 1 << 14;

  private ServerStatus() {}
}
