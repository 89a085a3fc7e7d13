/**
 * Statement classification: what a SQL text does, as far as routing is concerned.
 * {@link io.tandem.router.classify.StatementClassifier} turns text into
 * {@link io.tandem.router.classify.StatementTraits}; the router decides with them and with the
 * session's state (transaction, autocommit, temporary tables, locks), which this package does not
 * keep.
 *
 * <h2>Read-only: what may run on a replica</h2>
 * {@code readOnly()} is true only for
 * <ul>
 *   <li>a SELECT ({@code SELECT}, {@code WITH … SELECT}, {@code (SELECT …) UNION …}, {@code VALUES},
 *       {@code TABLE t}) that JSqlParser parses, and that has no {@code FOR UPDATE},
 *       {@code FOR SHARE}, {@code LOCK IN SHARE MODE}, no {@code INTO} (variables, OUTFILE,
 *       DUMPFILE), no sequence ({@code NEXT|PREVIOUS VALUE FOR}, {@code NEXTVAL()} …,
 *       {@code s.nextval}), no {@code @v := …} assignment, no data-changing keyword, calls only
 *       functions on the whitelist (see {@code Functions.REPLICA_SAFE}: built-ins such as COUNT, SUM,
 *       CONCAT, NOW, DATE_FORMAT, COALESCE, IF, JSON_EXTRACT, UUID, SLEEP; not LAST_INSERT_ID,
 *       GET_LOCK, RELEASE_LOCK, IS_FREE_LOCK, IS_USED_LOCK, RELEASE_ALL_LOCKS, NEXTVAL, LASTVAL,
 *       SETVAL, FOUND_ROWS, ROW_COUNT, CONNECTION_ID, LOAD_FILE, MASTER_GTID_WAIT, nor any stored or
 *       user-defined function, schema-qualified or quoted calls included), and reads no system
 *       variable the application means about the master ({@code @@global.*}, {@code @@read_only},
 *       {@code @@super_read_only}, {@code @@gtid_*}, {@code @@last_gtid}, {@code @@last_insert_id},
 *       {@code @@identity}, {@code @@insert_id}, {@code @@warning_count}, {@code @@error_count},
 *       {@code @@in_transaction}); {@code @@server_id}, {@code @@version}, session variables are fine;</li>
 *   <li>a SHOW about schema metadata, the same on every server: {@code SHOW DATABASES|SCHEMAS},
 *       {@code [FULL] TABLES}, {@code TABLE STATUS}, {@code [FULL] COLUMNS|FIELDS},
 *       {@code INDEX|INDEXES|KEYS}, {@code CREATE …}, {@code TRIGGERS}, {@code EVENTS},
 *       {@code PROCEDURE|FUNCTION STATUS|CODE}, {@code CHARACTER SET}, {@code COLLATION},
 *       {@code [STORAGE] ENGINES}, {@code PLUGINS}, {@code PRIVILEGES}, {@code GRANTS};
 *       and {@code DESCRIBE t}. Every other SHOW goes to the master: {@code MASTER|BINLOG STATUS},
 *       {@code BINARY|MASTER LOGS}, {@code BINLOG|RELAYLOG EVENTS}, {@code SLAVE|REPLICA STATUS},
 *       {@code SLAVE HOSTS}, {@code PROCESSLIST} (the threads a client would KILL are the master's),
 *       {@code [GLOBAL|SESSION] STATUS|VARIABLES} (server- and connection-specific: a replica
 *       says {@code read_only=ON}), {@code ENGINE … STATUS}, {@code OPEN TABLES}, and
 *       {@code WARNINGS|ERRORS|COUNT(*) WARNINGS|PROFILE[S]}, which are also
 *       {@code followsPrevious()};</li>
 *   <li>{@code EXPLAIN [ANALYZE] <select>} when the select is read-only.</li>
 * </ul>
 * Everything else is not read-only. A statement JSqlParser cannot parse is never read-only, nor
 * is a text cut off inside a string or comment, nor a read-only text whose string literal holds
 * {@code \'} (under {@code NO_BACKSLASH_ESCAPES} it would split into different tokens, so its
 * tokens cannot be trusted; drivers write {@code ''} in that mode).
 *
 * <h2>Safety net</h2>
 * The token checks (locking clauses, {@code INTO}, function calls, sequences, variables,
 * data-changing keywords) run on every statement whatever JSqlParser makes of it, and can only
 * take a statement away from the replicas. A function call is any name right before a
 * parenthesis except keywords that take one, so an unknown shape costs a trip to the master,
 * never a wrong read. Syntax JSqlParser 5.0 lacks ({@code LOCK IN SHARE MODE}, {@code INTO},
 * SELECT modifiers such as {@code SQL_CALC_FOUND_ROWS} or {@code HIGH_PRIORITY}, backslash
 * escapes, charset introducers, {@code PREVIOUS VALUE FOR}) is recorded by the tokens and taken out
 * of the text given to the parser, so such statements are still parsed (and get their tables).
 * The content of {@code /*! … *}{@code /} and {@code /*M! … *}{@code /} is treated as code, whatever
 * the version number.
 *
 * <h2>Named locks</h2>
 * {@code usesLockFunction()} is set by {@code GET_LOCK()} anywhere (SELECT, DO, SET …): from then on
 * the session may hold a named lock on the master. {@code releasesAllLocks()} is set only by
 * {@code RELEASE_ALL_LOCKS()}. {@code RELEASE_LOCK(name)} sets {@code releasesLock()} but not
 * {@code releasesAllLocks()}: MySQL 5.7+ and MariaDB 10.0+ let a session hold several named locks
 * (and take one several times), and whether others remain cannot be told from the text or from a
 * count of calls (GET_LOCK may time out). A router keeps the session on the master until
 * {@code RELEASE_ALL_LOCKS()} or the connection is reset.
 *
 * <h2>Session state the router tracks</h2>
 * Kinds {@code SET}, {@code SET_TRANSACTION}, {@code USE}, {@code PREPARE}, {@code DEALLOCATE} are
 * session commands ({@link io.tandem.router.classify.StatementKind#isSessionCommand()}), with
 * {@code replayable()} telling whether replaying them elsewhere later gives the same state.
 * {@code SET GLOBAL|PERSIST}, {@code SET PASSWORD}, {@code SET DEFAULT ROLE} and
 * {@code SET GLOBAL TRANSACTION} are {@code OTHER}: they must run once, on the master.
 * {@code autocommit()} gives the value of a session autocommit assignment (FALSE when it is not a
 * literal, which keeps the session on the master); {@code transaction()} and
 * {@code serializable()} give isolation and access mode, with their scope. Temporary tables:
 * {@code createsTemporaryTable()}/{@code temporaryTable()}, {@code droppedTables()},
 * {@code renamedTables()}, and {@code tables()} for the reads to compare with them.
 *
 * <h2>Multi-statement texts</h2>
 * Split at {@code ;} outside literals and comments (stored program definitions and compound
 * statements stay whole). {@code multiStatement()} is true, {@code statements()} holds each one's
 * traits, {@code kind()} is the first one's, {@code readOnly()} only if all are, flags and names
 * are merged.
 */
package io.tandem.router.classify;
