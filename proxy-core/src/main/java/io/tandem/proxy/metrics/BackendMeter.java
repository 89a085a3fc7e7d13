package io.tandem.proxy.metrics;

/**
 * The traffic of the proxy's client-serving connections to one backend (the monitor's and the
 * failover controller's own connections are not counted). Called on event loops: implementations
 * must not lock, block or allocate.
 */
public interface BackendMeter {

  /** Counts nothing. */
  BackendMeter NONE = new BackendMeter() { };

  /** {@code bytes} arrived from the backend. */
  default void received(long bytes) { }

  /** {@code bytes} were written to the backend. */
  default void sent(long bytes) { }

  /** A connection to the backend opened (logged in) or closed ({@code delta} +1 / -1). */
  default void connections(int delta) { }

  /** A command was lost with its connection to the backend, or the backend could not be reached. */
  default void failed() { }
}
