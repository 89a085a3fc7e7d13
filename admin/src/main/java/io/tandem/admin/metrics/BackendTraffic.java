package io.tandem.admin.metrics;

import io.tandem.proxy.metrics.BackendMeter;
import java.util.concurrent.atomic.LongAdder;

/** The proxy's traffic with one backend: bytes, connections, commands, lost commands. */
public final class BackendTraffic implements BackendMeter {

  private final LongAdder received = new LongAdder();
  private final LongAdder sent = new LongAdder();
  private final LongAdder connections = new LongAdder();
  final LongAdder commands = new LongAdder();
  private final LongAdder errors = new LongAdder();

  @Override
  public void received(long bytes) {
    received.add(bytes);
  }

  @Override
  public void sent(long bytes) {
    sent.add(bytes);
  }

  @Override
  public void connections(int delta) {
    connections.add(delta);
  }

  @Override
  public void failed() {
    errors.increment();
  }

  public long receivedBytes() {
    return received.sum();
  }

  public long sentBytes() {
    return sent.sum();
  }

  /** Connections open now (pooled or held by a session). */
  public long openConnections() {
    return connections.sum();
  }

  public long commands() {
    return commands.sum();
  }

  public long errors() {
    return errors.sum();
  }
}
