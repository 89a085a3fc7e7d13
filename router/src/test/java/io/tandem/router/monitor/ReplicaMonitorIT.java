package io.tandem.router.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.config.BackendDefinition.Role;
import io.tandem.sandbox.SandboxOptions;
import io.tandem.sandbox.SandboxServer;
import io.tandem.sandbox.SandboxTopology;
import io.tandem.sandbox.SandboxUsers;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.LoggerFactory;

/**
 * The monitor against a real sandbox topology (m1 master, m2 standby, r1 and r2 replicas of m1),
 * checking every 100 ms with a 500 ms lag limit: replicas become eligible, leave when their
 * replication stops or falls behind, and come back. The tests run in order on one topology and
 * leave it healthy for the next.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicaMonitorIT {

  private static final Duration INTERVAL = Duration.ofMillis(100);
  private static final Duration LIMIT = Duration.ofMillis(500);

  private static SandboxTopology topology;
  private static ReplicaMonitor monitor;
  private static long monitorStarted;
  private static final ListAppender<ILoggingEvent> logLines = new ListAppender<>();

  @BeforeAll
  static void start() throws Exception {
    topology = SandboxTopology.start(SandboxOptions.forTests());
    List<BackendDefinition> backends = new ArrayList<>();
    for (SandboxServer s : topology.servers()) {
      Role role = switch (s.role()) {
        case "master" -> Role.MASTER;
        case "standby" -> Role.STANDBY;
        default -> Role.REPLICA;
      };
      backends.add(new BackendDefinition(s.name(), "127.0.0.1", s.port(), role, s.name().equals("m1") ? 2 : 1));
    }
    MonitorSettings settings = MonitorSettings.defaults(SandboxUsers.MONITOR_USER, SandboxUsers.MONITOR_PASSWORD)
        .withInterval(INTERVAL).withMaxReplicationLag(LIMIT);
    logLines.start();
    ((Logger) LoggerFactory.getLogger(ReplicaMonitor.class)).addAppender(logLines);
    monitor = new ReplicaMonitor(backends, backends.get(0), settings);
    monitorStarted = System.nanoTime();
    monitor.start();
  }

  @AfterAll
  static void stop() {
    if (monitor != null) {
      monitor.close();
    }
    ((Logger) LoggerFactory.getLogger(ReplicaMonitor.class)).detachAppender(logLines);
    if (topology != null) {
      topology.close();
    }
  }

  @Test
  @Order(1)
  void replicasBecomeEligibleWithinTwoSeconds() throws Exception {
    TopologySnapshot s = awaitSnapshot("r1 and r2 eligible", Duration.ofSeconds(2), monitorStarted,
        t -> t.status("r1").eligible() && t.status("r2").eligible());
    for (String r : List.of("r1", "r2")) {
      BackendStatus st = s.status(r);
      assertThat(st.role()).isEqualTo(Role.REPLICA);
      assertThat(st.reachable()).isTrue();
      assertThat(st.ioRunning()).isTrue();
      assertThat(st.sqlRunning()).isTrue();
      assertThat(st.healthy()).isTrue();
      assertThat(st.lag()).isNotNull().isLessThan(Duration.ofSeconds(1));
      assertThat(st.secondsBehindMaster()).isNotNull();
      assertThat(st.lastError()).isNull();
      assertThat(st.lastCheck()).isNotNull();
    }
    BackendStatus m1 = s.status("m1");
    assertThat(m1.role()).isEqualTo(Role.MASTER);
    assertThat(m1.reachable()).isTrue();
    assertThat(m1.lag()).as("the active master is never lag-checked").isNull();
    assertThat(m1.eligible()).isFalse();
    assertThat(s.activeMaster()).isEqualTo("m1");
    s = awaitSnapshot("m2 checked", Duration.ofSeconds(2), System.nanoTime(), t -> t.status("m2").lag() != null);
    assertThat(s.status("m2").role()).isEqualTo(Role.STANDBY);
    assertThat(s.status("m2").healthy()).isTrue();
    assertThat(s.status("m2").eligible()).as("a standby master is not a read target").isFalse();
    assertThat(s.eligibleReplicas()).extracting(BackendStatus::name).containsExactly("r1", "r2");

    // the heartbeat row is on the master, written with its server id, and has replicated
    assertThat(one("m1", "SELECT master_server_id FROM tandem.heartbeat WHERE id = 1")).isEqualTo("1");
    assertThat(one("r2", "SELECT master_server_id FROM tandem.heartbeat WHERE id = 1")).isEqualTo("1");

    ReplicaSelector selector = new ReplicaSelector(Map.of());
    assertThat(selector.select(s, LIMIT, Map.of(), 0).name()).isIn("r1", "r2");

    // steady state: ten more checks, not one more log line
    logLines.list.clear();
    long version = monitor.snapshot().version();
    Thread.sleep(10 * INTERVAL.toMillis());
    assertThat(monitor.snapshot().version()).as("snapshots keep coming").isGreaterThan(version + 10);
    assertThat(lines()).as("nothing logged per check").isEmpty();
  }

  @Test
  @Order(2)
  void stoppedSqlThreadLeavesWithinTwoIntervalsAndLagGrows() throws Exception {
    logLines.list.clear();
    exec("r1", "STOP SLAVE SQL_THREAD");
    long stopped = System.nanoTime();
    exec("m1", "CREATE TABLE IF NOT EXISTS app.monitor_it (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20))",
        "INSERT INTO app.monitor_it (v) VALUES ('a'), ('b'), ('c')");
    // its lag exceeds 500 ms at the latest 500 ms after the stop: out two intervals after that
    TopologySnapshot s = awaitSnapshot("r1 not eligible", LIMIT.plus(INTERVAL.multipliedBy(2)), stopped,
        t -> !t.status("r1").eligible());
    assertThat(s.status("r1").sqlRunning()).isFalse();
    assertThat(s.status("r1").ioRunning()).isTrue();
    assertThat(s.status("r2").eligible()).as("r2 unaffected").isTrue();
    assertThat(new ReplicaSelector(Map.of()).select(s, LIMIT, Map.of(), 0).name()).isEqualTo("r2");

    // the heartbeat stopped advancing on r1: its lag follows the clock
    s = awaitSnapshot("r1 lag over 1 s", Duration.ofSeconds(3), stopped,
        t -> t.status("r1").lag() != null && t.status("r1").lag().compareTo(Duration.ofSeconds(1)) > 0);
    Duration sinceStop = Duration.ofNanos(System.nanoTime() - stopped);
    assertThat(s.status("r1").lag()).isLessThan(sinceStop.plus(INTERVAL.multipliedBy(3)));
    assertThat(s.status("r1").lastError()).isEqualTo("replication SQL thread not running");
    assertThat(lines()).containsExactly("r1: not eligible (replication SQL thread not running)");
  }

  @Test
  @Order(3)
  void restartedSqlThreadComesBack() throws Exception {
    logLines.list.clear();
    exec("r1", "START SLAVE SQL_THREAD");
    TopologySnapshot s = awaitSnapshot("r1 eligible again", Duration.ofSeconds(3), System.nanoTime(),
        t -> t.status("r1").eligible());
    assertThat(s.status("r1").lag()).as("back under the limit x 0.8").isLessThan(Duration.ofMillis(400));
    assertThat(s.status("r1").sqlRunning()).isTrue();
    assertThat(one("r1", "SELECT COUNT(*) FROM app.monitor_it")).isEqualTo("3");
    assertEligibleAgainLogged("r1");
  }

  @Test
  @Order(4)
  void stoppedIoThreadLeavesWhateverSecondsBehindMasterSays() throws Exception {
    logLines.list.clear();
    exec("r2", "STOP SLAVE IO_THREAD");
    long stopped = System.nanoTime();
    TopologySnapshot s = awaitSnapshot("r2 not eligible", LIMIT.plus(INTERVAL.multipliedBy(2)), stopped,
        t -> !t.status("r2").eligible());
    assertThat(s.status("r2").ioRunning()).isFalse();
    assertThat(s.status("r2").sqlRunning()).isTrue();
    // the server's own estimate sees nothing wrong (NULL or 0): the heartbeat does
    String behind = slaveStatus("r2").get("Seconds_Behind_Master");
    assertThat(behind).isIn(null, "0");
    s = awaitSnapshot("r2 lag over the limit", Duration.ofSeconds(3), stopped,
        t -> t.status("r2").lag() != null && t.status("r2").lag().compareTo(LIMIT) > 0);
    assertThat(s.status("r2").lastError()).startsWith("replication IO thread not running");
    assertThat(s.status("r1").eligible()).isTrue();

    exec("r2", "START SLAVE IO_THREAD");
    s = awaitSnapshot("r2 eligible again", Duration.ofSeconds(3), System.nanoTime(), t -> t.status("r2").eligible());
    assertThat(s.status("r2").lag()).isLessThan(Duration.ofMillis(400));
    assertThat(s.status("r2").ioRunning()).isTrue();
    assertThat(lines().stream().filter(l -> l.startsWith("r2:")).findFirst().orElse("")).isEqualTo("r2: not eligible (replication IO thread not running)");
    assertEligibleAgainLogged("r2");
  }

  @Test
  @Order(5)
  void delayedReplicaGetsNoReadsAtOneSecond() throws Exception {
    Duration oneSecond = Duration.ofSeconds(1);
    exec("r1", "STOP SLAVE", "CHANGE MASTER TO MASTER_DELAY = 3", "START SLAVE");
    try {
      long changed = System.nanoTime();
      // nothing applied since the STOP: the lag passes 500 ms at the latest 500 ms after it, and the
      // replica is out by lag alone (both threads run) within two intervals after that
      TopologySnapshot late = awaitSnapshot("r1 out by lag", LIMIT.plus(INTERVAL.multipliedBy(2)), changed,
          t -> t.status("r1").healthy() && t.status("r1").lag().compareTo(LIMIT) > 0);
      assertThat(late.status("r1").eligible()).isFalse();
      TopologySnapshot s = awaitSnapshot("r1 behind by more than 1 s", Duration.ofSeconds(4), changed,
          t -> t.status("r1").lag() != null && t.status("r1").lag().compareTo(oneSecond) > 0);
      BackendStatus r1 = s.status("r1");
      assertThat(r1.healthy()).as("both threads run: it is only late").isTrue();
      assertThat(r1.ioRunning()).isTrue();
      assertThat(r1.sqlRunning()).isTrue();
      assertThat(ReplicaSelector.eligible(r1, oneSecond, s.hysteresis(), s.maxLag())).isFalse();
      assertThat(r1.eligible()).isFalse();
      // the delay is steady: a second later the lag is still over the limit (and under the 3 s delay
      // plus a margin for a loaded machine), and no read goes to r1
      Thread.sleep(1000);
      s = monitor.snapshot();
      assertThat(s.status("r1").lag()).isBetween(oneSecond, Duration.ofSeconds(5));
      ReplicaSelector selector = new ReplicaSelector(Map.of());
      for (int i = 0; i < 10; i++) {
        assertThat(selector.select(s, oneSecond, Map.of(), i).name()).isEqualTo("r2");
      }
    } finally {
      exec("r1", "STOP SLAVE", "CHANGE MASTER TO MASTER_DELAY = 0", "START SLAVE");
    }
    TopologySnapshot s = awaitSnapshot("r1 eligible again", Duration.ofSeconds(5), System.nanoTime(),
        t -> t.status("r1").eligible());
    assertThat(s.status("r1").lag()).isLessThan(Duration.ofMillis(400));
  }

  @Test
  @Order(6)
  void killedReplicaIsUnreachableThenBack() throws Exception {
    logLines.list.clear();
    topology.server("r2").kill();
    long killed = System.nanoTime();
    TopologySnapshot s = awaitSnapshot("r2 unreachable", Duration.ofSeconds(3), killed,
        t -> !t.status("r2").reachable());
    BackendStatus r2 = s.status("r2");
    assertThat(r2.eligible()).isFalse();
    assertThat(r2.healthy()).isFalse();
    assertThat(r2.lag()).isNull();
    assertThat(r2.lastError()).isNotBlank();
    assertThat(s.status("r1").eligible()).isTrue();
    assertThat(s.status("m1").reachable()).isTrue();
    assertThat(new ReplicaSelector(Map.of()).select(s, LIMIT, Map.of(), 0).name()).isEqualTo("r1");
    Thread.sleep(1500); // a few failed reconnections: back-off, still one log line
    // (a late line about r1 from the test before may be there too: only r2's lines count)
    assertThat(lines().stream().filter(l -> l.startsWith("r2"))).hasSize(1)
        .allMatch(l -> l.startsWith("r2: unreachable: "));

    topology.server("r2").start();
    s = awaitSnapshot("r2 eligible again", Duration.ofSeconds(10), System.nanoTime(), t -> t.status("r2").eligible());
    assertThat(s.status("r2").reachable()).isTrue();
    assertThat(s.status("r2").lag()).isLessThan(Duration.ofMillis(400));
    assertThat(lines().stream().filter(l -> l.startsWith("r2")).findFirst()).hasValueSatisfying(
        l -> assertThat(l).startsWith("r2: unreachable: "));
    assertEligibleAgainLogged("r2");
  }

  @Test
  @Order(7)
  void stoppedReplicationBetweenTheMastersMarksNobodyElseLagging() throws Exception {
    awaitSnapshot("r1 and r2 eligible, m2 healthy", Duration.ofSeconds(10), System.nanoTime(),
        t -> t.status("r1").eligible() && t.status("r2").eligible() && t.status("m2").healthy());
    long stopped = System.nanoTime();
    exec("m2", "STOP SLAVE"); // the standby no longer follows the active master
    exec("m1", "STOP SLAVE"); // nor the active master the standby
    try {
      TopologySnapshot s = awaitSnapshot("m2 unhealthy", Duration.ofSeconds(2), stopped,
          t -> !t.status("m2").healthy());
      Thread.sleep(4 * INTERVAL.toMillis()); // several more checks
      s = monitor.snapshot();
      assertThat(s.status("m2").lastError()).isNotBlank();
      assertThat(s.status("m1").reachable()).isTrue();
      assertThat(s.status("m1").lag()).as("the active master is never lag-checked").isNull();
      assertThat(s.status("m1").lastError()).isNull();
      assertThat(s.eligibleReplicas()).extracting(BackendStatus::name)
          .as("replicas of the active master are unaffected").containsExactly("r1", "r2");
    } finally {
      exec("m1", "START SLAVE");
      exec("m2", "START SLAVE");
    }
    awaitSnapshot("m2 healthy again", Duration.ofSeconds(10), System.nanoTime(), t -> t.status("m2").healthy());
  }

  // --- helpers ---------------------------------------------------------------------------

  /** Polls the monitor's snapshot until {@code condition} holds, at most {@code within} after {@code since}. */
  private static TopologySnapshot awaitSnapshot(String what, Duration within, long since,
      Predicate<TopologySnapshot> condition) throws InterruptedException {
    long deadline = since + within.toNanos();
    while (true) {
      TopologySnapshot s = monitor.snapshot();
      if (condition.test(s)) {
        System.out.printf("%s after %d ms%n", what, (System.nanoTime() - since) / 1_000_000);
        return s;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(what + ": not within " + within.toMillis() + " ms; " + s);
      }
      Thread.sleep(5);
    }
  }

  /**
   * The last line says the replica is back; on the way there (thread starting, lag still above
   * the hysteresis threshold) at most two other states are logged, each once.
   */
  private static void assertEligibleAgainLogged(String replica) {
    List<String> lines = lines().stream().filter(l -> l.startsWith(replica + ":")).toList();
    assertThat(lines).isNotEmpty().hasSizeLessThanOrEqualTo(4);
    assertThat(lines.get(lines.size() - 1)).startsWith(replica + ": eligible again (lag ");
    assertThat(lines).doesNotHaveDuplicates();
  }

  private static List<String> lines() {
    List<String> out = new ArrayList<>();
    for (ILoggingEvent e : List.copyOf(logLines.list)) {
      out.add(e.getFormattedMessage());
    }
    return out;
  }

  private static Connection root(String server) throws SQLException {
    return DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + topology.server(server).port() + "/?user=root");
  }

  private static void exec(String server, String... sql) throws SQLException {
    try (Connection c = root(server); Statement s = c.createStatement()) {
      for (String q : sql) {
        s.execute(q);
      }
    }
  }

  private static String one(String server, String sql) throws SQLException {
    try (Connection c = root(server); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  private static Map<String, String> slaveStatus(String server) throws SQLException {
    try (Connection c = root(server); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW SLAVE STATUS")) {
      Map<String, String> status = new HashMap<>();
      if (rs.next()) {
        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
          status.put(rs.getMetaData().getColumnLabel(i), rs.getString(i));
        }
      }
      return status;
    }
  }
}
