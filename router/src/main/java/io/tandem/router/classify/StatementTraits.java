package io.tandem.router.classify;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything a router needs to know about one SQL text. Immutable; collections are unmodifiable
 * and never null.
 *
 * @param kind                  what the statement does (for a multi-statement text: its first statement)
 * @param readOnly              true only when the statement can safely run on a replica (see the package docs)
 * @param unparsed              JSqlParser could not parse the statement (or the text is cut off): it goes to
 *                              the master, and {@link StatementClassifier#unparsedCount()} counts it
 * @param digest                the statement with literals as {@code ?} (see {@link StatementClassifier#digest})
 * @param tables                tables (and views) the statement reads, as written without backticks: {@code t}
 *                              or {@code db.t}; CTE names and {@code DUAL} left out. Filled for SELECTs
 *                              (parsed), {@code EXPLAIN}, {@code DESCRIBE t}, {@code SHOW COLUMNS|INDEX FROM t},
 *                              {@code SHOW CREATE TABLE t}; empty for writes, which go to the master anyway
 * @param functions             functions called, upper case; stored functions as written ({@code db.f}, {@code `f`})
 * @param lockingRead           {@code FOR UPDATE}, {@code FOR SHARE}, {@code LOCK IN SHARE MODE}
 * @param selectInto            {@code INTO @var}, {@code INTO OUTFILE}, {@code INTO DUMPFILE}, {@code INTO local_var}
 * @param usesLockFunction      calls {@code GET_LOCK()}: from then on the session may hold a named lock on the master
 * @param releasesLock          calls {@code RELEASE_LOCK()}: one named lock released, others may still be held
 * @param releasesAllLocks      calls {@code RELEASE_ALL_LOCKS()}: the session holds no named lock afterwards
 * @param foundRows             calls {@code FOUND_ROWS()}
 * @param calcFoundRows         {@code SELECT SQL_CALC_FOUND_ROWS …}: a following {@code FOUND_ROWS()} must go
 *                              to the same server
 * @param followsPrevious       the result is about the previous statement on the same connection
 *                              ({@code FOUND_ROWS()}, {@code ROW_COUNT()}, {@code SHOW WARNINGS|ERRORS},
 *                              {@code SHOW COUNT(*) WARNINGS}, {@code SHOW PROFILE[S]}, {@code GET DIAGNOSTICS},
 *                              {@code @@warning_count}, {@code @@error_count}): send it where that one went
 * @param usesSequence          {@code NEXT VALUE FOR s}, {@code PREVIOUS VALUE FOR s}, {@code NEXTVAL()},
 *                              {@code LASTVAL()}, {@code SETVAL()}, {@code s.nextval}
 * @param readsUserVariables    reads {@code @var} (correct on a replica only if every assignment was replayed
 *                              there; {@code SELECT … INTO @v} and {@code @v := …} run on the master only)
 * @param writesUserVariables   assigns {@code @var} ({@code SET @v}, {@code @v := …}, {@code INTO @v})
 * @param createsTemporaryTable {@code CREATE [OR REPLACE] TEMPORARY TABLE|SEQUENCE}
 * @param temporaryTable        the name it creates, as written without backticks ({@code t} or {@code db.t}); null
 *                              otherwise
 * @param droppedTables         names dropped by {@code DROP [TEMPORARY] TABLE|SEQUENCE a, b}
 * @param renamedTables         old name → new name for {@code RENAME TABLE a TO b} and {@code ALTER TABLE a RENAME b}
 * @param transaction           transaction characteristics set by {@code SET … TRANSACTION} or
 *                              {@code tx_isolation}/{@code tx_read_only} assignments; null otherwise
 * @param binaryLog             the value a {@code SET [SESSION] sql_log_bin = …} sets (false: the session's writes
 *                              stay on the master, never replicated); null when the statement sets none
 * @param autocommit            the value a {@code SET [SESSION] autocommit = …} sets; null when the statement sets
 *                              no session autocommit. A value that is not a literal (e.g. {@code @v},
 *                              {@code DEFAULT}) reads as FALSE: the router then keeps the session on the master
 * @param chain                 {@code COMMIT|ROLLBACK AND CHAIN}: a new transaction starts at once
 * @param schema                the schema of {@code USE db}; null otherwise
 * @param statementName         the name in {@code PREPARE s}, {@code EXECUTE s}, {@code DEALLOCATE PREPARE s}
 * @param preparedText          the SQL of {@code PREPARE s FROM '…'} or {@code EXECUTE IMMEDIATE '…'} when given as a
 *                              literal; null when it comes from a variable
 * @param replayable            for session commands: replaying the same text later on another backend connection
 *                              sets the same state (no subquery, no non-deterministic or non-built-in function, so
 *                              not {@code SET @id = LAST_INSERT_ID()} nor {@code SET @t = NOW()})
 * @param multiStatement        the text holds several statements
 * @param statements            the traits of each statement of a multi-statement text, in order; empty otherwise
 * @param hint                  the routing hint of the leading comment; null when none
 * @param readsServerRuntime    reads what a server knows of its own sessions and counters, not the data
 *                              ({@link TableNames#serverRuntime}); derived from {@code tables}, whatever is passed
 * @param readsOptimizerTrace   reads {@code INFORMATION_SCHEMA.OPTIMIZER_TRACE}, the trace of the connection's
 *                              previous statement; derived from {@code tables}, whatever is passed
 */
public record StatementTraits(
    StatementKind kind,
    boolean readOnly,
    boolean unparsed,
    String digest,
    Set<String> tables,
    Set<String> functions,
    boolean lockingRead,
    boolean selectInto,
    boolean usesLockFunction,
    boolean releasesLock,
    boolean releasesAllLocks,
    boolean foundRows,
    boolean calcFoundRows,
    boolean followsPrevious,
    boolean usesSequence,
    boolean readsUserVariables,
    boolean writesUserVariables,
    boolean createsTemporaryTable,
    String temporaryTable,
    List<String> droppedTables,
    Map<String, String> renamedTables,
    TransactionSettings transaction,
    Boolean binaryLog,
    Boolean autocommit,
    boolean chain,
    String schema,
    String statementName,
    String preparedText,
    boolean replayable,
    boolean multiStatement,
    List<StatementTraits> statements,
    RoutingHint hint,
    boolean readsServerRuntime,
    boolean readsOptimizerTrace) {

  public StatementTraits {
    tables = tables == null ? Set.of() : tables;
    // derived once here, not on every routing of a cached statement
    readsServerRuntime = TableNames.serverRuntime(tables);
    readsOptimizerTrace = TableNames.optimizerTrace(tables);
    functions = functions == null ? Set.of() : functions;
    droppedTables = droppedTables == null ? List.of() : droppedTables;
    renamedTables = renamedTables == null ? Map.of() : renamedTables;
    statements = statements == null ? List.of() : statements;
  }

  /**
   * The session's transactions become SERIALIZABLE: {@code SET [SESSION] TRANSACTION ISOLATION
   * LEVEL SERIALIZABLE} (also without scope: the next transaction), {@code SET [SESSION]
   * tx_isolation|transaction_isolation = 'SERIALIZABLE'}. Not for {@code GLOBAL}.
   */
  public boolean serializable() {
    return transaction != null && transaction.serializable();
  }

  /**
   * Whether the statement only reads, so that it may run where the previous statement ran (a
   * replica included): a read-only statement, SHOW WARNINGS and the like, GET DIAGNOSTICS, or a
   * SELECT without INTO, locking, sequences or assignments calling only replica-safe functions
   * and those about the previous statement ({@code FOUND_ROWS()}, {@code ROW_COUNT()}).
   */
  public boolean onlyAsks() {
    if (unparsed) {
      return false;
    }
    if (readOnly || kind == StatementKind.DIAGNOSTICS || (kind == StatementKind.SHOW && followsPrevious)) {
      return true;
    }
    if (kind != StatementKind.SELECT || lockingRead || selectInto || usesSequence || writesUserVariables) {
      return false;
    }
    for (String f : functions) {
      if (!Functions.REPLICA_SAFE.contains(f) && !f.equals("FOUND_ROWS") && !f.equals("ROW_COUNT")) {
        return false;
      }
    }
    return true;
  }

  /** These traits with another hint. */
  public StatementTraits withHint(RoutingHint newHint) {
    if (newHint == hint) {
      return this;
    }
    return toBuilder().hint(newHint).build();
  }

  StatementTraits withReadOnly(boolean value) {
    return value == readOnly ? this : toBuilder().readOnly(value).build();
  }

  Builder toBuilder() {
    Builder b = new Builder(kind);
    b.readOnly = readOnly;
    b.unparsed = unparsed;
    b.digest = digest;
    b.tables = tables;
    b.functions = functions;
    b.lockingRead = lockingRead;
    b.selectInto = selectInto;
    b.usesLockFunction = usesLockFunction;
    b.releasesLock = releasesLock;
    b.releasesAllLocks = releasesAllLocks;
    b.foundRows = foundRows;
    b.calcFoundRows = calcFoundRows;
    b.followsPrevious = followsPrevious;
    b.usesSequence = usesSequence;
    b.readsUserVariables = readsUserVariables;
    b.writesUserVariables = writesUserVariables;
    b.createsTemporaryTable = createsTemporaryTable;
    b.temporaryTable = temporaryTable;
    b.droppedTables = droppedTables;
    b.renamedTables = renamedTables;
    b.transaction = transaction;
    b.binaryLog = binaryLog;
    b.autocommit = autocommit;
    b.chain = chain;
    b.schema = schema;
    b.statementName = statementName;
    b.preparedText = preparedText;
    b.replayable = replayable;
    b.multiStatement = multiStatement;
    b.statements = statements;
    b.hint = hint;
    return b;
  }

  /** Mutable assembly of traits, package-private. */
  static final class Builder {
    StatementKind kind;
    boolean readOnly;
    boolean unparsed;
    String digest = "";
    Set<String> tables = Set.of();
    Set<String> functions = Set.of();
    boolean lockingRead;
    boolean selectInto;
    boolean usesLockFunction;
    boolean releasesLock;
    boolean releasesAllLocks;
    boolean foundRows;
    boolean calcFoundRows;
    boolean followsPrevious;
    boolean usesSequence;
    boolean readsUserVariables;
    boolean writesUserVariables;
    boolean createsTemporaryTable;
    String temporaryTable;
    List<String> droppedTables = List.of();
    Map<String, String> renamedTables = Map.of();
    TransactionSettings transaction;
    Boolean binaryLog;
    Boolean autocommit;
    boolean chain;
    String schema;
    String statementName;
    String preparedText;
    boolean replayable;
    boolean multiStatement;
    List<StatementTraits> statements = List.of();
    RoutingHint hint;

    Builder(StatementKind kind) {
      this.kind = kind;
    }

    Builder readOnly(boolean v) {
      readOnly = v;
      return this;
    }

    Builder hint(RoutingHint v) {
      hint = v;
      return this;
    }

    /** Copies what the tokens showed (functions, locks, sequences, variables). */
    Builder facts(TokenFacts f) {
      functions = f.functionSet();
      usesLockFunction = f.usesLockFunction;
      releasesLock = f.releasesLock;
      releasesAllLocks = f.releasesAllLocks;
      foundRows = f.foundRows;
      calcFoundRows = f.calcFoundRows;
      followsPrevious |= f.followsPrevious;
      usesSequence = f.sequence;
      readsUserVariables = f.readsUserVariables;
      writesUserVariables |= f.writesUserVariables;
      return this;
    }

    StatementTraits build() {
      return new StatementTraits(kind, readOnly, unparsed, digest, tables, functions, lockingRead,
          selectInto, usesLockFunction, releasesLock, releasesAllLocks, foundRows, calcFoundRows,
          followsPrevious, usesSequence, readsUserVariables, writesUserVariables,
          createsTemporaryTable, temporaryTable, droppedTables, renamedTables, transaction, binaryLog, autocommit,
          chain, schema, statementName, preparedText, replayable, multiStatement, statements, hint, false, false);
    }
  }

  /**
   * The traits of a multi-statement text: the first statement's kind, read-only only if every
   * statement is, flags and names merged, the last transaction/autocommit/schema setting.
   */
  static StatementTraits combine(List<StatementTraits> parts, String digest) {
    Builder b = new Builder(parts.get(0).kind());
    b.digest = digest;
    b.multiStatement = true;
    b.statements = List.copyOf(parts);
    b.readOnly = true;
    b.replayable = true;
    Set<String> tables = new LinkedHashSet<>();
    Set<String> functions = new LinkedHashSet<>();
    List<String> dropped = new ArrayList<>();
    Map<String, String> renamed = new LinkedHashMap<>();
    for (StatementTraits p : parts) {
      b.readOnly &= p.readOnly();
      b.unparsed |= p.unparsed();
      b.replayable &= p.replayable();
      tables.addAll(p.tables());
      functions.addAll(p.functions());
      b.lockingRead |= p.lockingRead();
      b.selectInto |= p.selectInto();
      b.usesLockFunction |= p.usesLockFunction();
      b.releasesLock |= p.releasesLock();
      b.releasesAllLocks |= p.releasesAllLocks();
      b.foundRows |= p.foundRows();
      b.calcFoundRows |= p.calcFoundRows();
      b.followsPrevious |= p.followsPrevious();
      b.usesSequence |= p.usesSequence();
      b.readsUserVariables |= p.readsUserVariables();
      b.writesUserVariables |= p.writesUserVariables();
      if (p.createsTemporaryTable() && !b.createsTemporaryTable) {
        b.createsTemporaryTable = true;
        b.temporaryTable = p.temporaryTable();
      }
      dropped.addAll(p.droppedTables());
      renamed.putAll(p.renamedTables());
      if (p.transaction() != null) {
        b.transaction = p.transaction();
      }
      if (p.binaryLog() != null) {
        b.binaryLog = p.binaryLog();
      }
      if (p.autocommit() != null) {
        b.autocommit = p.autocommit();
      }
      b.chain |= p.chain();
      if (p.schema() != null) {
        b.schema = p.schema();
      }
    }
    b.tables = Collections.unmodifiableSet(tables);
    b.functions = Collections.unmodifiableSet(functions);
    b.droppedTables = List.copyOf(dropped);
    b.renamedTables = Collections.unmodifiableMap(renamed);
    return b.build();
  }
}
