package io.tandem.admin.metrics;

import io.tandem.proxy.metrics.BackendMeter;

/**
 * The proxy's traffic with one backend: bytes, connections, commands, lost commands. Counted on
 * every read, write and command, so in {@link StripedCounters}.
 */
public final class BackendTraffic implements BackendMeter {

  private static final int RECEIVED = 0;
  private static final int SENT = 1;
  private static final int CONNECTIONS = 2;
  private static final int COMMANDS = 3;
  private static final int ERRORS = 4;

  private final StripedCounters counters = new StripedCounters(5);

  @Override
  public void received(long bytes) {
    counters.add(RECEIVED, bytes);
  }

  @Override
  public void sent(long bytes) {
    counters.add(SENT, bytes);
  }

  @Override
  public void connections(int delta) {
    counters.add(CONNECTIONS, delta);
  }

  @Override
  public void failed() {
    counters.add(ERRORS, 1);
  }

  /** A client command ran on the backend. */
  void commandDone() {
    counters.add(COMMANDS, 1);
  }

  public long receivedBytes() {
    return counters.sum(RECEIVED);
  }

  public long sentBytes() {
    return counters.sum(SENT);
  }

  /** Connections open now (pooled or held by a session). */
  public long openConnections() {
    return counters.sum(CONNECTIONS);
  }

  public long commands() {
    return counters.sum(COMMANDS);
  }

  public long errors() {
    return counters.sum(ERRORS);
  }
}
