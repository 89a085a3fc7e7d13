package io.tandem.router.monitor;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import io.tandem.proxy.backend.BackendConnector;
import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.config.BackendDefinition.Role;
import io.tandem.proxy.transport.Transport;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks every backend at a fixed interval and publishes what it finds as an immutable
 * {@link TopologySnapshot}: whether each replica is reachable, replicating, and how far behind
 * the active master it is, measured with a heartbeat row rather than trusted from
 * {@code Seconds_Behind_Master}. See the package documentation for the checks.
 *
 * <p>The monitor runs on its own event loop (one thread), keeps one connection per backend
 * (reconnecting with back-off), and never blocks: neither its loop (all queries are asynchronous
 * with timeouts) nor its callers ({@link #snapshot()} is a volatile read). It logs one line per
 * change of a backend's state and nothing per check.
 *
 * <p>The active master comes from a supplier asked at every tick, so a failover controller can
 * move the heartbeat to the new master; it is never lag-checked. Other masters (the configured
 * {@code STANDBY}, or a former master) are checked for replication but never read targets, and
 * their replication state never affects anyone else.
 */
public final class ReplicaMonitor implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ReplicaMonitor.class);

  private final MonitorSettings settings;
  private final Supplier<BackendDefinition> activeMaster;
  private final EventLoopGroup group;
  private final EventLoop loop;
  private final List<BackendProbe> probes = new ArrayList<>();
  private volatile TopologySnapshot snapshot;
  private volatile boolean closed;
  private ScheduledFuture<?> ticker;
  private long version;
  private String lastMaster;
  /** When the last heartbeat write succeeded (on the monitor's loop), or null. */
  private Instant lastHeartbeat;

  /**
   * @param backends     every backend (masters, standby, replicas); names must be unique
   * @param activeMaster the master taking writes now, asked at every tick (null: none known, no
   *                     heartbeat is written); it must be one of {@code backends}
   * @param settings     see {@link MonitorSettings}
   */
  private volatile Consumer<String> transitions = line -> { };

  public ReplicaMonitor(List<BackendDefinition> backends, Supplier<BackendDefinition> activeMaster,
      MonitorSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.activeMaster = Objects.requireNonNull(activeMaster, "activeMaster");
    var names = new HashSet<String>();
    for (BackendDefinition b : backends) {
      if (!names.add(b.name())) {
        throw new IllegalArgumentException("duplicate backend name " + b.name());
      }
    }
    this.group = Transport.eventLoopGroup(1);
    this.loop = group.next();
    BackendConnector connector = new BackendConnector(settings.connectTimeout(), settings.tls());
    for (BackendDefinition b : backends) {
      probes.add(new BackendProbe(b, loop, connector, settings, this::publish, this::heartbeatSilence,
          line -> transitions.accept(line)));
    }
    List<BackendStatus> unknown = new ArrayList<>();
    for (BackendDefinition b : backends) {
      unknown.add(BackendStatus.unknown(b, b.role()));
    }
    this.snapshot = new TopologySnapshot(0, Instant.now(), null, settings.maxReplicationLag(),
        settings.hysteresis(), unknown);
  }

  /**
   * Tells {@code listener} each change of a backend's health the monitor logs (reachable, eligible,
   * lagging, replication stopped ...), on the monitor's thread; it must not block.
   */
  public ReplicaMonitor onTransition(Consumer<String> listener) {
    this.transitions = Objects.requireNonNull(listener);
    return this;
  }

  /** A monitor whose active master is fixed. */
  public ReplicaMonitor(List<BackendDefinition> backends, BackendDefinition activeMaster, MonitorSettings settings) {
    this(backends, () -> activeMaster, settings);
  }

  /** Starts checking (the first check at once, then every interval). Returns this. */
  public ReplicaMonitor start() {
    if (closed) {
      throw new IllegalStateException("monitor closed");
    }
    loop.execute(() -> {
      if (ticker == null && !closed) {
        ticker = loop.scheduleAtFixedRate(this::tick, 0, settings.interval().toNanos(), TimeUnit.NANOSECONDS);
      }
    });
    return this;
  }

  /** The latest snapshot; never null (before the first checks, every backend is unknown). */
  public TopologySnapshot snapshot() {
    return snapshot;
  }

  public MonitorSettings settings() {
    return settings;
  }

  private void tick() {
    if (closed) {
      return;
    }
    String master = masterName();
    if (!Objects.equals(master, lastMaster)) {
      log.info("heartbeat on {} every {} ms", master == null ? "(no active master)" : master,
          settings.interval().toMillis());
      lastMaster = master;
    }
    for (BackendProbe p : probes) {
      p.tick(roleOf(p.backend(), master));
    }
  }

  private String masterName() {
    BackendDefinition m;
    try {
      m = activeMaster.get();
    } catch (RuntimeException e) {
      log.warn("cannot tell the active master: {}", e.toString());
      return null;
    }
    return m == null ? null : m.name();
  }

  private static Role roleOf(BackendDefinition b, String activeMaster) {
    if (b.name().equals(activeMaster)) {
      return Role.MASTER;
    }
    return b.role() == Role.REPLICA ? Role.REPLICA : Role.STANDBY;
  }

  /** Publishes a new snapshot from the probes' latest statuses; on the monitor's loop. */
  private void publish() {
    if (closed) {
      return;
    }
    String master = lastMaster;
    List<BackendStatus> statuses = new ArrayList<>(probes.size());
    for (BackendProbe p : probes) {
      BackendStatus s = p.status(roleOf(p.backend(), master));
      statuses.add(s);
      if (s.role() == Role.MASTER && s.reachable() && s.lastError() == null && s.lastCheck() != null) {
        lastHeartbeat = s.lastCheck();
      }
    }
    snapshot = new TopologySnapshot(++version, Instant.now(), master, settings.maxReplicationLag(),
        settings.hysteresis(), statuses);
  }

  /**
   * How long no heartbeat has been written beyond two intervals (zero while the writer writes it
   * every interval): replica lags are measured against the last heartbeat, not against now.
   */
  private Duration heartbeatSilence() {
    if (lastHeartbeat == null) {
      return Duration.ZERO;
    }
    Duration silence = Duration.between(lastHeartbeat, Instant.now()).minus(settings.interval().multipliedBy(2));
    return silence.isNegative() ? Duration.ZERO : silence;
  }

  /**
   * Stops checking and closes the monitor's connections and thread. Waits up to two seconds for
   * the thread to end (not when called from the monitor's own thread).
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    loop.execute(() -> {
      if (ticker != null) {
        ticker.cancel(false);
      }
      for (BackendProbe p : probes) {
        p.close();
      }
    });
    var terminated = group.shutdownGracefully(0, 500, TimeUnit.MILLISECONDS);
    if (!loop.inEventLoop()) {
      terminated.awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
  }
}
