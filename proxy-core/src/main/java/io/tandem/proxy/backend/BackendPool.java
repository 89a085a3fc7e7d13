package io.tandem.proxy.backend;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.config.PoolSettings;
import io.tandem.proxy.protocol.CommandCode;
import io.tandem.proxy.protocol.Packets;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Idle backend connections of one event loop, by {@link PoolKey}. Only its event loop touches
 * it, so it needs no locks, and a client always gets a connection on its own thread. A
 * connection comes back through {@link #release}, which resets it (COM_RESET_CONNECTION: rolls
 * back, drops temporary tables and prepared statements, clears variables) before it may be
 * reused; a connection that is busy or broken is closed instead.
 */
public final class BackendPool {

  private static final Logger log = LoggerFactory.getLogger(BackendPool.class);

  private final EventLoop loop;
  private final BackendConnector connector;
  private final PoolSettings settings;
  private final Map<PoolKey, ArrayDeque<BackendConnection>> idle = new HashMap<>();

  public BackendPool(EventLoop loop, BackendConnector connector, PoolSettings settings) {
    this.loop = loop;
    this.connector = connector;
    this.settings = settings;
    long period = Math.max(1000, settings.idleTimeout().toMillis() / 4);
    loop.scheduleAtFixedRate(this::evictIdle, period, period, TimeUnit.MILLISECONDS);
  }

  /**
   * A connection for {@code key}, preferring an idle one already in {@code schema}. A pooled
   * connection in another schema is switched with COM_INIT_DB; a new one logs in with it.
   */
  public Future<BackendConnection> acquire(BackendDefinition backend, BackendCredentials credentials,
      PoolKey key, String schema) {
    ArrayDeque<BackendConnection> queue = idle.get(key);
    BackendConnection candidate = null;
    if (queue != null) {
      for (Iterator<BackendConnection> it = queue.iterator(); it.hasNext(); ) {
        BackendConnection c = it.next();
        if (!c.isOpen()) {
          it.remove();
        } else if (Objects.equals(c.schema(), schema)) {
          it.remove();
          return loop.newSucceededFuture(c);
        } else if (candidate == null && schema != null) {
          candidate = c;
        }
      }
    }
    if (candidate != null) {
      queue.remove(candidate);
      return switchSchema(candidate, schema);
    }
    return connector.connect(loop, backend, credentials, key, schema);
  }

  private Future<BackendConnection> switchSchema(BackendConnection c, String schema) {
    Promise<BackendConnection> promise = loop.newPromise();
    c.execute(CommandCode.INIT_DB, schema.getBytes(StandardCharsets.UTF_8))
        .addListener(f -> {
          if (f.isSuccess() && f.getNow() == null) {
            c.schema(schema);
            promise.setSuccess(c);
          } else if (f.isSuccess()) {
            // the server refused the schema (e.g. 1049); the connection itself is fine
            idle.computeIfAbsent(c.key(), k -> new ArrayDeque<>()).addFirst(c);
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
    c.execute(CommandCode.RESET_CONNECTION, new byte[0]).addListener(f -> {
      if (f.isSuccess() && f.getNow() == null && c.isOpen()) {
        keepIdle(c);
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

  /** Pools a clean connection (newest first), or closes it when its key has enough idle ones. */
  private void keepIdle(BackendConnection c) {
    ArrayDeque<BackendConnection> queue = idle.computeIfAbsent(c.key(), k -> new ArrayDeque<>());
    if (queue.size() >= settings.effectiveMaxIdlePerKey()) {
      c.close();
      return;
    }
    c.markIdle(System.nanoTime());
    queue.addFirst(c);
  }

  /** Closes every idle connection to the backend named {@code backend} (fencing a failed writer). */
  public void closeIdle(String backend) {
    for (ArrayDeque<BackendConnection> queue : idle.values()) {
      queue.removeIf(c -> {
        if (c.backend().name().equals(backend)) {
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
    idle.values().forEach(q -> q.forEach(BackendConnection::close));
    idle.clear();
  }

  private void evictIdle() {
    long cutoff = System.nanoTime() - settings.idleTimeout().toNanos();
    for (ArrayDeque<BackendConnection> queue : idle.values()) {
      // oldest at the tail
      while (!queue.isEmpty() && (queue.peekLast().idleSince() < cutoff || !queue.peekLast().isOpen())) {
        queue.pollLast().close();
      }
    }
  }
}
