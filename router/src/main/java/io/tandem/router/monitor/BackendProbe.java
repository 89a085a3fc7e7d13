package io.tandem.router.monitor;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.tandem.proxy.backend.BackendConnection;
import io.tandem.proxy.backend.BackendConnector;
import io.tandem.proxy.backend.BackendException;
import io.tandem.proxy.backend.PoolKey;
import io.tandem.proxy.backend.RowCollector;
import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.config.BackendDefinition.Role;
import io.tandem.proxy.protocol.Packets;
import io.tandem.proxy.session.GtidPosition;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitor's connection to one backend and what it last learned there. Lives on the
 * monitor's event loop and is touched only from it: no locks, and nothing here blocks (every
 * query is asynchronous and bounded by a timeout that closes the connection).
 *
 * <p>Per tick, depending on the backend's live role: the active master gets the heartbeat
 * written; a replica or standby master is asked for its replication status and then for the
 * replicated heartbeat. A tick that finds the previous check still running does nothing.
 */
final class BackendProbe {

  private static final Logger log = LoggerFactory.getLogger(ReplicaMonitor.class);
  /** utf8mb4_general_ci: known to MariaDB and MySQL alike. */
  private static final int COLLATION = 45;
  private static final int ER_PARSE_ERROR = 1064;
  private static final String NO_HEARTBEAT = "no heartbeat replicated yet";

  private final BackendDefinition backend;
  private final EventLoop loop;
  private final BackendConnector connector;
  private final MonitorSettings settings;
  private final Runnable onUpdate;
  private final Supplier<Duration> heartbeatSilence;
  private final PoolKey key;

  private BackendConnection connection;
  private boolean connecting;
  private boolean running;
  private boolean closed;
  private long nextConnectNanos;
  private long backoffNanos;
  private boolean sessionReady;
  private boolean heartbeatTableReady;
  /** {@code SHOW REPLICA STATUS} (MySQL 8) rather than {@code SHOW SLAVE STATUS}. */
  private boolean replicaSyntax;
  private boolean syntaxChosen;

  private BackendStatus status;
  private String state;
  private boolean everEligible;
  /** Told each logged state change (the health history operators see). */
  private final Consumer<String> transitions;

  BackendProbe(BackendDefinition backend, EventLoop loop, BackendConnector connector, MonitorSettings settings,
      Runnable onUpdate, Supplier<Duration> heartbeatSilence, Consumer<String> transitions) {
    this.heartbeatSilence = heartbeatSilence;
    this.transitions = transitions;
    this.backend = backend;
    this.loop = loop;
    this.connector = connector;
    this.settings = settings;
    this.onUpdate = onUpdate;
    this.key = new PoolKey(backend.name(), settings.credentials().user(), 0, COLLATION);
    this.status = BackendStatus.unknown(backend, backend.role());
    this.backoffNanos = settings.interval().toNanos();
  }

  BackendDefinition backend() {
    return backend;
  }

  /** The latest status (for the role it had when last checked). */
  BackendStatus status(Role role) {
    if (status.role() != role) {
      // the role changed (failover): keep what is known, re-evaluated for the new role
      return withRole(status, role);
    }
    return status;
  }

  void tick(Role role) {
    if (closed || running || connecting) {
      return;
    }
    if (connection == null || !connection.isOpen()) {
      connection = null;
      if (System.nanoTime() - nextConnectNanos >= 0) {
        connect(role);
      }
      return;
    }
    check(connection, role);
  }

  void close() {
    closed = true;
    if (connection != null) {
      connection.close();
      connection = null;
    }
  }

  // --- connecting -------------------------------------------------------------------------

  private void connect(Role role) {
    connecting = true;
    Future<BackendConnection> f = connector.connect(loop, backend, settings.credentials(), key, null);
    f.addListener(done -> {
      connecting = false;
      if (closed) {
        if (done.isSuccess()) {
          f.getNow().close();
        }
        return;
      }
      if (!done.isSuccess()) {
        nextConnectNanos = System.nanoTime() + backoffNanos;
        backoffNanos = Math.min(backoffNanos * 2, settings.maxBackoff().toNanos());
        unreachable(role, done.cause());
        return;
      }
      connection = f.getNow();
      if (!syntaxChosen) {
        replicaSyntax = ReplicationStatus.prefersReplicaSyntax(connection.serverVersion());
        syntaxChosen = true;
      }
      backoffNanos = settings.interval().toNanos();
      sessionReady = false;
      heartbeatTableReady = false;
      check(connection, role); // check right away rather than one interval later
    });
  }

