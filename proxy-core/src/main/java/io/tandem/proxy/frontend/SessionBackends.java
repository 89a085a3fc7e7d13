package io.tandem.proxy.frontend;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.tandem.proxy.backend.BackendConnection;
import io.tandem.proxy.backend.BackendCredentials;
import io.tandem.proxy.backend.BackendPool;
import io.tandem.proxy.backend.PoolKey;
import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.metrics.ProxyMetrics;
import io.tandem.proxy.protocol.Capabilities;
import io.tandem.proxy.protocol.CommandCode;
import io.tandem.proxy.session.SessionState;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backend connections of one client session, at most one per backend, taken from the event
 * loop's pool and given back to it. A connection joins the session brought to the state snapshot
 * ({@link SessionState#replayStatements()}); session commands that succeed later on one
 * connection are kept in order in a history, and the others run what they missed on their next
 * use ({@link #catchUp}). Used on the session's event loop only.
 */
final class SessionBackends {

  private static final Logger log = LoggerFactory.getLogger(SessionBackends.class);

  private final BackendPool pool;
  private final EventLoop loop;
  /** The client connection's id, for the log. */
  private final long connectionId;
  /** The client's capabilities; those that shape a session are part of the pool key. */
  private final int capabilities;
  /** Who the connections log in as (replaced on COM_CHANGE_USER). */
  private BackendCredentials credentials;
  /** The session's state, which a joining connection is brought to (replaced on COM_CHANGE_USER). */
  private SessionState state;
  /** This session's backend connections, by backend name. */
  private final Map<String, BackendConnection> connections = new HashMap<>();
  /** The connection running (or that last ran) a command. */
  private BackendConnection current;
  /** Session commands in the order they succeeded; connections catch up lazily. */
  private final List<SessionCommand> history = new ArrayList<>();
  /** For connections that joined with the state snapshot: history entries before this index that the snapshot covers are skipped. */
  private final Map<BackendConnection, Integer> joinedAt = new IdentityHashMap<>();
  /** The session has ended; connections still arriving go back to the pool. */
  private boolean closed;
  /** Session commands in {@link #history} that the state snapshot does not hold (a new connection replays the history). */
  private int untracked;
  /** The connection the session gave back last, by backend name: taken again first, with all it had, if nobody took it since. */
  private final Map<String, BackendConnection> parked = new HashMap<>();
  private final ProxyMetrics metrics;

  SessionBackends(BackendPool pool, EventLoop loop, long connectionId, int capabilities,
      BackendCredentials credentials, SessionState state, ProxyMetrics metrics) {
    this.metrics = metrics;
    this.pool = pool;
    this.loop = loop;
    this.connectionId = connectionId;
    this.capabilities = capabilities;
    this.credentials = credentials;
    this.state = state;
  }

  /** The connection running (or that last ran) a command, or null. */
  BackendConnection current() {
    return current;
  }

  /** The names of the backends the session holds a connection to, sorted. */
  java.util.List<String> backendNames() {
    return connections.keySet().stream().sorted().toList();
  }

  /** {@code c} runs the session's next command. */
  void use(BackendConnection c) {
    current = c;
  }

  /** The session's connection to {@code backend}, open or not, or null. */
  BackendConnection connection(BackendDefinition backend) {
    return connections.get(backend.name());
  }

  /** Whether {@code c} is still the session's connection to its backend. */
  boolean holds(BackendConnection c) {
    return connections.get(c.backend().name()) == c;
  }

  /**
   * A connection that was brought to the state snapshot joins the session and becomes the current
   * one: it still needs the session commands the snapshot does not cover (e.g.
   * {@code SELECT ... INTO @var}).
   */
  void adopt(BackendConnection c) {
    c.historyApplied(0);
    joinedAt.put(c, history.size());
    connections.put(c.backend().name(), c);
    current = c;
  }

  /**
   * The session is in no schema any more (it dropped its schema, which the server left on
   * {@code current} only): its other connections, still in that schema, go back to the pool, and
   * the next command takes one in no schema.
   */
  void schemaLeft(BackendConnection current) {
    for (Iterator<BackendConnection> it = connections.values().iterator(); it.hasNext(); ) {
      BackendConnection c = it.next();
      if (c != current) {
        it.remove();
        joinedAt.remove(c);
        pool.release(c);
      }
    }
  }

  /** {@code c} was found closed between commands: the session forgets it. */
  void lost(BackendConnection c) {
    forget(c);
  }

  /** The current connection was lost during a command: the session forgets it. Returns it, or null. */
  BackendConnection currentLost() {
    BackendConnection lost = current;
    current = null;
    if (lost != null) {
      forget(lost);
    }
    return lost;
  }

  private void forget(BackendConnection c) {
    connections.remove(c.backend().name(), c);
    joinedAt.remove(c);
    if (current == c) {
      current = null;
    }
  }

  /**
   * A session command ({@code sql}) succeeded on the current connection; the others run it on
   * their next use, unless {@code inSnapshot} and they joined with the state snapshot after it.
   */
  void sessionCommand(String sql, boolean inSnapshot) {
    history.add(new SessionCommand(sql, inSnapshot));
    if (!inSnapshot) {
      untracked++;
    }
    current.historyApplied(history.size());
  }

  /**
   * Whether {@code c} has run every session command it needs (the ones the state it was brought to
   * covers are skipped here): then {@link #catchUp} has nothing to run.
   */
  boolean caughtUp(BackendConnection c) {
    if (c.historyApplied() >= history.size()) {
      return true;
    }
    int joined = joinedAt.getOrDefault(c, 0);
    while (c.historyApplied() < history.size() && c.historyApplied() < joined
        && history.get(c.historyApplied()).inSnapshot()) {
      c.historyApplied(c.historyApplied() + 1);
    }
    return c.historyApplied() >= history.size();
  }

  /**
   * Runs on {@code c} the session commands it missed; {@code done} then learns true. A connection
   * that cannot follow the session is closed and forgotten, and {@code done} learns false — as it
   * does, with nothing else done, when the session closed meanwhile.
   */
  void catchUp(BackendConnection c, Consumer<Boolean> done) {
    if (caughtUp(c)) {
      done.accept(true);
      return;
    }
    String next = history.get(c.historyApplied()).sql();
    c.query(next).addListener(f -> {
      if (closed) {
        done.accept(false);
        return;
      }
      if (f.isSuccess() && f.getNow() == null) {
        c.historyApplied(c.historyApplied() + 1);
        catchUp(c, done);
        return;
      }
      // the connection cannot follow the session: drop it and start afresh
      log.info("client {}: backend {} could not replay a session command ({}); reconnecting", connectionId, c,
          f.isSuccess() ? f.getNow() : f.cause().toString());
      forget(c);
      c.close();
      done.accept(false);
    });
  }

  /**
   * A backend connection brought to this session's state: one left in it by a session in the same
   * state (this one most likely), or a fresh one (pooled or new) to which the state is replayed.
   */
  Future<BackendConnection> acquire(BackendDefinition target) {
    Promise<BackendConnection> ready = loop.newPromise();
    String wanted = state.key();
    // a schema named outside ASCII is entered after the replay, in the character set the session
    // set (SET NAMES koi8r; USE <koi8r name>): the server reads COM_INIT_DB in the connection's
    // character set
    String schema = state.schema();
    boolean schemaLast = schema != null && !isAscii(schema);
    pool.acquire(target, credentials, poolKey(target), schemaLast ? null : schema, wanted, connectionId)
        .addListener(f -> {
          if (!f.isSuccess()) {
            ready.setFailure(f.cause());
            return;
          }
          BackendConnection c = (BackendConnection) f.getNow();
          Promise<BackendConnection> inState = schemaLast ? loop.newPromise() : ready;
          if (wanted != null && wanted.equals(c.state())) {
            inState.setSuccess(c);
          } else {
            if (wanted != null) {
              metrics.stateReplayed();
            }
            replay(c, state.replayStatements().iterator(), inState);
          }
          if (schemaLast) {
            inState.addListener(r -> enterSchema(r, schema, ready));
          }
        });
    return ready;
  }

  /** After the replay: COM_INIT_DB {@code schema} on the connection {@code replayed} brought, then {@code ready}. */
  private void enterSchema(Future<?> replayed, String schema, Promise<BackendConnection> ready) {
    if (!replayed.isSuccess()) {
      ready.setFailure(replayed.cause());
      return;
    }
    BackendConnection c = (BackendConnection) replayed.getNow();
    c.execute(CommandCode.INIT_DB, schema.getBytes(StandardCharsets.ISO_8859_1)).addListener(f -> {
      if (f.isSuccess() && f.getNow() == null) {
        c.schema(schema);
        ready.setSuccess(c);
      } else {
        c.close();
        ready.setFailure(f.isSuccess() ? new StateReplayException(c.backend().name(), String.valueOf(f.getNow()))
            : f.cause());
      }
    });
  }

  private static boolean isAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  /**
   * The connection to {@code target} the session gave back last, taken again (with the answers
   * to LAST_INSERT_ID(), FOUND_ROWS(), SHOW WARNINGS it holds) when it is still idle in the pool
   * in the session's state and nobody took it since; else null.
   */
  BackendConnection reclaim(BackendDefinition target) {
    BackendConnection c = parked.get(target.name());
    if (c == null || !pool.reclaim(c, poolKey(target), state.schema(), state.key(), connectionId)) {
      return null;
    }
    return c;
  }

  /** The session holds a connection to some backend. */
  boolean holdsAny() {
    return !connections.isEmpty();
  }

  /** A session command the state snapshot does not hold was run: a new connection could not be brought to the session's state. */
  boolean untrackedHistory() {
    return untracked > 0;
  }

  /**
   * Between two commands, with nothing tying the session to its connections: they go back to the
   * pool as they are, in the session's state, and the session's next command takes one again
   * (this one, if nobody took it meanwhile).
   */
  void park() {
    String key = state.key();
    for (BackendConnection c : connections.values()) {
      parked.put(c.backend().name(), c);
      pool.park(c, key);
    }
    connections.clear();
    joinedAt.clear();
    history.clear();
    current = null;
  }

  private void replay(BackendConnection c, Iterator<String> statements, Promise<BackendConnection> ready) {
    if (!statements.hasNext()) {
      if (state.multiStatements() != null) {
        byte[] option = {(byte) (state.multiStatements() ? 0 : 1), 0};
        c.execute(CommandCode.SET_OPTION, option).addListener(f -> finishReplay(c, f, ready, null));
        return;
      }
      ready.setSuccess(c);
      return;
    }
    c.query(statements.next()).addListener(f -> finishReplay(c, f, ready, statements));
  }

  private void finishReplay(BackendConnection c, Future<?> f, Promise<BackendConnection> ready,
      Iterator<String> statements) {
    if (!f.isSuccess() || f.getNow() != null) {
      c.close();
      ready.setFailure(f.isSuccess() ? new StateReplayException(c.backend().name(), String.valueOf(f.getNow()))
          : f.cause());
    } else if (statements == null) {
      ready.setSuccess(c);
    } else {
      replay(c, statements, ready);
    }
  }

  /**
   * A connection to {@code target} for a statement outside the session (KILL): same user and
   * pool as the session's, in no schema, not brought to the session's state. Give it back with
   * {@link #release}.
   */
  Future<BackendConnection> acquireSide(BackendDefinition target) {
    return pool.acquire(target, credentials, poolKey(target), null);
  }

  /**
   * Gives back a connection that only checked the login's schema, when the session's state needs
   * nothing replayed: it is pooled without a reset, and the session takes one (most likely the
   * same) for its first command. An idle client holds no server connection.
   */
  boolean releaseIfStateless(BackendConnection c) {
    if (state.key() != null) {
      return false; // there is state to keep on it
    }
    pool.releaseUnused(c);
    return true;
  }

  /** Gives back a connection from {@link #acquireSide} that only read (no state left on it): pooled as it is. */
  void releaseSide(BackendConnection c) {
    pool.releaseUnused(c);
  }

  /** Gives a connection that is not (or no longer) the session's back to the pool. */
  void release(BackendConnection c) {
    pool.release(c);
  }

  private PoolKey poolKey(BackendDefinition target) {
    return new PoolKey(target.name(), credentials.user(), capabilities & Capabilities.SESSION_SHAPING,
        state.collationId());
  }

  /**
   * COM_CHANGE_USER succeeded: every connection goes back to the pool and the history starts
   * over; later connections log in with {@code credentials} and are brought to {@code state}.
   */
  void userChanged(BackendCredentials credentials, SessionState state) {
    connections.values().forEach(pool::release);
    connections.clear();
    joinedAt.clear();
    history.clear();
    untracked = 0;
    parked.clear();
    current = null;
    this.credentials = credentials;
    this.state = state;
  }

  /**
   * The session ends: idle connections go back to the pool; busy ones, and the current one when
   * {@code infileRunning} (its LOCAL INFILE data stops halfway), are closed.
   */
  void close(boolean infileRunning) {
    closed = true;
    for (BackendConnection c : connections.values()) {
      if (c.busy() || (infileRunning && c == current)) {
        c.close();
      } else {
        pool.release(c);
      }
    }
    connections.clear();
    joinedAt.clear();
    parked.clear();
    current = null;
  }

  /**
   * Closes the session's connection to the backend named {@code backend}, if it has one (the
   * writer is being fenced). A busy one fails its command; an idle one is found closed at its next
   * use and replaced.
   */
  void closeTo(String backend) {
    BackendConnection c = connections.get(backend);
    if (c != null) {
      c.close();
    }
  }

  /** A session command that succeeded, and whether the state snapshot already covers it. */
  private record SessionCommand(String sql, boolean inSnapshot) {}
}
