package io.tandem.router.split;

import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.protocol.ServerStatus;
import io.tandem.proxy.route.Route;
import io.tandem.proxy.route.SessionRouter;
import io.tandem.router.classify.RoutingHint;
import io.tandem.router.classify.StatementClassifier;
import io.tandem.router.classify.StatementKind;
import io.tandem.router.classify.StatementTraits;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
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
 *   <li>while the session holds LOCK TABLES or a GET_LOCK lock, uses SERIALIZABLE, or after it
 *       created a temporary table that the statement reads: the master;</li>
 *   <li>{@code FOUND_ROWS()}: where the previous statement went;</li>
 *   <li>statements that are read-only by a real parse (no FOR UPDATE/SHARE, no INTO, only
 *       whitelisted functions), and {@code /* tandem:replica * /}: a replica within the lag
 *       limit (the hint's {@code max_lag}, else the user's, else the global one); with none
 *       eligible, the master;</li>
 *   <li>everything else, including what cannot be parsed: the master.</li>
 * </ol>
 */
public final class ReadWriteSplitRouter implements SessionRouter {

  private final StatementClassifier classifier;
  private final ReplicaChooser replicas;
  private final BackendDefinition master;
  private final UserRoutePolicy policy;

  private boolean inTransaction;
  private boolean autocommit = true;
  private BackendDefinition transactionReplica;
  private boolean tablesLocked;
  private boolean namedLocks;
  private boolean serializable;
  private final Set<String> temporaryTables = new HashSet<>();
  private BackendDefinition previous;
  private StatementTraits routing;

  public ReadWriteSplitRouter(StatementClassifier classifier, ReplicaChooser replicas,
      BackendDefinition master, UserRoutePolicy policy) {
    this.classifier = classifier;
    this.replicas = replicas;
    this.master = master;
    this.policy = policy;
  }

  @Override
  public Route routeQuery(String sql) {
    StatementTraits t = classifier.classify(sql);
    routing = t;
    BackendDefinition target = choose(t);
    previous = target;
    replicas.started(target);
    return new Route(target, isSessionCommand(t));
  }

  private BackendDefinition choose(StatementTraits t) {
    RoutingHint hint = t.hint();
    if (policy.route() == UserRoutePolicy.DefaultRoute.MASTER || (hint != null && hint.master())) {
      return master;
    }
    StatementKind kind = t.kind();
    if (transactionReplica != null) {
      return transactionReplica; // a read-only transaction stays on its replica until it ends
    }
    if (kind == StatementKind.BEGIN_READ_ONLY && !inTransaction && autocommit) {
      BackendDefinition replica = replicas.choose(maxLag(hint));
      if (replica != null) {
        transactionReplica = replica;
        return replica;
      }
      return master;
    }
    if (inTransaction || !autocommit || kind == StatementKind.BEGIN) {
      return master;
    }
    if (isSessionCommand(t)) {
      return master;
    }
    if (t.foundRows() && previous != null) {
      return previous;
    }
    if (tablesLocked || namedLocks || serializable || t.unparsed() || !t.readOnly()) {
      return master;
    }
    if (!temporaryTables.isEmpty() && readsTemporaryTable(t)) {
      return master;
    }
    BackendDefinition replica = replicas.choose(maxLag(hint));
    return replica != null ? replica : master;
  }

  private Duration maxLag(RoutingHint hint) {
    if (hint != null && hint.maxLag() != null) {
      return hint.maxLag();
    }
    return policy.maxReplicationLag();
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
    String name = table.toLowerCase(Locale.ROOT).replace("`", "");
    return name.substring(name.lastIndexOf('.') + 1);
  }

  /** Changes session state every backend connection must share: SET, USE, PREPARE, user variables. */
  private static boolean isSessionCommand(StatementTraits t) {
    return switch (t.kind()) {
      case SET, USE, PREPARE, DEALLOCATE -> true;
      default -> t.writesUserVariables();
    };
  }

  @Override
  public Route routeCommand(int commandCode) {
    routing = null;
    // binary prepared statements, COM_FIELD_LIST, COM_INIT_DB and the rest run on the master for now
    BackendDefinition target = master;
    previous = target;
    replicas.started(target);
    return Route.to(target);
  }

  @Override
  public void completed(Route route, int serverStatus, boolean failed) {
    replicas.finished(route.backend());
    StatementTraits t = routing;
    routing = null;
    if (failed) {
      if (t != null && t.kind() == StatementKind.BEGIN_READ_ONLY) {
        transactionReplica = null;
      }
      return;
    }
    if (t != null) {
      learn(t);
    }
    inTransaction = (serverStatus & ServerStatus.IN_TRANS) != 0;
    autocommit = (serverStatus & ServerStatus.AUTOCOMMIT) != 0;
    if (!inTransaction) {
      transactionReplica = null;
    }
  }

  private void learn(StatementTraits t) {
    switch (t.kind()) {
      case LOCK_TABLES -> tablesLocked = true;
      case UNLOCK_TABLES -> tablesLocked = false;
      default -> { }
    }
    if (t.usesLockFunction()) {
      namedLocks = true;
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
