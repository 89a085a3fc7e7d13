package io.tandem.admin.metrics;

import io.tandem.proxy.metrics.BackendMeter;
import io.tandem.proxy.metrics.ProxyMetrics;
import io.tandem.proxy.session.PinReason;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters the protocol core fills as it works ({@link ProxyMetrics}), indexed by enum
 * ordinals: {@link LongAdder}s, and for what every command counts {@link StripedCounters}, so that
 * counting a command takes no lock, no atomic instruction and no allocation.
 * {@link TandemCollector} reads them when Prometheus scrapes; the admin commands read them too.
 */
public final class TandemMetrics implements ProxyMetrics {

  private static final Where[] WHERE = Where.values();
  private static final Kind[] KIND = Kind.values();
  private static final Refusal[] REFUSAL = Refusal.values();

  private final LongAdder accepted = new LongAdder();
  private final LongAdder[] refused = adders(REFUSAL.length);
  /** [where][kind][failed] */
  private final StripedCounters commands = new StripedCounters(WHERE.length * KIND.length * 2);
  private final LatencyHistogram[] latency = new LatencyHistogram[WHERE.length];
  private final Map<String, BackendTraffic> backends = new ConcurrentHashMap<>();
  private final LongAdder adminOk = new LongAdder();
  private final LongAdder adminFailed = new LongAdder();
  private final LongAdder[] pins = adders(PinReason.values().length);
  private final LongAdder multiplexed = new LongAdder();
  private final LongAdder stateReplayed = new LongAdder();
  private final QueryDigests digests;

  /** @param digestStatements whether statement digests are kept ({@code SHOW QUERY DIGESTS}) */
  public TandemMetrics(boolean digestStatements) {
    for (int i = 0; i < latency.length; i++) {
      latency[i] = new LatencyHistogram();
    }
    this.digests = digestStatements ? new QueryDigests() : null;
  }

  private static LongAdder[] adders(int n) {
    LongAdder[] a = new LongAdder[n];
    for (int i = 0; i < n; i++) {
      a[i] = new LongAdder();
    }
    return a;
  }

  @Override
  public void clientAccepted() {
    accepted.increment();
  }

  @Override
  public void clientRefused(Refusal reason) {
    refused[reason.ordinal()].increment();
  }

  @Override
  public void commandDone(Where where, BackendMeter backend, Kind kind, boolean failed, long nanos) {
    commands.add((where.ordinal() * KIND.length + kind.ordinal()) * 2 + (failed ? 1 : 0), 1);
    latency[where.ordinal()].observe(nanos);
    if (backend instanceof BackendTraffic t) {
      t.commandDone();
    }
  }

  @Override
  public boolean digestsStatements() {
    return digests != null;
  }

  @Override
  public void statementDone(String digest, String backend, long rows, boolean failed, long nanos) {
    digests.record(digest, backend, rows, failed, nanos);
  }

  @Override
  public BackendTraffic backend(String name) {
    BackendTraffic t = backends.get(name);
    return t != null ? t : backends.computeIfAbsent(name, n -> new BackendTraffic());
  }

  @Override
  public void pinned(PinReason reason) {
    pins[reason.ordinal()].increment();
  }

  @Override
  public void multiplexed() {
    multiplexed.increment();
  }

  @Override
  public void stateReplayed() {
    stateReplayed.increment();
  }

  /** Times sessions started keeping their connections for {@code reason}. */
  public long pins(PinReason reason) {
    return pins[reason.ordinal()].sum();
  }

  /** Times sessions gave their connections back between commands. */
  public long multiplexedReleases() {
    return multiplexed.sum();
  }

  /** Pooled connections that had to be reset or brought to a session's state before use. */
  public long stateReplays() {
    return stateReplayed.sum();
  }

  /** An admin command was answered. */
  public void adminCommand(boolean failed) {
    (failed ? adminFailed : adminOk).increment();
  }

  public long accepted() {
    return accepted.sum();
  }

  public long refused(Refusal reason) {
    return refused[reason.ordinal()].sum();
  }

  public long commands(Where where, Kind kind, boolean failed) {
    return commands.sum((where.ordinal() * KIND.length + kind.ordinal()) * 2 + (failed ? 1 : 0));
  }

  /** Commands that ran at {@code where}, any kind and outcome. */
  public long commands(Where where) {
    long n = 0;
    for (Kind k : KIND) {
      n += commands(where, k, false) + commands(where, k, true);
    }
    return n;
  }

  LatencyHistogram latency(Where where) {
    return latency[where.ordinal()];
  }

  public long adminCommands(boolean failed) {
    return (failed ? adminFailed : adminOk).sum();
  }

  /** The traffic per backend name, for backends that had any. */
  public Map<String, BackendTraffic> backends() {
    return new TreeMap<>(backends);
  }

  /** Statement digests, or null when they are not kept. */
  public QueryDigests digests() {
    return digests;
  }
}
