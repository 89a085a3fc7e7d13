package io.tandem.proxy.frontend;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Client connections by the id the proxy gave them (the thread id in their handshake, the id
 * {@code KILL} takes), and the count checked against {@code max_connections}.
 */
public final class ConnectionRegistry {

  private final AtomicLong nextId = new AtomicLong(1);
  private final AtomicInteger open = new AtomicInteger();
  private final Map<Long, ClientSession> sessions = new ConcurrentHashMap<>();
  private final int maxConnections;

  public ConnectionRegistry(int maxConnections) {
    this.maxConnections = maxConnections;
  }

  /** Reserves a slot; returns the new connection id, or -1 when the proxy is full. */
  long open() {
    if (open.incrementAndGet() > maxConnections) {
      open.decrementAndGet();
      return -1;
    }
    return nextId.getAndIncrement() & 0xFFFFFFFFL;
  }

  /** Frees the slot of a connection (whether or not it got as far as a session); ids ≤ 0 are ignored. */
  public void closed(long id) {
    if (id > 0) {
      sessions.remove(id);
      open.decrementAndGet();
    }
  }

  void register(long id, ClientSession session) {
    sessions.put(id, session);
  }

  ClientSession get(long id) {
    return sessions.get(id);
  }

  public int openConnections() {
    return open.get();
  }

  Collection<ClientSession> sessions() {
    return sessions.values();
  }
}
