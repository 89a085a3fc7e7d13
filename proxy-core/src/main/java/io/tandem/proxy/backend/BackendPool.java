package io.tandem.proxy.backend;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.config.PoolSettings;
import io.tandem.proxy.protocol.CommandCode;
import io.tandem.proxy.protocol.ErrorCode;
import io.tandem.proxy.protocol.Packets;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Idle backend connections of one event loop, by {@link PoolKey}. Only its event loop touches
 * it, so it needs no locks, and a client always gets a connection on its own thread.
 *
 * <p>A connection comes back three ways: {@link #release} resets it (COM_RESET_CONNECTION: rolls
 * back, drops temporary tables and prepared statements, clears variables) when its session ends;
 * {@link #releaseUnused} pools one that ran nothing; {@link #park} pools one as it is, between two
 * commands of a multiplexing session, labelled with that session's state
 * ({@link BackendConnection#state()}). {@link #acquire} hands out a connection already in the
 * asking session's state (its own last one first), else a fresh one, else one reset from another
 * state; a connection that is busy or broken is closed instead of pooled. One that started (logged
 * in or was reset) before a client changed a global variable ({@link GlobalChanges}) is reset
 * before another session takes it (its own session takes it back as it is, as a server session
 * keeps its values when a global changes).
 *
 * <p>With {@link PoolSettings#maxConnectionsPerBackend()} the pool opens at most its share of that
 * many connections to each backend; past it, requests wait for one to come back or close.
 */
public final class BackendPool {

  private static final Logger log = LoggerFactory.getLogger(BackendPool.class);

  private final EventLoop loop;
  private final BackendConnector connector;
  private final PoolSettings settings;
  private final GlobalChanges globals;
  private final Map<PoolKey, ArrayDeque<BackendConnection>> idle = new HashMap<>();
  /** Connections to each backend (by name) this pool opened that are not closed yet: idle, taken or logging in. */
  private final Map<String, Integer> open = new HashMap<>();
  /** Requests waiting for room under {@link #limit}, by backend name, oldest first. */
  private final Map<String, ArrayDeque<Waiter>> waiting = new HashMap<>();
  /** This loop's share of {@link PoolSettings#maxConnectionsPerBackend()} (0: no limit). */
  private final int limit;

  public BackendPool(EventLoop loop, BackendConnector connector, PoolSettings settings, GlobalChanges globals) {
    this.loop = loop;
    this.connector = connector;
    this.settings = settings;
    this.globals = globals;
    int loops = 0;
    for (Iterator<?> it = loop.parent() == null ? List.of(loop).iterator() : loop.parent().iterator(); it.hasNext(); ) {
      it.next();
      loops++;
    }
    int max = settings.maxConnectionsPerBackend();
    this.limit = max <= 0 ? 0 : Math.max(1, max / Math.max(1, loops));
    long period = Math.max(1000, settings.idleTimeout().toMillis() / 4);
    loop.scheduleAtFixedRate(this::evictIdle, period, period, TimeUnit.MILLISECONDS);
  }

  /**
   * A connection for {@code key} in {@code schema} that is fresh (logged in or reset: no session
   * state on it). A pooled connection in another schema is switched with COM_INIT_DB, one left
   * with a session's state on it is reset first; a new one logs in with the schema.
   */
  public Future<BackendConnection> acquire(BackendDefinition backend, BackendCredentials credentials,
      PoolKey key, String schema) {
    return acquire(backend, credentials, key, schema, null, -1);
  }

  /**
   * A connection for {@code key} in {@code schema}, either already in the session state
   * {@code state} ({@link BackendConnection#state()}; null: fresh) — the caller then has nothing
   * to replay — or fresh, to be brought to it; the newest idle one in that state first. (The
   * connection the session gave back last it takes again with {@link #reclaim} before asking.)
   * Every connection handed out belongs to {@code owner} until it comes back.
   */
  public Future<BackendConnection> acquire(BackendDefinition backend, BackendCredentials credentials,
      PoolKey key, String schema, String state, long owner) {
    Future<BackendConnection> pooled = takeIdle(key, schema, state, owner);
    if (pooled != null) {
      return pooled;
    }
    if (limit > 0 && openTo(backend.name()) >= limit) {
      return await(new Waiter(backend, credentials, key, schema, state, owner, loop.newPromise()));
    }
    return connect(backend, credentials, key, schema, owner);
  }

  /** An idle connection for the request (see {@link #acquire}), made ready; null when there is none. */
  private Future<BackendConnection> takeIdle(PoolKey key, String schema, String state, long owner) {
    ArrayDeque<BackendConnection> queue = idle.get(key);
    if (queue != null && !queue.isEmpty()) {
      BackendConnection found = null;
      BackendConnection fresh = null;
      BackendConnection otherSchema = null;
      BackendConnection otherState = null;
      for (Iterator<BackendConnection> it = queue.iterator(); found == null && it.hasNext(); ) {
        BackendConnection c = it.next();
        if (!c.isOpen()) {
          it.remove();
          c.pooled(false);
        } else if (c.globalsRead() < globals.current()) {
          // started before a global variable changed: reset first, whatever state it is in
          if (otherState == null && (schema != null || c.schema() == null)) {
            otherState = c;
          }
        } else if (inState(c, schema, state)) {
          it.remove();
          found = c;
        } else if (c.state() == null) {
          if (Objects.equals(c.schema(), schema)) {
            fresh = fresh == null ? c : fresh;
          } else if (otherSchema == null && schema != null) {
            otherSchema = c;
          }
        } else if (otherState == null && (schema != null || c.schema() == null)) {
          otherState = c;
        }
      }
      if (found != null) {
        return loop.newSucceededFuture(handOut(found, owner));
      }
      if (fresh != null) {
        queue.remove(fresh);
        return loop.newSucceededFuture(handOut(fresh, owner)); // no state: the caller brings it to its own
      }
      if (otherSchema != null) {
        queue.remove(otherSchema);
        return switchSchema(handOut(otherSchema, owner), schema);
      }
      if (otherState != null) {
        queue.remove(otherState);
        return resetFor(handOut(otherState, owner), schema);
      }
    }
    return null;
  }

  /** Opens a new connection, counted against the backend's limit until it closes. */
  private Future<BackendConnection> connect(BackendDefinition backend, BackendCredentials credentials, PoolKey key,
      String schema, long owner) {
    String name = backend.name();
    open.merge(name, 1, Integer::sum);
    long globalsBefore = globals.current();
    return connector.connect(loop, backend, credentials, key, schema).addListener(f -> {
      if (f.isSuccess()) {
        BackendConnection c = (BackendConnection) f.getNow();
        c.globalsRead(globalsBefore);
        c.owner(owner);
        c.channel().closeFuture().addListener(closed -> slotFreed(name));
      } else {
        slotFreed(name);
      }
    });
  }

  private int openTo(String backend) {
    return open.getOrDefault(backend, 0);
  }

  /**
   * The backend has {@link #limit} connections from this loop: the request waits for one to come
   * back idle or to close, at most the connect timeout; an idle connection of another pool key
   * (user, collation) is closed to make room.
   */
  private Future<BackendConnection> await(Waiter w) {
    waiting.computeIfAbsent(w.backend.name(), k -> new ArrayDeque<>()).addLast(w);
    long millis = settings.connectTimeout().toMillis();
    loop.schedule(() -> {
      if (w.promise.tryFailure(new BackendException(w.backend.name(), new Packets.ErrorInfo(ErrorCode.CON_COUNT_ERROR,
          "Too many connections: backend '" + w.backend.name() + "' has all the connections the proxy may open to it"
          + " (pool.max_connections_per_backend " + settings.maxConnectionsPerBackend() + ") busy for " + millis + " ms")))) {
        waiting.get(w.backend.name()).remove(w);
      }
    }, millis, TimeUnit.MILLISECONDS);
    closeIdleOfOtherKey(w.backend.name(), w.key);
    return w.promise;
  }

  /** Closes the oldest idle connection to {@code backend} under another key than {@code key}, if any. */
  private void closeIdleOfOtherKey(String backend, PoolKey key) {
    for (Map.Entry<PoolKey, ArrayDeque<BackendConnection>> e : idle.entrySet()) {
      if (!e.getKey().equals(key) && e.getKey().backend().equals(backend) && !e.getValue().isEmpty()) {
        BackendConnection c = e.getValue().pollLast();
        c.pooled(false);
        c.close(); // its slot frees when it has closed
        return;
      }
    }
  }

  private void slotFreed(String backend) {
    open.merge(backend, -1, Integer::sum);
    serveWaiting(backend);
  }

  /** Gives waiting requests for {@code backend} what came free: an idle connection, or room for a new one. */
  private void serveWaiting(String backend) {
    ArrayDeque<Waiter> queue = waiting.get(backend);
    while (queue != null && !queue.isEmpty()) {
      Waiter w = queue.peekFirst();
      if (w.promise.isDone()) {
        queue.pollFirst();
        continue;
      }
      Future<BackendConnection> got = takeIdle(w.key, w.schema, w.state, w.owner);
      if (got == null) {
        if (openTo(backend) >= limit) {
          return;
        }
        got = connect(w.backend, w.credentials, w.key, w.schema, w.owner);
      }
      queue.pollFirst();
      got.addListener(f -> {
        if (f.isSuccess()) {
          if (!w.promise.trySuccess((BackendConnection) f.getNow())) {
            release((BackendConnection) f.getNow()); // it timed out meanwhile
          }
        } else {
          w.promise.tryFailure(f.cause());
        }
      });
    }
  }

  /** A request waiting for a connection to a backend at its limit. */
  private record Waiter(BackendDefinition backend, BackendCredentials credentials, PoolKey key, String schema,
      String state, long owner, Promise<BackendConnection> promise) {}

  /**
   * Takes {@code c} back for {@code owner} if it is idle here under {@code key}, in {@code schema}
   * and {@code state}, and nobody took it since {@code owner} gave it back. Returns whether it did.
   */
  public boolean reclaim(BackendConnection c, PoolKey key, String schema, String state, long owner) {
    if (!c.pooled() || c.owner() != owner || !c.isOpen() || !c.key().equals(key) || !inState(c, schema, state)) {
      return false;
    }
    ArrayDeque<BackendConnection> queue = idle.get(key);
    if (queue == null || !queue.removeFirstOccurrence(c)) {
      return false;
    }
    c.pooled(false);
    return true;
  }

  private static boolean inState(BackendConnection c, String schema, String state) {
    return Objects.equals(c.state(), state) && Objects.equals(c.schema(), schema);
  }

  /** {@code c}, taken out of the idle connections for {@code owner}. */
  private static BackendConnection handOut(BackendConnection c, long owner) {
    c.pooled(false);
    c.owner(owner);
    return c;
  }

  /**
   * Takes another session's state off {@code c} (COM_RESET_CONNECTION), then puts it in
   * {@code schema} again — a reset keeps the schema but not its character set.
   */
  private Future<BackendConnection> resetFor(BackendConnection c, String schema) {
    Promise<BackendConnection> promise = loop.newPromise();
    reset(c).addListener(f -> {
      if (f.isSuccess() && f.getNow() == null && c.isOpen()) {
        if (schema == null) {
          promise.setSuccess(c);
        } else {
          switchSchema(c, schema).addListener(s -> {
            if (s.isSuccess()) {
              promise.setSuccess(c);
            } else {
              promise.setFailure(s.cause());
            }
          });
        }
        return;
      }
      c.close();
      promise.setFailure(f.isSuccess()
          ? new BackendException(c.backend().name(), (Packets.ErrorInfo) f.getNow()) : f.cause());
    });
    return promise;
  }

  /**
   * COM_RESET_CONNECTION on {@code c}; once the server has done it (the answer is no ERR), {@code c}
   * carries no session state and has read the global variables of the moment (its listeners run
   * after that). Answers the server's ERR, or null.
   */
  private Future<Packets.ErrorInfo> reset(BackendConnection c) {
    long globalsBefore = globals.current();
    return c.execute(CommandCode.RESET_CONNECTION, new byte[0]).addListener(f -> {
      if (f.isSuccess() && f.getNow() == null && c.isOpen()) {
        c.state(null);
        c.globalsRead(globalsBefore);
      }
    });
  }

  private Future<BackendConnection> switchSchema(BackendConnection c, String schema) {
    Promise<BackendConnection> promise = loop.newPromise();
    c.execute(CommandCode.INIT_DB, schema.getBytes(StandardCharsets.ISO_8859_1))
        .addListener(f -> {
          if (f.isSuccess() && f.getNow() == null) {
            c.schema(schema);
            promise.setSuccess(c);
          } else if (f.isSuccess()) {
            // the server refused the schema (e.g. 1049); the connection itself is fine
            keepIdle(c);
            promise.setFailure(new BackendException(c.backend().name(), (Packets.ErrorInfo) f.getNow()));
          } else {
            c.close();
            promise.setFailure(f.cause());
          }
        });
    return promise;
  }

  /** Gives a connection back: reset and pooled if it is idle and healthy, closed otherwise. */
  public void release(BackendConnection c) {
    if (!c.isOpen() || c.busy()) {
      c.close();
      return;
    }
    reset(c).addListener(f -> {
      if (f.isSuccess() && f.getNow() == null && c.isOpen()) {
        if (c.schema() == null) {
          keepIdle(c);
          return;
        }
        // a reset keeps the schema but puts its character set back to the server's default:
        // entering the schema again restores @@character_set_database and @@collation_database
        c.execute(CommandCode.INIT_DB, c.schema().getBytes(StandardCharsets.ISO_8859_1)).addListener(i -> {
          if (i.isSuccess() && i.getNow() == null && c.isOpen()) {
            keepIdle(c);
          } else {
            c.close();
          }
        });
        return;
      }
      if (f.isSuccess() && f.getNow() != null) {
        log.warn("backend {}: reset failed: {}", c.backend().name(), f.getNow());
      }
      c.close();
    });
  }

  /**
   * Gives back a connection that ran nothing since it was taken but its login (and COM_INIT_DB):
   * it carries no session state, so it is pooled as it is, without a reset, ready for the next
   * acquire on this loop.
   */
  public void releaseUnused(BackendConnection c) {
    if (!c.isOpen() || c.busy()) {
      c.close();
      return;
    }
    keepIdle(c);
  }

  /**
   * Gives back, between two commands of its session, a connection left in the session state
   * {@code state} (null: fresh): pooled without a reset, for the next command of any session in
   * that state (the same session most likely). Another session gets it only after a reset.
   */
  public void park(BackendConnection c, String state) {
    if (!c.isOpen() || c.busy()) {
      c.close();
      return;
    }
    c.state(state);
    keepIdle(c);
  }

  /** Pools a clean connection (newest first), or closes it when its key has enough idle ones. */
  private void keepIdle(BackendConnection c) {
    ArrayDeque<BackendConnection> queue = idle.computeIfAbsent(c.key(), k -> new ArrayDeque<>());
    if (queue.size() >= settings.effectiveMaxIdlePerKey()) {
      c.close();
      return;
    }
    c.markIdle(System.nanoTime());
    c.pooled(true);
    queue.addFirst(c);
    if (!waiting.isEmpty()) {
      serveWaiting(c.backend().name());
    }
  }

  /** Closes every idle connection to the backend named {@code backend} (fencing a failed writer). */
  public void closeIdle(String backend) {
    for (ArrayDeque<BackendConnection> queue : idle.values()) {
      queue.removeIf(c -> {
        if (c.backend().name().equals(backend)) {
          c.pooled(false);
          c.close();
          return true;
        }
        return false;
      });
    }
  }

  /** Idle connections per backend name (call on the pool's event loop). */
  public Map<String, Integer> idleByBackend() {
    Map<String, Integer> counts = new HashMap<>();
    idle.forEach((key, queue) -> counts.merge(key.backend(), queue.size(), Integer::sum));
    return counts;
  }

  /** Closes every idle connection. */
  public void closeAll() {
    idle.values().forEach(q -> q.forEach(c -> {
      c.pooled(false);
      c.close();
    }));
    idle.clear();
  }

  private void evictIdle() {
    long cutoff = System.nanoTime() - settings.idleTimeout().toNanos();
    for (ArrayDeque<BackendConnection> queue : idle.values()) {
      // oldest at the tail
      while (!queue.isEmpty() && (queue.peekLast().idleSince() < cutoff || !queue.peekLast().isOpen())) {
        BackendConnection c = queue.pollLast();
        c.pooled(false);
        c.close();
      }
    }
  }
}
