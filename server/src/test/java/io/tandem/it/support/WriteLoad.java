package io.tandem.it.support;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A steady write load through the proxy with a client-side ledger: writer threads insert
 * {@code (writer, n)} rows into {@code app.ledger} with autocommit and, every fifth time, in a
 * short transaction of two rows; a row is acknowledged once the client got OK for it (COMMIT for
 * a transaction). Failed writes are never re-executed (their outcome is unknown); the writer goes
 * on with the next n. A reader checks through the proxy, on the writer ({@code tandem:master}
 * hint), that rows acknowledged before its read began are there.
 */
public final class WriteLoad implements AutoCloseable {

  /** One acknowledged row and when its acknowledgement arrived. */
  public record Ack(int writer, long n, long ackedNanos) {}

  private final String url;
  private final List<Thread> threads = new ArrayList<>();
  private final ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
  private final Map<Integer, LongAdder> errors = new ConcurrentHashMap<>();
  private final LongAdder autocommitErrors = new LongAdder();
  private final List<String> errorSamples = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final LongAdder readerChecks = new LongAdder();
  private final ConcurrentLinkedQueue<String> readerMisses = new ConcurrentLinkedQueue<>();
  /** The end (System.nanoTime) of the first successful write that started after {@link #markEvent()}, or 0. */
  private final AtomicLong firstWriteAfterEvent = new AtomicLong();
  private volatile long eventNanos = Long.MAX_VALUE;
  private volatile boolean stop;
  private volatile Ack latest;

  private WriteLoad(String url) {
    this.url = url;
  }

  /** Creates {@code app.ledger} through {@code url} and starts {@code writers} writers and one reader. */
  public static WriteLoad start(String url, int writers) throws SQLException {
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS ledger (writer INT NOT NULL, n BIGINT NOT NULL,"
          + " PRIMARY KEY (writer, n))");
    }
    WriteLoad load = new WriteLoad(url);
    for (int w = 0; w < writers; w++) {
      int id = w;
      load.threads.add(new Thread(() -> load.write(id), "ledger-writer-" + w));
    }
    load.threads.add(new Thread(load::read, "ledger-reader"));
    load.threads.forEach(Thread::start);
    return load;
  }

  /** Marks the failure under test (e.g. the kill); the write gap is measured from here. */
  public void markEvent() {
    eventNanos = System.nanoTime();
  }

  /** Milliseconds from {@link #markEvent()} to the end of the first write that started after it, or -1. */
  public long writeGapMillis() {
    long first = firstWriteAfterEvent.get();
    return first == 0 ? -1 : (first - eventNanos) / 1_000_000;
  }

  /** Waits until a write that started after the event succeeded; false after {@code timeoutMillis}. */
  public boolean awaitWriteAfterEvent(long timeoutMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (firstWriteAfterEvent.get() == 0) {
      if (System.currentTimeMillis() > deadline) {
        return false;
      }
      Thread.sleep(10);
    }
    return true;
  }

  private void write(int writer) {
    long n = 0;
    Connection c = null;
    while (!stop) {
      long started = System.nanoTime();
      try {
        if (c == null) {
          c = DriverManager.getConnection(url);
        }
        if (n % 5 == 4) {
          c.setAutoCommit(false);
          try (PreparedStatement p = c.prepareStatement("INSERT INTO ledger VALUES (?, ?)")) {
            p.setInt(1, writer);
            p.setLong(2, n);
            p.executeUpdate();
            p.setLong(2, n + 1);
            p.executeUpdate();
          }
          c.commit();
          c.setAutoCommit(true);
          acked(writer, n, started);
          acked(writer, n + 1, started);
          n += 2;
        } else {
          try (PreparedStatement p = c.prepareStatement("INSERT INTO ledger VALUES (?, ?)")) {
            p.setInt(1, writer);
            p.setLong(2, n);
            p.executeUpdate();
          }
          acked(writer, n, started);
          n++;
        }
      } catch (SQLException e) {
        errors.computeIfAbsent(e.getErrorCode(), k -> new LongAdder()).increment();
        if (n % 5 != 4) {
          autocommitErrors.increment();
        }
        if (errorSamples.size() < 20) {
          errorSamples.add(e.getErrorCode() + "/" + e.getSQLState() + ": " + e.getMessage());
        }
        n += 2; // never again: its outcome is unknown
        if (c != null) {
          try {
            if (!c.getAutoCommit()) {
              c.rollback();
              c.setAutoCommit(true);
            }
          } catch (SQLException closed) {
            closeQuietly(c);
            c = null;
          }
          if (c != null && isConnectionError(e)) {
            closeQuietly(c);
            c = null;
          }
        }
        sleep(10);
      }
    }
    closeQuietly(c);
  }

  private static boolean isConnectionError(SQLException e) {
    return e.getSQLState() != null && e.getSQLState().startsWith("08");
  }

  private void acked(int writer, long n, long started) {
    long now = System.nanoTime();
    Ack ack = new Ack(writer, n, now);
    acks.add(ack);
    latest = ack;
    if (started > eventNanos) {
      firstWriteAfterEvent.compareAndSet(0, now);
    }
  }

  private void read() {
    Connection c = null;
    while (!stop) {
      Ack wanted = latest;
      if (wanted == null) {
        sleep(5);
        continue;
      }
      try {
        if (c == null) {
          c = DriverManager.getConnection(url);
        }
        try (PreparedStatement p = c.prepareStatement(
            "/* tandem:master */ SELECT COUNT(*) FROM ledger WHERE writer = ? AND n = ?")) {
          p.setInt(1, wanted.writer());
          p.setLong(2, wanted.n());
          try (ResultSet rs = p.executeQuery()) {
            rs.next();
            readerChecks.increment();
            if (rs.getInt(1) != 1) {
              readerMisses.add(wanted.writer() + "/" + wanted.n());
            }
          }
        }
      } catch (SQLException e) {
        if (isConnectionError(e)) {
          closeQuietly(c);
          c = null;
        }
        sleep(10);
      }
      sleep(2);
    }
    closeQuietly(c);
  }

  /** Stops the threads and waits for them. */
  @Override
  public void close() throws InterruptedException {
    stop = true;
    for (Thread t : threads) {
      t.join(30_000);
    }
  }

  public List<Ack> acknowledged() {
    return List.copyOf(acks);
  }

  /** Client errors by error code. */
  public Map<Integer, Long> errors() {
    Map<Integer, Long> m = new java.util.TreeMap<>();
    errors.forEach((k, v) -> m.put(k, v.sum()));
    return m;
  }

  /** Errors of autocommit inserts (not of the short transactions). */
  public long autocommitErrors() {
    return autocommitErrors.sum();
  }

  public List<String> errorSamples() {
    return List.copyOf(errorSamples);
  }

  public long readerChecks() {
    return readerChecks.sum();
  }

  public List<String> readerMisses() {
    return List.copyOf(readerMisses);
  }

  /** The acknowledged rows missing from {@code server}'s {@code app.ledger}, as "writer/n". */
  public List<String> missingOn(Connection server) throws SQLException {
    java.util.Set<String> present = new java.util.HashSet<>();
    try (Statement s = server.createStatement(); ResultSet rs = s.executeQuery("SELECT writer, n FROM app.ledger")) {
      while (rs.next()) {
        present.add(rs.getInt(1) + "/" + rs.getLong(2));
      }
    }
    List<String> missing = new ArrayList<>();
    for (Ack a : acks) {
      String key = a.writer() + "/" + a.n();
      if (!present.contains(key)) {
        missing.add(key);
      }
    }
    return missing;
  }

  private static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // already gone
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