  // --- one check --------------------------------------------------------------------------

  private void check(BackendConnection c, Role role) {
    running = true;
    CompletableFuture<Void> ready = sessionReady ? CompletableFuture.completedFuture(null)
        // both sides of TIMESTAMPDIFF in UTC: no daylight-saving jumps inside the difference
        : query(c, "SET SESSION time_zone = '+00:00'", settings.queryTimeout()).thenRun(() -> sessionReady = true);
    if (role == Role.MASTER) {
      // the facts first (quick), then the writer probe, which may wait for semisync acks
      ready.thenCompose(v -> facts(c)).whenComplete((f, e) -> guarded(c, () -> {
        if (e != null) {
          masterChecked(c, e, null);
          return;
        }
        writeHeartbeat(c).whenComplete((v, e2) -> guarded(c, () -> masterChecked(c, e2, f)));
      }));
    } else {
      ready.thenCompose(v -> replicationStatus(c, false)).whenComplete((st, e) -> guarded(c, () -> {
        if (e != null) {
          replicaChecked(c, role, null, null, null, e, "replication status", null);
          return;
        }
        timed(c, RowCollector.query(c, "SELECT TIMESTAMPDIFF(MICROSECOND, ts, NOW(6)), "
            + appliedPositionVariable(c) + " FROM " + settings.heartbeatTableName() + " WHERE id = 1"),
            settings.queryTimeout())
            .whenComplete((rows, e2) -> guarded(c, () -> {
              CompletableFuture<ServerFacts> facts = backend.role() == Role.REPLICA
                  ? CompletableFuture.completedFuture(null) : facts(c);
              facts.whenComplete((f, e3) -> guarded(c, () -> replicaChecked(c, role, st,
                  e2 == null ? sinceLastHeartbeat(lagOf(rows)) : null, e2 == null ? appliedOf(rows) : null, e2 != null ? e2 : e3,
                  e2 != null ? "heartbeat" : "server facts", f)));
            }));
      }));
    }
  }

  /** read_only, semisync and the binary log position of a master or standby ({@link ServerFacts}). */
  private CompletableFuture<ServerFacts> facts(BackendConnection c) {
    return timed(c, RowCollector.query(c, ServerFacts.VARIABLES_QUERY), settings.queryTimeout())
        .thenCompose(variables -> timed(c, RowCollector.query(c, ServerFacts.STATUS_QUERY), settings.queryTimeout())
            .thenApply(status -> ServerFacts.parse(variables.rows(), status.rows())));
  }

  /** Runs the end of a check; a bug in it must not leave the probe marked running forever. */
  private void guarded(BackendConnection c, Runnable step) {
    try {
      step.run();
    } catch (RuntimeException bug) {
      running = false;
      log.error("{}: monitor check failed", backend.name(), bug);
      dropConnection(c);
    }
  }

  private CompletableFuture<Void> writeHeartbeat(BackendConnection c) {
    CompletableFuture<Void> table = heartbeatTableReady ? CompletableFuture.completedFuture(null)
        : query(c, "CREATE TABLE IF NOT EXISTS " + settings.heartbeatTableName()
            + " (id INT PRIMARY KEY, master_server_id INT, ts TIMESTAMP(6) NOT NULL)", settings.queryTimeout())
            .thenRun(() -> heartbeatTableReady = true);
    // NOW(6) is the master's clock at the statement's start; the row replicates (binary log on)
    return table.thenCompose(v -> query(c, "REPLACE INTO " + settings.heartbeatTableName()
        + " (id, master_server_id, ts) VALUES (1, @@server_id, NOW(6))", settings.heartbeatTimeout()));
  }

  private CompletableFuture<ReplicationStatus> replicationStatus(BackendConnection c, boolean retried) {
    String sql = replicaSyntax ? "SHOW REPLICA STATUS" : "SHOW SLAVE STATUS";
    CompletableFuture<ReplicationStatus> result = new CompletableFuture<>();
    timed(c, RowCollector.query(c, sql), settings.queryTimeout()).whenComplete((rows, e) -> {
      Packets.ErrorInfo server = serverError(e);
      if (server != null && server.error().code() == ER_PARSE_ERROR && !retried) {
        replicaSyntax = !replicaSyntax; // MySQL 8.4 has only SHOW REPLICA STATUS; old servers only SLAVE
        replicationStatus(c, true).whenComplete((st, e2) -> complete(result, st, e2));
      } else if (e != null) {
        result.completeExceptionally(unwrap(e));
      } else {
        try {
          result.complete(ReplicationStatus.parse(rows.columns(), rows.rows()));
        } catch (RuntimeException bad) {
          result.completeExceptionally(bad);
        }
      }
    });
    return result;
  }

