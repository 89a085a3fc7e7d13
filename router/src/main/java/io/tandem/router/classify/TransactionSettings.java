package io.tandem.router.classify;

/**
 * Transaction characteristics set by {@code SET [GLOBAL|SESSION] TRANSACTION …} or by assigning
 * {@code tx_isolation}/{@code transaction_isolation}/{@code tx_read_only}/{@code transaction_read_only}.
 *
 * @param isolation the isolation level set, null when the statement leaves it alone
 * @param scope     which transactions it applies to
 * @param readOnly  TRUE for {@code READ ONLY}, FALSE for {@code READ WRITE}, null when not set
 */
public record TransactionSettings(IsolationLevel isolation, Scope scope, Boolean readOnly) {

  /** Which transactions a setting applies to. */
  public enum Scope {
    /** {@code SET TRANSACTION …} without a scope keyword: only the session's next transaction. */
    NEXT_TRANSACTION,
    /** {@code SET SESSION|LOCAL TRANSACTION …}, {@code SET [SESSION] tx_isolation = …}: the session from now on. */
    SESSION,
    /** {@code SET GLOBAL|PERSIST …}: new sessions on that server, not this one. */
    GLOBAL
  }

  /** True when the session's transactions (the next one or all) become SERIALIZABLE. */
  public boolean serializable() {
    return isolation == IsolationLevel.SERIALIZABLE && scope != Scope.GLOBAL;
  }
}
