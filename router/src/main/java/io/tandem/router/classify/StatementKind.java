package io.tandem.router.classify;

/**
 * What a statement does, as far as routing is concerned. Only {@link #SELECT}, {@link #SHOW} and
 * {@link #EXPLAIN} can ever be {@link StatementTraits#readOnly() read-only}; everything else goes to
 * the master (and the session commands among them also reach every other backend connection the
 * session uses).
 */
public enum StatementKind {
  /** {@code SELECT}, {@code WITH … SELECT}, {@code (SELECT …) UNION …}, {@code VALUES}, {@code TABLE t}. */
  SELECT,
  /** {@code SHOW …}, and {@code DESCRIBE t} / {@code DESC t} / {@code EXPLAIN t} (the table forms). */
  SHOW,
  /** {@code EXPLAIN|DESCRIBE [ANALYZE] <statement>}, MariaDB's {@code ANALYZE <statement>}. */
  EXPLAIN,
  INSERT,
  UPDATE,
  DELETE,
  REPLACE,
  /** {@code CREATE}, {@code ALTER}, {@code DROP} (not {@code DROP PREPARE}), {@code TRUNCATE}, {@code RENAME}. */
  DDL,
  /**
   * Session variables: {@code SET [SESSION] var = …}, {@code SET @user = …}, {@code SET NAMES},
   * {@code SET CHARACTER SET}, {@code SET ROLE}, {@code SET autocommit = …}. A {@code SET} that
   * touches a {@code GLOBAL}/{@code PERSIST} variable, {@code SET PASSWORD} and
   * {@code SET DEFAULT ROLE} are {@link #OTHER}: they must run once, on the master.
   */
  SET,
  /** {@code SET [GLOBAL|SESSION] TRANSACTION …}: see {@link StatementTraits#transaction()}. */
  SET_TRANSACTION,
  /** {@code USE db}: see {@link StatementTraits#schema()}. */
  USE,
  /** {@code BEGIN [WORK]}, {@code START TRANSACTION [READ WRITE | WITH CONSISTENT SNAPSHOT]}, {@code XA START}. */
  BEGIN,
  /** {@code START TRANSACTION READ ONLY [, WITH CONSISTENT SNAPSHOT]}. */
  BEGIN_READ_ONLY,
  /** {@code COMMIT [WORK] [AND [NO] CHAIN] [[NO] RELEASE]}, {@code XA COMMIT}. */
  COMMIT,
  /** {@code ROLLBACK [WORK] [AND [NO] CHAIN]}, {@code XA ROLLBACK}; not {@code ROLLBACK TO}. */
  ROLLBACK,
  /** {@code SAVEPOINT s}, {@code ROLLBACK [WORK] TO [SAVEPOINT] s}, {@code RELEASE SAVEPOINT s}: inside a transaction. */
  SAVEPOINT,
  /** {@code LOCK TABLE[S] …}. */
  LOCK_TABLES,
  /** {@code UNLOCK TABLE[S]}. */
  UNLOCK_TABLES,
  CALL,
  /** Text {@code PREPARE s FROM …}: see {@link StatementTraits#statementName()}, {@link StatementTraits#preparedText()}. */
  PREPARE,
  /** Text {@code EXECUTE s [USING …]} and MariaDB's {@code EXECUTE IMMEDIATE …}. */
  EXECUTE,
  /** {@code DEALLOCATE PREPARE s}, {@code DROP PREPARE s}. */
  DEALLOCATE,
  KILL,
  DO,
  /** {@code GET [CURRENT|STACKED] DIAGNOSTICS …}: reads the diagnostics area of the previous statement. */
  DIAGNOSTICS,
  /** Everything else (admin statements, {@code LOAD DATA}, {@code HANDLER}, {@code GRANT}, compound statements, …). */
  OTHER;

  /** INSERT, UPDATE, DELETE, REPLACE. */
  public boolean isDml() {
    return this == INSERT || this == UPDATE || this == DELETE || this == REPLACE;
  }

  /**
   * Statements that change the state of the connection they run on and must therefore reach
   * (be replayed on) every backend connection the session uses: SET, SET_TRANSACTION, USE,
   * PREPARE, DEALLOCATE. (A {@code SET TRANSACTION} without scope only concerns the next
   * transaction, which runs on the master; see {@link TransactionSettings#scope()}.)
   */
  public boolean isSessionCommand() {
    return this == SET || this == SET_TRANSACTION || this == USE || this == PREPARE || this == DEALLOCATE;
  }

  /** BEGIN or BEGIN_READ_ONLY. */
  public boolean beginsTransaction() {
    return this == BEGIN || this == BEGIN_READ_ONLY;
  }

  /** COMMIT or ROLLBACK. */
  public boolean endsTransaction() {
    return this == COMMIT || this == ROLLBACK;
  }
}