  // --- results ----------------------------------------------------------------------------

  private void masterChecked(BackendConnection c, Throwable e, ServerFacts facts) {
    running = false;
    if (closed) {
      return;
    }
    if (e == null) {
      status = new BackendStatus(backend, Role.MASTER, true, true, false, false, null, null, true, false, false,
          null, Instant.now(), null, null, facts);
      transition("master", "%s: active master, writing the heartbeat", status.name());
    } else if (serverError(e) != null) {
      String error = "heartbeat write failed: " + serverError(e);
      status = new BackendStatus(backend, Role.MASTER, true, true, false, false, null, null, true, false, false,
          error, status.lastCheck(), null, null, facts);
      transition("master-error", "%s: %s", status.name(), error);
    } else {
      dropConnection(c);
      unreachable(Role.MASTER, e);
      return;
    }
    onUpdate.run();
  }

  private void replicaChecked(BackendConnection c, Role role, ReplicationStatus st, Duration lag,
      GtidPosition applied, Throwable e, String what, ServerFacts facts) {
    running = false;
    if (closed) {
      return;
    }
    Packets.ErrorInfo server = serverError(e);
    if (e != null && server == null && !(unwrap(e) instanceof IllegalArgumentException)) {
      dropConnection(c); // timed out or broken: reconnect
      unreachable(role, e);
      return;
    }
    String problem;
    if (st == null) {
      problem = what + ": " + message(e);
    } else if (st.problem() != null) {
      problem = st.problem();
    } else if (e != null) {
      problem = what + ": " + message(e);
    } else if (lag == null) {
      problem = NO_HEARTBEAT; // the table or row has not reached it yet: normal at start-up
    } else {
      problem = null;
    }
    boolean replicating = st != null && st.problem() == null;
    boolean healthy = replicating;
    boolean lagging = !healthy || ReplicaSelector.lagging(status.lagging(), lag, settings.maxReplicationLag(),
        settings.hysteresis());
    boolean eligible = role == Role.REPLICA && healthy && !lagging;
    String lastError = problem != null ? problem : st.lastError();
    status = new BackendStatus(backend, role, true, true, st != null && st.ioRunning(), st != null && st.sqlRunning(),
        st == null ? null : st.secondsBehindMaster(), lag, healthy, lagging, eligible, lastError, Instant.now(),
        applied, st, facts);
    logReplica(role, problem, lag, eligible);
    onUpdate.run();
  }

  private void unreachable(Role role, Throwable e) {
    running = false;
    String error = message(e);
    status = new BackendStatus(backend, role, true, false, false, false, null, null, false, true, false, error,
        status.lastCheck());
    transition("unreachable", "%s: unreachable: %s", backend.name(), error);
    onUpdate.run();
  }

  private void logReplica(Role role, String problem, Duration lag, boolean eligible) {
    String name = backend.name();
    if (role != Role.REPLICA) {
      if (problem == null) {
        transition("standby", "%s: %s master, replicating (lag %s s)", name, role.name().toLowerCase(),
            Durations.seconds(lag));
      } else {
        transition("standby:" + category(problem), "%s: %s master: %s", name, role.name().toLowerCase(), problem);
      }
      return;
    }
    if (eligible) {
      String again = everEligible ? " again" : "";
      everEligible = true;
      transition("eligible", "%s: eligible%s (lag %s s)", name, again, Durations.seconds(lag));
    } else if (problem != null) {
      transition("problem:" + category(problem), "%s: not eligible (%s)", name, problem);
    } else if (lag.compareTo(settings.maxReplicationLag()) > 0) {
      transition("lagging", "%s: not eligible (lag %s s > %s s)", name, Durations.seconds(lag),
          Durations.seconds(settings.maxReplicationLag()));
    } else {
      transition("lagging", "%s: not eligible (lag %s s, not yet under %s s)", name, Durations.seconds(lag),
          Durations.seconds(ReplicaSelector.scaled(settings.maxReplicationLag(), settings.hysteresis())));
    }
  }

