package io.tandem.router.failover;

import io.netty.channel.EventLoopGroup;
import io.tandem.proxy.backend.BackendConnector;
import io.tandem.proxy.backend.RowCollector;
import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.config.BackendDefinition.Role;
import io.tandem.proxy.route.BackendAvailability;
import io.tandem.proxy.route.WriterRole;
import io.tandem.proxy.session.GtidPosition;
import io.tandem.proxy.transport.Transport;
import io.tandem.router.failover.FailoverJournal.Entry;
import io.tandem.router.failover.FailoverJournal.Step;
import io.tandem.router.failover.ServerAdmin.AdminException;
import io.tandem.router.monitor.BackendStatus;
import io.tandem.router.monitor.ReplicaMonitor;
import io.tandem.router.monitor.ServerFacts;
import io.tandem.router.monitor.TopologySnapshot;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the writer role between the masters of a dual-master pair, like keepalived moves a
 * virtual IP, but with a database's safety: it never promotes a standby that lacks an
 * acknowledged write, never lets two masters take writes through the proxy, and never fails back
 * by itself. The only code that changes the {@link WriterRole}.
 *
 * <p>It runs on its own thread (never an event loop) and decides at every monitor interval from
 * the {@link ReplicaMonitor}'s latest snapshot: the writer probe (the heartbeat write, with the
 * writer's read_only, semisync and GTID facts), the standby's and replicas' replication status.
 * What it checks, when it promotes and when it refuses is described in the package documentation.
 * Every decision is logged once with its reasons and kept in {@link #events()}.
 */
public final class FailoverController implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(FailoverController.class);
  private static final int MAX_EVENTS = 200;

  /** What the controller is doing. */
  public enum Phase {
    /** The writer passes its checks. */
    HEALTHY,
    /** The writer failed some checks, fewer than {@code fall}. */
    SUSPECT,
    /** A promotion is under way; writes are held. */
    SWITCHING,
    /** The writer failed and promotion was refused: writes are refused, reads go on. */
    BLOCKED,
    /** Both masters are writable (split brain): writes are refused until one is read-only. */
    SPLIT_BRAIN
  }

  /** One logged decision or state change. */
  public record Event(Instant at, String text) {}

  private final List<BackendDefinition> backends;
  private final ReplicaMonitor monitor;
  private final WriterRole writerRole;
  private final FailoverSettings settings;
  private final Consumer<String> dropConnections;
  private final FailoverJournal journal;
  private final ScheduledExecutorService thread;
  private final EventLoopGroup io;
  private final ServerAdmin admin;
  private final Duration interval;
  private final ArrayDeque<Event> events = new ArrayDeque<>();
  private final Map<String, ReplicationSql> dialects = new HashMap<>();

  // the controller thread's state
  private int failures;
  private int recoveries;
  private ServerFacts lastGood;
  private ServerFacts previousGood;
  private Instant lastGoodCheck;
  private Map<String, String> receivedAtFailure;
  private long lastAutomaticFailover;
  private boolean failedOverYet;
  private long graceUntil;
  private boolean startupChecked;
  /** The writer the journal named at start-up, until the servers were seen to agree; or null. */
  private BackendDefinition journalWriter;
  /** The writer that failed when the controller refused to promote (BLOCKED), or null. */
  private BackendDefinition blockedWriter;
  private String lastLog;
  private volatile Phase phase = Phase.HEALTHY;
  private volatile String lastDecision = "none yet";
  private volatile StepHook stepHook = step -> { };
  private volatile boolean closed;
  private volatile BackendAvailability availability = new BackendAvailability();
  private final LongAdder promotions = new LongAdder();
  private final LongAdder refusals = new LongAdder();
  private final LongAdder blocks = new LongAdder();
  private final LongAdder splitBrains = new LongAdder();
  private volatile Instant lastPromotion;

  /** Called after each journaled promotion step (tests stop a promotion half-way with it). */
  public interface StepHook {
    void after(String step) throws Exception;
  }

  /**
   * @param backends        every configured backend
   * @param monitor         the running monitor (its credentials are used for the promotion statements)
   * @param writerRole      the role this controller moves
   * @param settings        see {@link FailoverSettings}
   * @param dropConnections closes every proxy connection to a backend (the old writer when fenced)
   */
  public FailoverController(List<BackendDefinition> backends, ReplicaMonitor monitor, WriterRole writerRole,
      FailoverSettings settings, Consumer<String> dropConnections) {
    this.backends = List.copyOf(backends);
    this.monitor = monitor;
    this.writerRole = writerRole;
    this.settings = settings;
    this.dropConnections = dropConnections;
    this.journal = new FailoverJournal(settings.journal());
    this.interval = monitor.settings().interval();
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tandem-failover");
      t.setDaemon(true);
      return t;
    });
    this.io = Transport.eventLoopGroup(1);
    BackendConnector connector = new BackendConnector(monitor.settings().connectTimeout(), monitor.settings().tls());
    this.admin = new ServerAdmin(connector, io.next(), monitor.settings().credentials());
    this.lastAutomaticFailover = System.nanoTime() - settings.blockWindow().toNanos() - 1;
  }

  /**
   * Reads the journal (a writer recorded there wins over the configured priorities; a promotion
   * left half-done by a stopped proxy is finished, once), then checks every interval.
   */
  public FailoverController start() throws IOException {
    Entry entry = journal.read();
    if (entry != null) {
      BackendDefinition writer = byName(entry.writer());
      if (writer == null) {
        throw new IOException("failover journal names writer '" + entry.writer() + "', which is not configured");
      }
      if (entry.step() == Step.DONE) {
        journalWriter = writer; // checked against the servers at the first look (checkStartup)
        writerRole.publish(new WriterRole.State(writer, entry.epoch(), null, false));
        event("journal: %s is the writer (epoch %d)", writer.name(), entry.epoch());
      } else {
        startupChecked = true; // the promotion is finished first; it fences the old writer itself
        thread.execute(() -> resume(entry));
      }
    } else {
      journal.write(new Entry(writerRole.state().epoch(), writerRole.writer().name(), null, null, Step.DONE));
    }
    thread.scheduleWithFixedDelay(this::tickSafely, interval.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
    return this;
  }

  public Phase phase() {
    return phase;
  }

  /** The last decision and its reasons, for operators. */
  public String lastDecision() {
    return lastDecision;
  }

  /** The failover and health history (the monitor's backend state changes too), oldest first (the last 200). */
  public synchronized List<Event> events() {
    return List.copyOf(events);
  }

  /** Masters an operator took offline are not promoted (automatically or by SWITCHOVER without a target). */
  public FailoverController availability(BackendAvailability availability) {
    this.availability = Objects.requireNonNull(availability);
    return this;
  }

  /** Promotions done (automatic, forced or switchover). */
  public long promotions() {
    return promotions.sum();
  }

  /** Failures of the writer after which the controller decided not to fail over (automatic failover off, or a partition). */
  public long refusals() {
    return refusals.sum();
  }

  /** Times writes were blocked because promotion was refused or failed. */
  public long blocks() {
    return blocks.sum();
  }

  /** Times two writable masters (or a journal that disagrees with the servers) were found. */
  public long splitBrainDetections() {
    return splitBrains.sum();
  }

  /** When the last promotion finished, or null if none did since the proxy started. */
  public Instant lastPromotion() {
    return lastPromotion;
  }

  /** A change of a backend's health the monitor saw: kept in {@link #events()} (the monitor logged it). */
  public void healthEvent(String text) {
    remember(text);
  }

  /** Test hook: runs after each journaled step of a promotion; throwing stops the promotion there. */
  public void stepHook(StepHook hook) {
    this.stepHook = Objects.requireNonNull(hook);
  }

  // ------------------------------------------------------------------------------ each check

  private void tickSafely() {
    if (closed) {
      return;
    }
    try {
      tick();
    } catch (StopPromotion stopped) {
      closed = true; // as if the proxy had been killed here
      log.warn("failover controller stopped: {}", stopped.getMessage());
    } catch (RuntimeException bug) {
      log.error("failover check failed", bug);
    }
  }

  private void tick() {
    TopologySnapshot snapshot = monitor.snapshot();
    WriterRole.State state = writerRole.state();
    if (!startupChecked && checkStartup(snapshot)) {
      return;
    }
    if (state.writer() == null) {
      withoutWriter(snapshot);
      return;
    }
    BackendStatus w = snapshot.status(state.writer().name());
    if (w == null || !w.checked() || System.nanoTime() - graceUntil < 0) {
      return;
    }
    String problem = writerProblem(w);
    if (problem == null) {
      writerHealthy(snapshot, w);
      return;
    }
    failures++;
    if (failures == 1) {
      receivedAtFailure = receivedPositions(snapshot, state.writer());
      phase = Phase.SUSPECT;
      event("%s: writer check failed: %s", state.writer().name(), problem);
    }
    if (failures < settings.fall()) {
      return;
    }
    writerFailed(snapshot, state, problem);
  }

  /** Why the writer fails its check now, or null when it passes. */
  private String writerProblem(BackendStatus w) {
    if (!w.reachable()) {
      return "unreachable" + (w.lastError() != null ? " (" + w.lastError() + ")" : "");
    }
    if (w.lastError() != null) {
      return w.lastError();
    }
    if (w.lastCheck() == null || Duration.between(w.lastCheck(), Instant.now()).compareTo(settings.writeTimeout()) > 0) {
      return "the writer probe (heartbeat write) has not completed for more than "
          + settings.writeTimeout().toMillis() + " ms";
    }
    return null;
  }

  private void writerHealthy(TopologySnapshot snapshot, BackendStatus w) {
    if (failures > 0) {
      event("%s: writer checks pass again", w.name());
    }
    failures = 0;
    receivedAtFailure = null;
    phase = Phase.HEALTHY;
    if (w.facts() != null && !Objects.equals(w.lastCheck(), lastGoodCheck)) {
      previousGood = lastGood;
      lastGood = w.facts();
      lastGoodCheck = w.lastCheck();
    }
    maintain(snapshot, w);
  }

  /**
   * Keeps the pair as it must be while the writer is healthy: every other master read-only (one
   * that came back writable, e.g. the old writer restarted from its own my.cnf, is fenced), the
   * semisync master side on for the writer once its standby acknowledges, off on the standby (its
   * applier would otherwise wait for acks from the writer on every replicated commit).
   */
  private void maintain(TopologySnapshot snapshot, BackendStatus writer) {
    for (BackendDefinition b : masters()) {
      if (b.name().equals(writer.name())) {
        continue;
      }
      BackendStatus s = snapshot.status(b.name());
      if (s == null || !s.reachable() || s.facts() == null) {
        continue;
      }
      if (!s.facts().readOnly()) {
        run(b, "%s is writable but is not the writer: fenced (read_only=ON)", sql(b).readOnly(true));
      } else if (s.facts().semisyncMasterEnabled()) {
        run(b, "%s: semisync master side off while it is the standby", sql(b).semisyncMaster(false));
      } else if (!writer.facts().semisyncMasterEnabled() && s.facts().semisyncSlaveOn() && s.ioRunning()
          && writer.backend().address().equals(s.replication() == null ? null : s.replication().source())) {
        run(writer.backend(), "%s: semisync master side on (standby " + b.name() + " acknowledges)",
            sql(writer.backend()).semisyncMaster(true));
      }
    }
    if (writer.facts() != null && !writer.facts().lossless()) {
      once("lossless:" + writer.name(), "%s: not lossless: rpl_semi_sync_master_wait_point is %s, not AFTER_SYNC",
          writer.name(), writer.facts().waitPoint());
    }
  }

  private void writerFailed(TopologySnapshot snapshot, WriterRole.State state, String problem) {
    BackendDefinition failed = state.writer();
    if (!settings.automatic()) {
      refusedOnce("manual:" + failed.name(), "%s failed (%s); automatic failover is off: waiting for an operator",
          failed.name(), problem);
      return;
    }
    String seen = othersStillReceive(snapshot, failed);
    if (seen != null) {
      refusedOnce("partition:" + failed.name(), "%s failed its checks from the proxy, but %s: a fault between the proxy"
          + " and %s, not failing over", failed.name(), seen, failed.name());
      return;
    }
    BackendDefinition standby = standby(snapshot, failed);
    List<String> reasons = new ArrayList<>();
    if (standby == null) {
      reasons.add("no other master is reachable");
    }
    if (failedOverYet && System.nanoTime() - lastAutomaticFailover < settings.blockWindow().toNanos()) {
      reasons.add("a failover happened less than " + settings.blockWindow().toSeconds()
          + " s ago (failover_block_window)");
    }
    if (standby != null) {
      reasons.addAll(semisyncReasons(failed, snapshot.status(standby.name())));
    }
    boolean lossyOnly = standby != null && reasons.stream().allMatch(r -> r.startsWith("semisync"));
    if (!reasons.isEmpty() && !(settings.allowLossyFailover() && lossyOnly)) {
      block(failed, state.epoch(), failed.name() + " failed (" + problem + ") and failover was refused: "
          + String.join("; ", reasons));
      return;
    }
    decide("%s failed (%s): promoting %s%s", failed.name(), problem, standby.name(),
        reasons.isEmpty() ? "" : " although " + String.join("; ", reasons) + " (allow_lossy_failover)");
    promote(failed, standby, state.epoch() + 1, false, snapshot.status(failed.name()).reachable(), false);
  }

  /** Why the last good samples do not prove that the standby has every acknowledged write. */
  private List<String> semisyncReasons(BackendDefinition failed, BackendStatus standby) {
    List<String> reasons = new ArrayList<>();
    if (lastGood == null) {
      reasons.add("semisync: no good sample of " + failed.name() + " since the proxy started");
      return reasons;
    }
    if (!lastGood.semisyncMasterOn()) {
      reasons.add("semisync: was OFF on " + failed.name() + " at its last good check (commits were not"
          + " acknowledged by a replica)");
    } else if (lastGood.semisyncClients() < 1) {
      reasons.add("semisync: " + failed.name() + " had no semisync replica at its last good check");
    }
    if (previousGood != null && lastGood.semisyncNoTx() > previousGood.semisyncNoTx()) {
      reasons.add("semisync: " + failed.name() + " committed " + (lastGood.semisyncNoTx() - previousGood.semisyncNoTx())
          + " transaction(s) without acknowledgement just before it failed");
    }
    if (standby == null || standby.facts() == null || !standby.facts().semisyncSlaveOn()) {
      reasons.add("semisync: the standby was not acknowledging (Rpl_semi_sync_slave_status OFF)");
    }
    return reasons;
  }

  /**
   * Whether the failed writer still feeds someone: a standby or replica whose IO thread is
   * connected and whose received position moved since the writer's first failed check. Returns
   * who, or null.
   */
  private String othersStillReceive(TopologySnapshot snapshot, BackendDefinition failed) {
    if (receivedAtFailure == null) {
      return null;
    }
    for (BackendStatus s : snapshot.backends()) {
      if (s.name().equals(failed.name()) || s.replication() == null || !s.ioRunning()) {
        continue;
      }
      String before = receivedAtFailure.get(s.name());
      String now = s.replication().received();
      if (now != null && before != null && !now.equals(before)
          && failed.address().equals(s.replication().source())) {
        return s.name() + " still receives from it (" + before + " -> " + now + ")";
      }
    }
    return null;
  }

  private static Map<String, String> receivedPositions(TopologySnapshot snapshot, BackendDefinition writer) {
    Map<String, String> positions = new HashMap<>();
    for (BackendStatus s : snapshot.backends()) {
      if (!s.name().equals(writer.name()) && s.replication() != null && s.replication().received() != null) {
        positions.put(s.name(), s.replication().received());
      }
    }
    return positions;
  }

  /** The reachable master other than {@code failed} with the highest priority, or null. */
  private BackendDefinition standby(TopologySnapshot snapshot, BackendDefinition failed) {
    return masters().stream()
        .filter(b -> !b.name().equals(failed.name()))
        .filter(b -> availability.online(b.name()))
        .filter(b -> {
          BackendStatus s = snapshot.status(b.name());
          return s != null && s.reachable();
        })
        .max(Comparator.comparingInt(BackendDefinition::priority))
        .orElse(null);
  }

  /** Refuses writes, reads go on; the writer gets them back only by recovering (or an operator). */
  private void block(BackendDefinition failed, long epoch, String reason) {
    blockedWriter = failed;
    recoveries = 0;
    phase = Phase.BLOCKED;
    blocks.increment();
    writerRole.publish(new WriterRole.State(null, epoch, reason, false));
    decide("%s; writes are refused until it recovers or an operator fails over", reason);
  }

  /** No writer: a blocked writer that passes {@code rise} checks again takes writes back (same epoch). */
  private void withoutWriter(TopologySnapshot snapshot) {
    if (phase == Phase.SPLIT_BRAIN) {
      checkStartup(snapshot);
      return;
    }
    if (blockedWriter == null) {
      return;
    }
    BackendStatus s = snapshot.status(blockedWriter.name());
    // with no writer the monitor checks it as a standby: reachable, its facts read, replication sane
    if (s == null || writerProblem(s) != null) {
      recoveries = 0;
      return;
    }
    if (++recoveries >= settings.rise()) {
      decide("%s passes its checks again: it takes writes again (epoch %d)", blockedWriter.name(),
          writerRole.state().epoch());
      writerRole.publish(new WriterRole.State(blockedWriter, writerRole.state().epoch(), null, false));
      blockedWriter = null;
      failures = 0;
      phase = Phase.HEALTHY;
    }
  }

  /**
   * Never two writers: without a journal, the first time every master has been checked, two
   * writable masters mean split brain (writes refused until one is read-only); with one writable,
   * that one is the writer. With a journal, its writer is the writer and another writable master is
   * fenced — unless the journal's writer is read-only while another master is writable: then the
   * journal does not describe these servers, and writes are refused until an operator decides.
   * Returns true when writes are refused.
   */
  private boolean checkStartup(TopologySnapshot snapshot) {
    if (phase == Phase.SWITCHING) {
      return true; // a journaled promotion is being finished
    }
    List<BackendDefinition> writable = new ArrayList<>();
    for (BackendDefinition b : masters()) {
      BackendStatus s = snapshot.status(b.name());
      if (s == null || !s.checked()) {
        return phase == Phase.SPLIT_BRAIN; // not all checked yet
      }
      if (s.reachable() && s.facts() != null && !s.facts().readOnly()) {
        writable.add(b);
      }
    }
    if (journalWriter != null && !writable.isEmpty() && !writable.contains(journalWriter)) {
      // the journal and the servers disagree (servers rebuilt, or changed by hand): do not guess
      if (phase != Phase.SPLIT_BRAIN) {
        phase = Phase.SPLIT_BRAIN;
        splitBrains.increment();
        String reason = "the failover journal names " + journalWriter.name() + " as the writer, but it is read-only"
            + " and " + String.join(" and ", writable.stream().map(BackendDefinition::name).toList())
            + " is writable; make the right one the only writable master, or delete the journal";
        writerRole.publish(new WriterRole.State(null, writerRole.state().epoch(), reason, false));
        decide("%s; writes are refused", reason);
      }
      return true;
    }
    if (journalWriter == null && writable.size() > 1) {
      if (phase != Phase.SPLIT_BRAIN) {
        phase = Phase.SPLIT_BRAIN;
        splitBrains.increment();
        String names = String.join(" and ", writable.stream().map(BackendDefinition::name).toList());
        String reason = "split brain: " + names + " are both writable (read_only=OFF); set read_only=ON on the"
            + " one that must not take writes";
        writerRole.publish(new WriterRole.State(null, writerRole.state().epoch(), reason, false));
        decide("%s; writes are refused", reason);
      }
      return true;
    }
    startupChecked = true;
    if (phase == Phase.SPLIT_BRAIN) {
      BackendDefinition writer = journalWriter != null ? journalWriter
          : writable.isEmpty() ? WriterRole.highestPriorityMaster(backends) : writable.get(0);
      phase = Phase.HEALTHY;
      writerRole.publish(new WriterRole.State(writer, writerRole.state().epoch(), null, false));
      decide("split brain resolved: %s takes writes", writer.name());
    }
    return false;
  }

  // ------------------------------------------------------------------------------ promotion

  /**
   * Promotes {@code to} in place of {@code from}, publishing {@code epoch}: writes held, the old
   * writer fenced (when reachable) and every proxy connection to it dropped, the standby caught up
   * (from the most advanced replica if one received more, then applying all it received), its
   * channel from the old writer stopped and read_only off, the new writer published, the replicas
   * (and a reachable old writer) repointed to it. Each step is journaled before it takes effect.
   */
  private void promote(BackendDefinition from, BackendDefinition to, long epoch, boolean resumed, boolean fromReachable,
      boolean forced) {
    long began = System.nanoTime();
    phase = Phase.SWITCHING;
    long oldEpoch = writerRole.state().epoch();
    try {
      journal.write(new Entry(epoch, from.name(), from.name(), to.name(), Step.SWITCHING));
      writerRole.publish(new WriterRole.State(null, oldEpoch, null, true));
      event("step 1/4: writes held; fencing %s", from.name());
      if (fromReachable) {
        try {
          admin.run(from, settings.fenceTimeout(), sql(from).readOnly(true));
          event("%s: read_only=ON", from.name());
        } catch (AdminException e) {
          event("%s: could not be fenced (%s); its proxy connections are dropped", from.name(), e.getMessage());
        }
      }
      dropConnections.accept(from.name());
      stepHook.after("fenced");
      event("step 2/4: catching %s up", to.name());
      try {
        catchUp(to, from);
      } catch (AdminException e) {
        if (!(settings.allowLossyFailover() || forced) || resumed) {
          journal.write(new Entry(oldEpoch, from.name(), null, null, Step.DONE));
          block(from, oldEpoch, from.name() + " failed and promoting " + to.name() + " was refused: " + e.getMessage());
          return;
        }
        event("%s: %s; promoting anyway (%s)", to.name(), e.getMessage(),
            forced ? "FAILOVER FORCE" : "allow_lossy_failover");
      }
      ReplicationSql toSql = sql(to);
      try {
        admin.run(to, settings.fenceTimeout(), toSql.stop());
      } catch (AdminException e) {
        // its IO thread waits on a master that stopped answering (up to slave_net_timeout); the
        // statement goes on in the server, and nothing new can come from the fenced old writer
        event("%s: stopping replication from %s is still under way (%s); promoting", to.name(), from.name(),
            e.getMessage());
      }
      admin.run(to, settings.fenceTimeout(), toSql.readOnly(false));
      journal.write(new Entry(epoch, to.name(), from.name(), to.name(), Step.PROMOTED));
      stepHook.after("promoted");
      writerRole.publish(new WriterRole.State(to, epoch, null, false));
      promoted();
      event("step 3/4: %s takes writes (epoch %d), %d ms after the decision", to.name(), epoch,
          (System.nanoTime() - began) / 1_000_000);
      lastAutomaticFailover = System.nanoTime();
      failedOverYet = true;
      finishPromotion(from, to, epoch, fromReachable);
    } catch (StopPromotion e) {
      throw e;
    } catch (Exception e) {
      String reason = from.name() + " failed and promoting " + to.name() + " failed: " + e.getMessage();
      try {
        journal.write(new Entry(oldEpoch, from.name(), null, null, Step.DONE));
      } catch (IOException io) {
        log.error("cannot write the failover journal: {}", io.toString());
      }
      block(from, oldEpoch, reason);
    }
  }

  /** The replicas (and a reachable old writer) replicate from the new writer; the journal says DONE. */
  private void finishPromotion(BackendDefinition from, BackendDefinition to, long epoch, boolean fromReachable)
      throws Exception {
    for (BackendDefinition r : backends) {
      if (r.role() != Role.REPLICA) {
        continue;
      }
      try {
        ReplicationSql rs = sql(r);
        admin.run(r, settings.catchupTimeout(), rs.stop(), rs.pointTo(to), rs.start());
        event("step 4/4: %s replicates from %s", r.name(), to.name());
      } catch (AdminException e) {
        event("%s: could not be repointed to %s: %s", r.name(), to.name(), e.getMessage());
      }
    }
    if (fromReachable) {
      try {
        ReplicationSql fs = sql(from);
        RowCollector.Rows status = admin.run(from, settings.fenceTimeout(), fs.status());
        boolean already = status != null && !status.isEmpty()
            && to.host().equals(status.get(0, status.column("Master_Host") >= 0 ? "Master_Host" : "Source_Host"))
            && String.valueOf(to.port()).equals(status.get(0, status.column("Master_Port") >= 0 ? "Master_Port" : "Source_Port"));
        if (!already) {
          // STOP SLAVE may wait up to slave_net_timeout for an IO thread reading an idle master
          admin.run(from, settings.catchupTimeout(), fs.stop(), fs.pointTo(to), fs.start());
        } else {
          admin.run(from, settings.fenceTimeout(), fs.start());
        }
        event("%s replicates from %s (standby)", from.name(), to.name());
      } catch (AdminException e) {
        event("%s: could not be made to replicate from %s: %s", from.name(), to.name(), e.getMessage());
      }
    }
    journal.write(new Entry(epoch, to.name(), null, null, Step.DONE));
    stepHook.after("done");
    failures = 0;
    lastGood = null;
    previousGood = null;
    lastGoodCheck = null;
    blockedWriter = null;
    journalWriter = null;
    startupChecked = true;
    phase = Phase.HEALTHY;
    graceUntil = System.nanoTime() + interval.toNanos() * 4;
  }

  /**
   * The standby gets every transaction anyone received, then applies it all within
   * {@code catchup_timeout}: if a replica received more than the standby, the replica first
   * applies it and the standby fetches the difference from the replica's binary log.
   */
  private void catchUp(BackendDefinition standby, BackendDefinition from) throws AdminException {
    Duration timeout = settings.catchupTimeout();
    long seconds = Math.max(1, timeout.toSeconds());
    Duration stepTimeout = timeout.plus(settings.fenceTimeout());
    ReplicationSql ss = sql(standby);
    GtidPosition has = standbyHas(standby, ss);
    for (BackendDefinition r : backends) {
      if (r.role() != Role.REPLICA) {
        continue;
      }
      String received;
      try {
        received = admin.column(r, settings.fenceTimeout(), sql(r).status(), ReplicationSql.RECEIVED);
      } catch (AdminException e) {
        event("%s: not asked what it received (%s)", r.name(), e.getMessage());
        continue;
      }
      GtidPosition theirs = GtidPosition.parse(received);
      if (has.covers(theirs)) {
        continue;
      }
      event("%s received more than %s (%s): %s fetches the difference from %s", r.name(), standby.name(),
          received, standby.name(), r.name());
      ReplicationSql rs = sql(r);
      if (!"0".equals(admin.value(r, stepTimeout, rs.await(received, seconds)))) {
        throw new AdminException(r.name() + " did not apply what it received within " + seconds + " s");
      }
      admin.run(standby, settings.fenceTimeout(), ss.stop(), ss.pointTo(r), ss.start());
      if (!"0".equals(admin.value(standby, stepTimeout, ss.await(received, seconds)))) {
        throw new AdminException(standby.name() + " did not get " + r.name() + "'s transactions within " + seconds + " s");
      }
      admin.run(standby, settings.fenceTimeout(), ss.stop());
      has = standbyHas(standby, ss);
    }
    String received = admin.column(standby, settings.fenceTimeout(), ss.status(), ReplicationSql.RECEIVED);
    String pending = withoutOwnDomain(standby, ss, received);
    if (pending.isEmpty()) {
      return;
    }
    long backlog = ss.mariadb() ? GtidPosition.parse(pending).transactionsBeyond(
        GtidPosition.parse(admin.value(standby, settings.fenceTimeout(), "SELECT @@gtid_slave_pos"))) : -1;
    long began = System.nanoTime();
    admin.run(standby, settings.fenceTimeout(), ss.startApplier());
    String result = admin.value(standby, stepTimeout, ss.await(pending, seconds));
    if (!"0".equals(result)) {
      throw new AdminException(standby.name() + " did not apply what it received (" + pending
          + (backlog < 0 ? "" : ", " + backlog + " transactions behind") + ") within " + seconds
          + " s (catchup_timeout)");
    }
    event("%s applied everything it received (%s): %s in %d ms", standby.name(), pending,
        backlog < 0 ? "backlog not counted" : backlog + " transaction(s) were still to apply",
        (System.nanoTime() - began) / 1_000_000);
  }

  /** What the standby has: what it received and what its binary log holds (its own writes, what it applied). */
  private GtidPosition standbyHas(BackendDefinition standby, ReplicationSql ss) throws AdminException {
    String received = admin.column(standby, settings.fenceTimeout(), ss.status(), ReplicationSql.RECEIVED);
    String logged = admin.value(standby, settings.fenceTimeout(),
        ss.binlogPosition());
    return GtidPosition.parse(join(received, logged));
  }

  /**
   * The received position without the standby's own GTID domain (MariaDB): its own transactions
   * come back from the other master but are never applied, and it has them anyway.
   */
  private String withoutOwnDomain(BackendDefinition standby, ReplicationSql ss, String received) throws AdminException {
    if (received == null || received.isBlank() || !ss.mariadb()) {
      return received == null ? "" : received.trim();
    }
    String domain = admin.value(standby, settings.fenceTimeout(), "SELECT @@gtid_domain_id");
    List<String> kept = new ArrayList<>();
    for (String gtid : received.replaceAll("\\s+", "").split(",")) {
      if (!gtid.isEmpty() && !gtid.startsWith(domain + "-")) {
        kept.add(gtid);
      }
    }
    return String.join(",", kept);
  }

  private static String join(String a, String b) {
    if (a == null || a.isBlank()) {
      return b == null ? "" : b;
    }
    return b == null || b.isBlank() ? a : a + "," + b;
  }

  /** Finishes a promotion the journal shows half-done, with the epoch it was to publish. */
  private void resume(Entry entry) {
    BackendDefinition from = byName(entry.from());
    BackendDefinition to = byName(entry.target());
    if (from == null || to == null) {
      log.error("failover journal: unknown backends in {}", entry);
      return;
    }
    decide("journal: a promotion of %s in place of %s stopped at %s; finishing it (epoch %d)", to.name(),
        from.name(), entry.step(), entry.epoch());
    try {
      if (entry.step() == Step.PROMOTED) {
        writerRole.publish(new WriterRole.State(to, entry.epoch(), null, false));
        finishPromotion(from, to, entry.epoch(), false);
      } else {
        promote(from, to, entry.epoch(), true, reachable(from), false);
      }
    } catch (StopPromotion stopped) {
      closed = true;
      log.warn("failover controller stopped: {}", stopped.getMessage());
    } catch (Exception e) {
      log.error("finishing the promotion failed: {}", e.toString());
    }
  }

  private boolean reachable(BackendDefinition b) {
    try {
      admin.run(b, settings.fenceTimeout(), "SELECT 1");
      return true;
    } catch (AdminException e) {
      return false;
    }
  }

  // ------------------------------------------------------------------------------ operator actions

  /**
   * FAILOVER FORCE: an operator promotes {@code targetName} (null: the reachable master other than
   * the writer with the highest priority) now, without the lossless gate or the block window —
   * acknowledged writes the target lacks are lost. Logged as the operator's decision. Blocks until
   * done; returns what happened.
   */
  public String forceFailover(String targetName) throws Exception {
    try {
      return thread.submit(() -> {
        WriterRole.State state = writerRole.state();
        BackendDefinition from = state.writer() != null ? state.writer() : blockedWriter;
        TopologySnapshot snapshot = monitor.snapshot();
        BackendDefinition to = targetName != null ? byName(targetName)
            : from == null ? null : standby(snapshot, from);
        if (to == null || to.role() == Role.REPLICA || (from != null && to.name().equals(from.name()))) {
          throw new IllegalArgumentException("not a master other than the writer: " + targetName);
        }
        if (from == null) {
          from = masters().stream().filter(b -> !b.name().equals(to.name())).findFirst().orElse(to);
        }
        BackendStatus fromStatus = snapshot.status(from.name());
        decide("FAILOVER FORCE by an operator: promoting %s in place of %s without the lossless gate", to.name(),
            from.name());
        promote(from, to, state.epoch() + 1, false, fromStatus != null && fromStatus.reachable(), true);
        WriterRole.State after = writerRole.state();
        if (!after.isWriter(to)) {
          throw new IllegalStateException("promoting " + to.name() + " failed: " + after.refusal());
        }
        return lastDecision;
      }).get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception ex ? ex : e;
    }
  }

  /**
   * A planned switchover to {@code targetName} (null: the other master with the highest priority):
   * the commands already on their way to the writer finish (at most {@code fence_timeout}), the
   * writer is made read-only, the target waits until it has everything the writer logged, is
   * promoted, and the old writer and the replicas replicate from it. Writes wait meanwhile
   * ({@code hold_writes}). Blocks until done; returns what happened, or throws with why not.
   */
  public String switchover(String targetName) throws Exception {
    try {
      return thread.submit(() -> doSwitchover(targetName)).get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception ex ? ex : e;
    }
  }

  private String doSwitchover(String targetName) throws Exception {
    WriterRole.State state = writerRole.state();
    BackendDefinition from = state.writer();
    if (from == null) {
      throw new IllegalStateException("no writer to switch from: " + state.refusal());
    }
    BackendDefinition to = targetName == null ? standby(monitor.snapshot(), from) : byName(targetName);
    if (to == null || to.role() == Role.REPLICA || to.name().equals(from.name())) {
      throw new IllegalArgumentException("not a master other than the writer " + from.name() + ": " + targetName);
    }
    long began = System.nanoTime();
    long epoch = state.epoch() + 1;
    phase = Phase.SWITCHING;
    decide("switchover from %s to %s requested", from.name(), to.name());
    journal.write(new Entry(epoch, from.name(), from.name(), to.name(), Step.SWITCHING));
    writerRole.publish(new WriterRole.State(null, state.epoch(), null, true));
    ReplicationSql fs = sql(from);
    ReplicationSql ts = sql(to);
    try {
      // commands routed to the writer before the switch was published finish there first: made
      // read-only under them, a write would get the server's 1290 instead of being held
      int left = writerRole.awaitNoCommandsAtWriter(settings.fenceTimeout());
      if (left > 0) {
        event("%s: %d commands still running after %d ms; made read-only under them", from.name(), left,
            settings.fenceTimeout().toMillis());
      }
      admin.run(from, settings.fenceTimeout(), fs.readOnly(true));
      String position = admin.value(from, settings.fenceTimeout(),
          fs.binlogPosition());
      long seconds = Math.max(1, settings.catchupTimeout().toSeconds());
      String pending = withoutOwnDomain(to, ts, position);
      if (!pending.isEmpty() && !"0".equals(admin.value(to, settings.catchupTimeout().plus(settings.fenceTimeout()),
          ts.await(pending, seconds)))) {
        throw new AdminException(to.name() + " did not reach " + from.name() + "'s position " + position
            + " within " + seconds + " s");
      }
      dropConnections.accept(from.name());
      admin.run(to, settings.fenceTimeout(), ts.stop(), ts.readOnly(false));
    } catch (Exception e) {
      // back to the old writer, unharmed
      try {
        admin.run(from, settings.fenceTimeout(), fs.readOnly(false));
      } catch (AdminException ignored) {
        // it stays read-only; the controller will see the writer fail its checks
      }
      journal.write(new Entry(state.epoch(), from.name(), null, null, Step.DONE));
      writerRole.publish(state);
      phase = Phase.HEALTHY;
      decide("switchover to %s abandoned: %s", to.name(), e.getMessage());
      throw e;
    }
    journal.write(new Entry(epoch, to.name(), from.name(), to.name(), Step.PROMOTED));
    writerRole.publish(new WriterRole.State(to, epoch, null, false));
    promoted();
    long pause = (System.nanoTime() - began) / 1_000_000;
    finishPromotion(from, to, epoch, true);
    return decide("switchover: %s takes writes (epoch %d); writes paused %d ms", to.name(), epoch, pause);
  }

  // ------------------------------------------------------------------------------ helpers

  private List<BackendDefinition> masters() {
    return backends.stream().filter(b -> b.role() != Role.REPLICA).toList();
  }

  private BackendDefinition byName(String name) {
    for (BackendDefinition b : backends) {
      if (b.name().equals(name)) {
        return b;
      }
    }
    return null;
  }

  /** The replication dialect of {@code b} (asked once; MariaDB until known). */
  private ReplicationSql sql(BackendDefinition b) {
    ReplicationSql known = dialects.get(b.name());
    if (known != null) {
      return known;
    }
    try {
      ReplicationSql dialect = ReplicationSql.forVersion(admin.value(b, settings.fenceTimeout(), "SELECT VERSION()"));
      dialects.put(b.name(), dialect);
      return dialect;
    } catch (AdminException e) {
      return new ReplicationSql(true);
    }
  }

  /** Runs one maintenance statement, logging what it did (or why it could not). */
  private void run(BackendDefinition b, String format, String statement) {
    try {
      admin.run(b, settings.fenceTimeout(), statement);
      event(format, b.name());
    } catch (AdminException e) {
      once("failed:" + statement + b.name(), "%s: %s failed: %s", b.name(), statement, e.getMessage());
    }
  }

  private String decide(String format, Object... args) {
    String text = String.format(format, args);
    lastDecision = text;
    event("%s", text);
    return text;
  }

  private void once(String key, String format, Object... args) {
    if (!key.equals(lastLog)) {
      lastLog = key;
      event(format, args);
    }
  }

  /** A failure of the writer the controller decided not to fail over for: logged and counted once per episode. */
  private void refusedOnce(String key, String format, Object... args) {
    if (!key.equals(lastLog)) {
      refusals.increment();
    }
    once(key, format, args);
  }

  private void event(String format, Object... args) {
    String text = String.format(format, args);
    log.warn(text);
    remember(text);
  }

  /** A promotion published its writer: counted, and its time kept. */
  private void promoted() {
    promotions.increment();
    lastPromotion = Instant.now();
  }

  /** Keeps {@code text} in the history (the last {@link #MAX_EVENTS}). */
  private synchronized void remember(String text) {
    events.addLast(new Event(Instant.now(), text));
    while (events.size() > MAX_EVENTS) {
      events.removeFirst();
    }
  }

  /** Stops deciding; a promotion under way finishes its current statement first. */
  @Override
  public void close() {
    closed = true;
    thread.shutdownNow();
    try {
      thread.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    io.shutdownGracefully(0, 500, TimeUnit.MILLISECONDS);
  }

  /** Thrown by a test hook to stop a promotion where it is, as a killed proxy would. */
  public static final class StopPromotion extends RuntimeException {
    public StopPromotion(String step) {
      super("promotion stopped after " + step);
    }
  }
}
