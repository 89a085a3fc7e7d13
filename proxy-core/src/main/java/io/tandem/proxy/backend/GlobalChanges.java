package io.tandem.proxy.backend;

import java.util.concurrent.atomic.AtomicLong;

/**
 * How many times a client changed the servers' global variables through this proxy
 * ({@code SET GLOBAL …}). A server copies many globals into a session when it starts (or is
 * reset): a pooled connection that read them before the last change is reset before another
 * session takes it, so that a new client sees the globals of the moment, as on a new server
 * connection. Changes made on a server directly, not through the proxy, are not seen: connections
 * pick them up at their next reset (every session's end). Thread-safe.
 */
public final class GlobalChanges {

  private final AtomicLong count = new AtomicLong();

  /** The changes so far: a connection that started or was reset at this count has read every one. */
  public long current() {
    return count.get();
  }

  /** A statement changed global variables. */
  public void changed() {
    count.incrementAndGet();
  }
}
