package io.tandem.sandbox;

/** The accounts every sandbox server has. {@code root} has no password and is reachable on 127.0.0.1. */
public final class SandboxUsers {

  /** The application user: free to create schemas; its default database is {@link #APP_DATABASE}. */
  public static final String APP_USER = "app";
  public static final String APP_PASSWORD = "app";
  public static final String APP_DATABASE = "app";
  /** The user replicas connect as. */
  public static final String REPLICATION_USER = "repl";
  public static final String REPLICATION_PASSWORD = "repl";
  /** The user the proxy's monitor connects as (replication status, heartbeat in schema {@code tandem}). */
  public static final String MONITOR_USER = "monitor";
  public static final String MONITOR_PASSWORD = "monitor";

  private SandboxUsers() {}
}
