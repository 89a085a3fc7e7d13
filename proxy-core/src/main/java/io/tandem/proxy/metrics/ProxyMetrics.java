package io.tandem.proxy.metrics;

import io.tandem.proxy.session.PinReason;

/**
 * What the protocol core reports as it works, for metrics and the admin interface. Called on
 * event loops, once or twice per command: implementations must not lock, block or allocate.
 * {@link #NONE} counts nothing (metrics disabled). Both routing modes report the same things.
 */
public interface ProxyMetrics {

  /** Counts nothing. */
  ProxyMetrics NONE = new ProxyMetrics() { };

  /** Where a command ran. */
  enum Where {
    /** On the writer (or another master). */
    WRITER,
    /** On a read replica. */
    REPLICA,
    /** Answered by the proxy itself (errors it composed, COM_PING without a connection, KILL ...). */
    PROXY
  }

  /** What kind of command it was. */
  enum Kind {
    /** A COM_QUERY statement that does not change session state. */
    QUERY,
    /** A statement or command that changes session state (SET, USE, COM_INIT_DB ...), replayed on the session's other connections. */
    SESSION,
    /** COM_STMT_PREPARE. */
    PREPARE,
    /** COM_STMT_EXECUTE. */
    EXECUTE,
    /** Any other command. */
    OTHER
  }

  /** Why a client connection was refused at login. */
  enum Refusal {
    MAX_CONNECTIONS, ACCESS_DENIED, HOST_BLOCKED, TLS_REQUIRED, LOGIN_TIMEOUT, BAD_HANDSHAKE, UNKNOWN_SCHEMA, NO_BACKEND
  }

  /** A client logged in. */
  default void clientAccepted() { }

  /** A client connection was refused before or at login. */
  default void clientRefused(Refusal reason) { }

  /**
   * A command was answered.
   *
   * @param where   where it ran
   * @param backend the meter of the backend it ran on, {@link BackendMeter#NONE} when the proxy answered
   * @param kind    what it was
   * @param failed  it ended with an error (from a server or from the proxy)
   * @param nanos   from taking it off the session's queue to its last answer packet
   */
  default void commandDone(Where where, BackendMeter backend, Kind kind, boolean failed, long nanos) { }

  /**
   * A statement the router read and digested ran (called after {@link #commandDone}); only when
   * {@link #digestsStatements()}.
   *
   * @param digest  the statement with its literals replaced
   * @param backend the name of the backend it ran on
   * @param rows    rows it returned
   */
  default void statementDone(String digest, String backend, long rows, boolean failed, long nanos) { }

  /** Whether {@link #statementDone} wants to be called. */
  default boolean digestsStatements() {
    return false;
  }

  /** The meter of one backend's traffic (looked up once per backend connection, not per command). */
  default BackendMeter backend(String name) {
    return BackendMeter.NONE;
  }

  /** A session started keeping its backend connections between commands for {@code reason}. */
  default void pinned(PinReason reason) { }

  /** A session gave its backend connections back to the pool between two commands. */
  default void multiplexed() { }

  /** A session took a pooled connection that had to be reset or brought to its state first (not one already in it). */
  default void stateReplayed() { }
}
