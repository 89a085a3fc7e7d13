package io.tandem.router.split;

import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.protocol.CommandCode;
import io.tandem.proxy.protocol.ServerStatus;
import io.tandem.proxy.route.ReadYourWrites;
import io.tandem.proxy.route.Route;
import io.tandem.proxy.route.SessionRouter;
import io.tandem.proxy.route.WriterRole;
import io.tandem.router.classify.RoutingHint;
import io.tandem.router.classify.StatementClassifier;
import io.tandem.router.classify.StatementKind;
import io.tandem.router.classify.StatementTraits;
import io.tandem.router.classify.TableNames;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Read/write splitting for one client session. Writes, and everything whose effect on a replica
 * could differ, go to the active master; autocommit reads go to a replica whose lag is under the
 * limit ({@link ReplicaChooser}). The rules, in order:
 *
 * <ol>
 *   <li>a leading {@code /* tandem:master * /} hint, or a user whose default route is
 *       {@code master}: the master;</li>
 *   <li>inside a transaction (explicit, or autocommit off): where the transaction runs — a
 *       {@code START TRANSACTION READ ONLY} transaction is pinned to one replica until it
 *       ends, every other one runs on the master;</li>
 *   <li>session commands (SET, SET NAMES, USE, text PREPARE/DEALLOCATE): the master, then every
 *       other backend connection of the session;</li>
 *   <li>while the session holds LOCK TABLES or a GET_LOCK lock, uses SERIALIZABLE, has
 *       {@code sql_log_bin = 0} (its writes reach no replica), or after it
 *       created a temporary table that the statement reads: the master;</li>
 *   <li>reads of what a server knows of its sessions and counters (PERFORMANCE_SCHEMA, sys,
 *       INFORMATION_SCHEMA.PROCESSLIST, *_STATUS, *_VARIABLES, INNODB_TRX, locks ...): the
 *       master;</li>
 *   <li>what answers about the previous statement ({@code FOUND_ROWS()}, {@code ROW_COUNT()},
 *       {@code SHOW WARNINGS|ERRORS|PROFILE}, {@code GET DIAGNOSTICS}, {@code @@warning_count},
 *       {@code INFORMATION_SCHEMA.OPTIMIZER_TRACE}): where the previous statement went;</li>
 *   <li>statements that are read-only by a real parse (no FOR UPDATE/SHARE, no INTO, only
 *       whitelisted functions), and {@code /* tandem:replica * /}: a replica within the lag
 *       limit (the hint's {@code max_lag}, else the user's, else the global one); with none
 *       eligible, the master;</li>
 *   <li>everything else, including what cannot be parsed: the master.</li>
 * </ol>
 *
 * <p>"The master" is the writer of the moment ({@link WriterRole}), looked up again when the
 * command leaves (a failover may move it meanwhile). While there is no writer (both masters down,
 * failover refused, split brain), writes are refused with the controller's reason and everything
 * that can run on a replica does: reads, session commands (replayed on the writer once there is
 * one again), COM_INIT_DB, COM_PING, COM_STMT_PREPARE.
 *
 * <p>With no eligible replica a read goes to the master, or is refused with
 * ER_OPTION_PREVENTS_STATEMENT when the user's policy says {@code no_replica: error}. With
 * {@code consistency: session} a read routed to a replica first waits there for the session's
 * last write unless the replica is known to have it ({@link SessionWrites}).
 */
public final class ReadWriteSplitRouter implements SessionRouter {

  private final StatementClassifier classifier;
  private final ReplicaChooser replicas;
  /** Stands for the writer role in {@link #choose}: resolved when the route is built. */
  private static final BackendDefinition WRITER = new BackendDefinition("(writer)", "-", 0,
      BackendDefinition.Role.MASTER, 0);

  private final WriterRole writer;
  private final UserRoutePolicy policy;
  private final RoutingCounters counters;
  /** Read-your-writes state; null for eventual consistency. */
  private final SessionWrites writes;

  private boolean inTransaction;
  private boolean autocommit = true;
  private BackendDefinition transactionReplica;
  private boolean tablesLocked;
  private boolean namedLocks;
  private boolean serializable;
  private final Set<String> temporaryTables = new HashSet<>();
  /**
   * Where a user variable last got a value that replaying the statement elsewhere would not
   * reproduce ({@code SELECT … INTO @v}, {@code SET @t = NOW()}, a CALL: the master;
   * {@code GET DIAGNOSTICS @n = NUMBER} after a replica read: that replica): statements reading
   * user variables go there from then on. Null while every assignment was replayed everywhere.
   */
  private BackendDefinition variablesOn;
  /**
   * The session set {@code sql_log_bin = 0}: its writes from then on reach no replica, so its reads
   * go to the master until it sets it back to 1.
   */
  private boolean binaryLogOff;
  /** Where the statement being learned from ran: {@link #WRITER} or a replica. */
  private BackendDefinition learnedOn;
  /**
   * A multi-statement packet changed session state (SET, USE, LOCK TABLES ...) besides other
   * statements: the state of the replica connections cannot be kept in step, so the session stays
   * on the master for the rest of its life.
   */
  private boolean pinnedToMaster;
  private BackendDefinition previous;
  /**
   * The replica the session's last command on a replica ran on (null: none yet): its next read
   * stays there while that replica is about as loaded as the least loaded one
   * ({@link ReplicaChooser#choose}).
   */
  private BackendDefinition lastReplica;
  /** Prepared statements whose classification a session keeps (see {@link #classifyPrepared}). */
  private static final int PREPARED_CACHE = 8;
  private StatementTraits routing;
  /**
   * The classifications of the session's recently executed prepared statements, by the identity of
   * their SQL text (a statement keeps one String for its life): an execution is routed without
   * lexing its text again. Allocated at the first execution.
   */
  private String[] preparedSql;
  private StatementTraits[] preparedTraits;
  private int preparedNext;
  /** The classifications of the session's text {@code PREPARE s FROM '…'} statements, by lower-case name. */
  private final Map<String, StatementTraits> textPrepared = new HashMap<>();

  /** The digest of the statement routed last, or null after another command. */
  private String digest;
  /** The code of the last command routed by {@link #routeCommand(int)} (COM_QUERY for statements). */
  private int lastCommand = CommandCode.QUERY;

  public ReadWriteSplitRouter(StatementClassifier classifier, ReplicaChooser replicas,
      WriterRole writer, UserRoutePolicy policy) {
    this(classifier, replicas, writer, policy, new RoutingCounters());
  }

  public ReadWriteSplitRouter(StatementClassifier classifier, ReplicaChooser replicas,
      WriterRole writer, UserRoutePolicy policy, RoutingCounters counters) {
    this.classifier = classifier;
    this.replicas = replicas;
    this.writer = writer;
    this.policy = policy;
    this.counters = counters;
    this.writes = policy.consistency() == UserRoutePolicy.Consistency.SESSION
        ? new SessionWrites(replicas, counters, policy.consistencyTimeout()) : null;
  }

  @Override
  public Route routeQuery(String sql) {
    StatementTraits t = classifier.classify(sql);
    routing = t;
    digest = t.digest();
    lastCommand = CommandCode.QUERY;
    return routeTo(choose(t), isSessionCommand(t));
  }

  /**
   * The route to {@code target} (counted as outstanding there), with read-your-writes' wait when
   * it is a replica that may lack the session's writes; null {@code target}: no replica for a read
   * and the policy says so, the client gets an error.
   */
  private Route routeTo(BackendDefinition target, boolean sessionCommand) {
    if (target == null) {
      routing = null;
      counters.noReplica(true);
      return Route.refused("The proxy is running with no_replica=error so it cannot execute this statement:"
          + " no replica within the replication lag limit");
    }
    if (target == WRITER) {
      Route route = Route.toWriter(writer.state(), sessionCommand);
      if (route.backend() != null) {
        replicas.started(route.backend());
      }
      return route;
    }
    replicas.started(target);
    return new Route(target, sessionCommand, writes != null && writes.mustAwait(target));
  }

  /** A writer takes writes now, or will once the switch under way ends. */
  private boolean writerAvailable() {
    WriterRole.State w = writer.state();
    return w.writer() != null || w.switching();
  }

  /** While there is no writer: a replica for what can run there, else the writer (which refuses). */
  private BackendDefinition writerOrReplica() {
    if (writerAvailable()) {
      return WRITER;
    }
    BackendDefinition replica = replicas.choose(policy.maxReplicationLag(), lastReplica);
    return replica != null ? replica : WRITER;
  }

  /**
   * An eligible replica within the lag limit; with none, the master (counted), or null when the
   * policy refuses such reads. A session whose last write position is unknown reads on the master.
   */
  private BackendDefinition replicaOrMaster(RoutingHint hint) {
    if (writes != null && writes.mustAvoidReplicas() && writerAvailable()) {
      return WRITER;
    }
    BackendDefinition replica = replicas.choose(maxLag(hint), lastReplica);
    if (replica != null) {
      return replica;
    }
    if (policy.noReplica() == UserRoutePolicy.NoReplica.ERROR) {
      return null;
    }
    counters.noReplica(false);
    return WRITER;
  }

  private BackendDefinition choose(StatementTraits t) {
    RoutingHint hint = t.hint();
    if (policy.route() == UserRoutePolicy.DefaultRoute.MASTER || pinnedToMaster || (hint != null && hint.master())) {
      return WRITER;
    }
    StatementKind kind = t.kind();
    if (transactionReplica != null) {
      return transactionReplica; // a read-only transaction stays on its replica until it ends
    }
    if (kind == StatementKind.BEGIN_READ_ONLY && !inTransaction && autocommit) {
      BackendDefinition replica = replicaOrMaster(hint);
      if (replica != null && replica != WRITER) {
        transactionReplica = replica;
      }
      return replica;
    }
    if (inTransaction || !autocommit || kind == StatementKind.BEGIN) {
      return WRITER;
    }
    if (isSessionCommand(t)) {
      return writerOrReplica();
    }
    StatementTraits run = executed(t);
    if (previous != null && (run.followsPrevious() || run.readsOptimizerTrace()) && run.onlyAsks()) {
      // a write that asks about the previous statement (CREATE TABLE … SELECT ROW_COUNT()) still goes to the master
      return previous.role() == BackendDefinition.Role.REPLICA ? previous : WRITER;
    }
    if (tablesLocked || namedLocks || serializable || binaryLogOff || t.unparsed() || !t.readOnly()
        || (variablesOn == WRITER && t.readsUserVariables()) || t.readsServerRuntime()) {
      return WRITER;
    }
    if (variablesOn != null && t.readsUserVariables()) {
      return variablesOn; // the replica where GET DIAGNOSTICS assigned them
    }
    if (!temporaryTables.isEmpty() && readsTemporaryTable(t)) {
      return WRITER;
    }
    return replicaOrMaster(hint);
  }

  private Duration maxLag(RoutingHint hint) {
    if (hint != null && hint.maxLag() != null) {
      return hint.maxLag();
    }
    return policy.maxReplicationLag();
  }

  /**
   * What a text {@code EXECUTE s} / {@code EXECUTE IMMEDIATE '…'} runs, classified, when the
   * session prepared it from a literal; else {@code t} itself.
   */
  private StatementTraits executed(StatementTraits t) {
    if (t.kind() != StatementKind.EXECUTE) {
      return t;
    }
    if (t.preparedText() != null) {
      return classifier.classify(t.preparedText());
    }
    StatementTraits prepared = t.statementName() == null ? null
        : textPrepared.get(t.statementName().toLowerCase(Locale.ROOT));
    return prepared != null ? prepared : t;
  }

  private boolean readsTemporaryTable(StatementTraits t) {
    for (String table : t.tables()) {
      if (temporaryTables.contains(unqualified(table))) {
        return true;
      }
    }
    return false;
  }

  /** A table name as temporary tables are compared: lower case, no backticks, no schema. */
  private static String unqualified(String table) {
    String name = TableNames.normalized(table);
    return name.substring(name.lastIndexOf('.') + 1);
  }

  /**
   * Changes session state every backend connection must share: SET, USE, PREPARE, and user
   * variable assignments whose replay gives the same value ({@code SELECT … INTO @v} is not
   * replayed: the variable's readers go to the master instead). A multi-statement packet is never
   * replayed (it may write); one that changes session state pins the session to the master.
   */
  private static boolean isSessionCommand(StatementTraits t) {
    if (t.multiStatement()) {
      return false;
    }
    return switch (t.kind()) {
      case SET, USE, PREPARE, DEALLOCATE -> true;
      default -> t.writesUserVariables() && t.replayable();
    };
  }

  /** Whether a statement changes state the replica connections would need: session commands, locks, temporary tables. */
  private static boolean changesSessionState(StatementTraits t) {
    return t.kind().isSessionCommand() || t.writesUserVariables() || t.kind() == StatementKind.LOCK_TABLES
        || t.createsTemporaryTable() || t.usesLockFunction() || t.serializable();
  }

  @Override
  public Route routeExecute(String sql) {
    StatementTraits t = classifyPrepared(sql);
    routing = t;
    digest = t.digest();
    lastCommand = CommandCode.STMT_EXECUTE;
    // a prepared SET/USE changes the state of the connection it runs on only: keep it on the master
    return routeTo(t.kind().isSessionCommand() || t.multiStatement() ? WRITER : choose(t), false);
  }

  @Override
  public Route toMaster(Route route) {
    if (route.backend() != null) {
      replicas.finished(route.backend());
    }
    Route toWriter = Route.toWriter(writer.state(), route.sessionCommand());
    if (toWriter.backend() != null) {
      replicas.started(toWriter.backend());
    }
    return toWriter;
  }

  @Override
  public Route routeCommand(int commandCode) {
    routing = null;
    digest = null;
    lastCommand = commandCode;
    // COM_STMT_PREPARE (a copy is made on a replica when an execution goes there), executions
    // that need the preparing connection, COM_FIELD_LIST, COM_INIT_DB and the rest: the master,
    // or while there is none, a replica
    BackendDefinition target = writerOrReplica();
    return routeTo(target, false);
  }

  private StatementTraits classifyPrepared(String sql) {
    if (preparedSql == null) {
      preparedSql = new String[PREPARED_CACHE];
      preparedTraits = new StatementTraits[PREPARED_CACHE];
    }
    for (int i = 0; i < PREPARED_CACHE; i++) {
      if (preparedSql[i] == sql) {
        return preparedTraits[i];
      }
    }
    StatementTraits t = classifier.classify(sql);
    preparedSql[preparedNext] = sql;
    preparedTraits[preparedNext] = t;
    preparedNext = (preparedNext + 1) % PREPARED_CACHE;
    return t;
  }

  @Override
  public String digest() {
    return digest;
  }

  @Override
  public BackendDefinition readTarget() {
    return replicas.choose(policy.maxReplicationLag(), null);
  }

  @Override
  public void transactionLost() {
    inTransaction = false;
    transactionReplica = null;
  }

  @Override
  public void completed(Route route, int serverStatus, boolean failed) {
    StatementTraits t = routing;
    routing = null;
    if (route.backend() == null) {
      return; // refused: ran nowhere
    }
    replicas.finished(route.backend());
    counters.ran(route.backend());
    previous = route.backend(); // where it finally ran (a read-your-writes wait may have moved it)
    if (previous.role() == BackendDefinition.Role.REPLICA) {
      lastReplica = previous;
    }
    // a replica is never the writer (failover promotes masters only): no look at the writer's name
    boolean onWriter = route.toWriter()
        || (route.backend().role() != BackendDefinition.Role.REPLICA && writer.isWriter(route.backend()));
    if (t != null && t.kind() == StatementKind.BEGIN_READ_ONLY && (failed || onWriter)) {
      transactionReplica = null;
    }
    if (failed) {
      return;
    }
    if (t != null) {
      learnedOn = onWriter ? WRITER : route.backend();
      learn(t);
    }
    inTransaction = (serverStatus & ServerStatus.IN_TRANS) != 0;
    autocommit = (serverStatus & ServerStatus.AUTOCOMMIT) != 0;
    if (!inTransaction) {
      transactionReplica = null;
    }
    if (writes != null) {
      if (onWriter && mayWrite(t, lastCommand)) {
        writes.wrote(inTransaction);
      } else {
        writes.ended(inTransaction);
      }
    }
  }

  /**
   * Whether a command that succeeded on the master may have written: statements that are not
   * read-only reads, session commands or transaction control; binary-protocol executions of such
   * statements; anything unknown.
   */
  private static boolean mayWrite(StatementTraits t, int commandCode) {
    if (t == null) {
      return commandCode == CommandCode.STMT_EXECUTE || commandCode == CommandCode.QUERY;
    }
    if (t.readOnly() && !t.unparsed()) {
      return false;
    }
    return switch (t.kind()) {
      case SET, SET_TRANSACTION, USE, PREPARE, DEALLOCATE, BEGIN, BEGIN_READ_ONLY, COMMIT, ROLLBACK, SAVEPOINT,
          LOCK_TABLES, UNLOCK_TABLES, KILL -> false;
      default -> true;
    };
  }

  @Override
  public ReadYourWrites readYourWrites() {
    return writes;
  }

  private void learn(StatementTraits t) {
    if (t.multiStatement() && !t.statements().isEmpty()) {
      for (StatementTraits each : t.statements()) {
        pinnedToMaster |= changesSessionState(each);
        learnOne(each);
      }
      return;
    }
    learnOne(t);
  }

  private void learnOne(StatementTraits t) {
    if ((t.writesUserVariables() && !t.replayable()) || t.kind() == StatementKind.CALL) {
      variablesOn = learnedOn; // a procedure may set user variables (OUT parameters, SET @v inside)
    }
    if (t.kind() == StatementKind.PREPARE && t.statementName() != null) {
      String name = t.statementName().toLowerCase(Locale.ROOT);
      if (t.preparedText() != null) {
        textPrepared.put(name, classifier.classify(t.preparedText()));
      } else {
        textPrepared.remove(name); // PREPARE s FROM @v: not known
      }
    } else if (t.kind() == StatementKind.DEALLOCATE && t.statementName() != null) {
      textPrepared.remove(t.statementName().toLowerCase(Locale.ROOT));
    } else if (t.kind() == StatementKind.EXECUTE) {
      StatementTraits run = executed(t);
      if (run == t || run.writesUserVariables()) {
        variablesOn = learnedOn; // it ran there only, and may have assigned user variables
      }
      if (run == t || run.kind().isSessionCommand() || run.multiStatement()) {
        pinnedToMaster = true; // a prepared SET changed the master connection only
      }
      if (run != t) {
        learnOne(run); // its locks, temporary tables ...
      }
    }
    switch (t.kind()) {
      case LOCK_TABLES -> tablesLocked = true;
      case UNLOCK_TABLES -> tablesLocked = false;
      default -> { }
    }
    if (t.usesLockFunction()) {
      namedLocks = true;
    }
    if (t.binaryLog() != null) {
      binaryLogOff = !t.binaryLog();
    }
    if (t.serializable()) {
      serializable = true;
    }
    if (t.createsTemporaryTable() && t.temporaryTable() != null) {
      temporaryTables.add(unqualified(t.temporaryTable()));
    }
  }

  @Override
  public void closed() {
    temporaryTables.clear();
  }
}
