package io.tandem.router.failover;

import io.netty.channel.EventLoop;
import io.tandem.proxy.backend.BackendConnection;
import io.tandem.proxy.backend.BackendConnector;
import io.tandem.proxy.backend.BackendCredentials;
import io.tandem.proxy.backend.PoolKey;
import io.tandem.proxy.backend.RowCollector;
import io.tandem.proxy.config.BackendDefinition;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Statements the failover controller runs on a server (fencing, promotion, repointing), blocking
 * its own thread — never an event loop — with a timeout on every step. One short-lived connection
 * per call, as the monitor user.
 */
final class ServerAdmin {

  /** utf8mb4_general_ci. */
  private static final int COLLATION = 45;

  private final BackendConnector connector;
  private final EventLoop loop;
  private final BackendCredentials credentials;

  ServerAdmin(BackendConnector connector, EventLoop loop, BackendCredentials credentials) {
    this.connector = connector;
    this.loop = loop;
    this.credentials = credentials;
  }

  /** Runs {@code statements} in order on {@code backend}; returns the last one's rows. */
  RowCollector.Rows run(BackendDefinition backend, Duration timeout, String... statements) throws AdminException {
    long deadline = System.nanoTime() + timeout.toNanos();
    BackendConnection c;
    try {
      c = connector.connect(loop, backend, credentials, new PoolKey(backend.name(), credentials.user(), 0, COLLATION),
          null).get(remaining(deadline), TimeUnit.NANOSECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new AdminException(backend.name() + ": cannot connect: " + message(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AdminException(backend.name() + ": interrupted");
    }
    try {
      RowCollector.Rows last = null;
      for (String sql : statements) {
        CompletableFuture<RowCollector.Rows> q = new CompletableFuture<>();
        loop.execute(() -> RowCollector.query(c, sql).whenComplete((r, e) -> {
          if (e != null) {
            q.completeExceptionally(e);
          } else {
            q.complete(r);
          }
        }));
        try {
          last = q.get(remaining(deadline), TimeUnit.NANOSECONDS);
        } catch (ExecutionException | TimeoutException e) {
          throw new AdminException(backend.name() + ": " + sql + ": " + message(e));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AdminException(backend.name() + ": interrupted");
        }
      }
      return last;
    } finally {
      loop.execute(c::close);
    }
  }

  /** The first column of the first row of {@code sql}, or null. */
  String value(BackendDefinition backend, Duration timeout, String sql) throws AdminException {
    RowCollector.Rows rows = run(backend, timeout, sql);
    return rows == null || rows.isEmpty() ? null : rows.rows().get(0).get(0);
  }

  /** One named column of the first row of {@code sql}, or null. */
  String column(BackendDefinition backend, Duration timeout, String sql, String... names) throws AdminException {
    RowCollector.Rows rows = run(backend, timeout, sql);
    if (rows == null || rows.isEmpty()) {
      return null;
    }
    for (String name : names) {
      if (rows.column(name) >= 0) {
        return rows.get(0, name);
      }
    }
    return null;
  }

  private static long remaining(long deadline) {
    return Math.max(1, deadline - System.nanoTime());
  }

  private static String message(Exception e) {
    Throwable t = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof TimeoutException) {
      return "no answer in time";
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  /** A statement failed, timed out, or the server could not be reached. */
  static final class AdminException extends Exception {
    AdminException(String message) {
      super(message);
    }
  }

  /** {@code 'text'} as an SQL string literal. */
  static String literal(String text) {
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'";
  }
}