  /** Logs when the state differs from the last one logged: one line per change, nothing per check. */
  private void transition(String newState, String format, Object... args) {
    if (!newState.equals(state)) {
      state = newState;
      String line = String.format(format, args);
      transitions.accept(line);
      if (newState.equals("eligible") || newState.equals("master") || newState.equals("standby")
          || newState.endsWith(":" + NO_HEARTBEAT)) {
        log.info(line);
      } else {
        log.warn(line);
      }
    }
  }

  /** The stable part of a problem text (before the first colon), so changing details do not log again. */
  private static String category(String problem) {
    int colon = problem.indexOf(':');
    return colon < 0 ? problem : problem.substring(0, colon);
  }

  private static BackendStatus withRole(BackendStatus s, Role role) {
    boolean eligible = role == Role.REPLICA && s.healthy() && !s.lagging();
    return new BackendStatus(s.backend(), role, s.checked(), s.reachable(), s.ioRunning(), s.sqlRunning(),
        s.secondsBehindMaster(), role == Role.MASTER ? null : s.lag(), s.healthy(), s.lagging(), eligible,
        s.lastError(), s.lastCheck(), role == Role.MASTER ? null : s.applied(), s.replication(), s.facts());
  }

  // --- helpers ----------------------------------------------------------------------------

  private void dropConnection(BackendConnection c) {
    c.close();
    if (connection == c) {
      connection = null;
    }
  }

  private CompletableFuture<Void> query(BackendConnection c, String sql, Duration timeout) {
    return timed(c, RowCollector.query(c, sql), timeout).thenApply(rows -> null);
  }

  /** Fails {@code q} with a timeout and closes the connection when the answer takes longer than {@code timeout}. */
  private <T> CompletableFuture<T> timed(BackendConnection c, CompletableFuture<T> q, Duration timeout) {
    ScheduledFuture<?> timer = loop.schedule(() -> {
      if (q.completeExceptionally(new TimeoutException("no answer within " + timeout.toMillis() + " ms"))) {
        c.close();
      }
    }, timeout.toNanos(), TimeUnit.NANOSECONDS);
    q.whenComplete((r, e) -> timer.cancel(false));
    return q;
  }

  /** The heartbeat lag from {@code SELECT TIMESTAMPDIFF(...)}: null without a row; never negative. */
  static Duration lagOf(RowCollector.Rows rows) {
    if (rows.isEmpty() || rows.rows().get(0).get(0) == null) {
      return null;
    }
    long micros = Long.parseLong(rows.rows().get(0).get(0).trim());
    // a negative difference means the replica's clock is behind the master's: count it as no lag
    return Duration.ofNanos(Math.max(0, micros) * 1000);
  }

  /**
   * The lag measured against the master's last heartbeat rather than against now: while no
   * heartbeat is being written (the writer is down or being switched), a replica that has the last
   * one is not lagging behind anything that exists.
   */
  private Duration sinceLastHeartbeat(Duration lag) {
    if (lag == null) {
      return null;
    }
    Duration silence = heartbeatSilence.get();
    return silence.isZero() ? lag : lag.minus(silence).isNegative() ? Duration.ZERO : lag.minus(silence);
  }

  /** The session variable holding what a replica has applied, in its server's dialect. */
  private static String appliedPositionVariable(BackendConnection c) {
    return c.isMariadb() ? "@@gtid_slave_pos" : "@@global.gtid_executed";
  }

  /** The applied position from the heartbeat query's second column: null without a row or when unreadable. */
  static GtidPosition appliedOf(RowCollector.Rows rows) {
    if (rows.isEmpty() || rows.columns().size() < 2) {
      return null;
    }
    try {
      return GtidPosition.parse(rows.rows().get(0).get(1));
    } catch (IllegalArgumentException unknown) {
      return null;
    }
  }

  private static Packets.ErrorInfo serverError(Throwable e) {
    return unwrap(e) instanceof BackendException be ? be.serverError() : null;
  }

  private static Throwable unwrap(Throwable e) {
    while (e instanceof CompletionException && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  private static String message(Throwable e) {
    Throwable t = unwrap(e);
    if (t instanceof BackendException be && be.serverError() != null) {
      return be.serverError().toString();
    }
    String m = t.getMessage();
    return m == null ? t.getClass().getSimpleName() : m;
  }

  private static <T> void complete(CompletableFuture<T> f, T value, Throwable e) {
    if (e != null) {
      f.completeExceptionally(unwrap(e));
    } else {
      f.complete(value);
    }
  }
}
