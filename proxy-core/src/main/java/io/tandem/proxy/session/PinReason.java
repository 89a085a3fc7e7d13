package io.tandem.proxy.session;

import java.util.Locale;

/**
 * Why a client session keeps its backend connections between commands instead of giving them
 * back to the pool (multiplexing): the state each names lives on the connection and cannot be
 * brought to another one by a replay. See {@link PinningStatements} for how each is recognized
 * and how long it lasts.
 */
public enum PinReason {
  /**
   * A transaction is open (the server status says so). Until it ends. With autocommit off and no
   * transaction open yet, nothing is pinned: autocommit=0 is replayed, and the statement that
   * opens the transaction pins the session.
   */
  TRANSACTION,
  /** {@code SET TRANSACTION ...} (no SESSION) applies to the next transaction. Until one ran. */
  NEXT_TRANSACTION,
  /** {@code LOCK TABLES}, {@code FLUSH TABLES ... WITH READ LOCK}, {@code BACKUP STAGE/LOCK}. Until UNLOCK. */
  TABLE_LOCK,
  /** {@code GET_LOCK()}: user locks belong to the connection. Until a reset. */
  USER_LOCK,
  /** {@code CREATE TEMPORARY TABLE}. Until a reset. */
  TEMPORARY_TABLE,
  /** Binary prepared statements (their cursors and long data) or text {@code PREPARE}d ones are open. Until closed. */
  PREPARED_STATEMENT,
  /** {@code HANDLER ... OPEN}. Until a reset. */
  HANDLER,
  /** {@code XA START}. Until XA COMMIT or XA ROLLBACK. */
  XA,
  /** {@code CALL}: a procedure may set variables, open transactions or create tables the proxy cannot see. Until a reset. */
  STORED_PROCEDURE,
  /**
   * A user variable set in a way a replay would not reproduce ({@code SELECT ... INTO @v},
   * {@code @v := ...}, {@code SET @v = } an expression). Until a reset.
   */
  USER_VARIABLE,
  /** {@code NEXTVAL}/{@code NEXT VALUE FOR}: {@code LASTVAL()} answers per connection. Until a reset. */
  SEQUENCE,
  /** A statement generated an insert id: {@code LAST_INSERT_ID()} answers it. For the next 5 commands. */
  LAST_INSERT_ID,
  /** {@code SQL_CALC_FOUND_ROWS}: {@code FOUND_ROWS()} answers it. For the next command. */
  FOUND_ROWS,
  /** The last statement left warnings or an error: {@code SHOW WARNINGS} shows them. For the next command. */
  WARNINGS,
  /**
   * Session state changed where the proxy does not follow it: a {@code SET}, {@code USE} or
   * {@code PREPARE} after the first statement of a multi-statement packet, a text {@code PREPARE}
   * of a SET or USE (or from a variable), or a session command the state snapshot does not hold.
   * Until a reset.
   */
  UNTRACKED_STATE;

  /** The label metrics and admin commands use ({@code temporary_table}). */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public int bit() {
    return 1 << ordinal();
  }
}
