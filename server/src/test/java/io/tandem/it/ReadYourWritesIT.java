package io.tandem.it;

import static io.tandem.it.support.Sql.exec;
import static io.tandem.it.support.Sql.one;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.it.support.ExternalCommand;
import io.tandem.it.support.ProxyTopology;
import io.tandem.router.split.RoutingCounters;
import io.tandem.router.split.UserRoutePolicy;
import io.tandem.router.split.UserRoutePolicy.Consistency;
import io.tandem.router.split.UserRoutePolicy.DefaultRoute;
import io.tandem.router.split.UserRoutePolicy.NoReplica;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Read-your-writes on the sandbox topology. The replicas are held behind artificially: a
 * thread per replica keeps taking {@code FLUSH TABLES WITH READ LOCK} for a few milliseconds at a
 * time, which stalls the replication SQL thread (reads still run) while the replica stays well
 * within the lag limit and eligible. Then each write-then-read pair of a session either sees its
 * write or reads stale data.
 *
 * <p>{@code app} reads with {@code consistency: session}; {@code hashuser} with
 * {@code eventual}.
 */
class ReadYourWritesIT {

  private static final int PAIRS = 2000;
  private static final Duration TIMEOUT = Duration.ofMillis(300);
  private static ProxyTopology topology;

  @BeforeAll
  static void start() throws Exception {
    topology = ProxyTopology.startSplit(Map.of(
        "app", new UserRoutePolicy(DefaultRoute.AUTO, null, Consistency.SESSION, TIMEOUT, NoReplica.MASTER),
        ProxyTopology.HASH_USER, UserRoutePolicy.AUTO));
    try (Connection c = topology.connect("")) {
      exec(c, "CREATE TABLE ryw (id INT PRIMARY KEY, v INT NOT NULL)",
          "INSERT INTO ryw VALUES (1, 0), (2, 0), (3, 0), (4, 0), (5, 0)");
    }
    topology.awaitReplicated();
  }

  @AfterAll
  static void stop() {
    topology.close();
  }

  private static Connection eventualUser() throws SQLException {
    return DriverManager.getConnection("jdbc:mysql://127.0.0.1:" + topology.port() + "/app?user="
        + ProxyTopology.HASH_USER + "&password=" + ProxyTopology.HASH_PASSWORD + "&sslMode=DISABLED");
  }

  /** Write-then-read pairs on row {@code id}; returns how many reads did not see their write. */
  private static int staleReads(Connection c, int id) throws SQLException {
    int stale = 0;
    try (Statement s = c.createStatement()) {
      for (int i = 1; i <= PAIRS; i++) {
        s.executeUpdate("UPDATE ryw SET v = " + i + " WHERE id = " + id);
        if (!String.valueOf(i).equals(one(s, "SELECT v FROM ryw WHERE id = " + id))) {
          stale++;
        }
      }
    }
    return stale;
  }

  /** Stalls the replicas' SQL threads: {@code hold} ms of global read lock, 2 ms free, repeated. */
  private static final class Laggers implements AutoCloseable {
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final List<Thread> threads = new ArrayList<>();

    Laggers(int holdMillis) throws SQLException {
      for (String replica : List.of("r1", "r2")) {
        Connection root = topology.root(replica);
        Thread t = new Thread(() -> {
          try (root; Statement s = root.createStatement()) {
            while (!stop.get()) {
              s.execute("FLUSH TABLES WITH READ LOCK");
              Thread.sleep(holdMillis);
              s.execute("UNLOCK TABLES");
              Thread.sleep(2);
            }
          } catch (Throwable e) {
            failure.compareAndSet(null, e);
          }
        }, "lagger-" + replica);
        t.start();
        threads.add(t);
      }
    }

    @Override
    public void close() throws Exception {
      stop.set(true);
      for (Thread t : threads) {
        t.join(10_000);
      }
      assertThat(failure.get()).as("lagger failure").isNull();
    }
  }

  @Test
  void pymysqlAndTheMariadbCliAlwaysReadTheirOwnWrites() throws Exception {
    ExternalCommand.require("/usr/bin/mariadb", "apt-get install mariadb-client");
    StringBuilder script = new StringBuilder();
    for (int i = 1; i <= 500; i++) {
      script.append("UPDATE ryw SET v = ").append(i).append(" WHERE id = 4; SELECT v FROM ryw WHERE id = 4;\n");
    }
    try (Laggers lag = new Laggers(10)) {
      ExternalCommand.Result py = pymysqlPairs("app", "app", 3, false);
      assertThat(py.lines()).as(py.describe()).containsExactly("stale 0");
      // sha2user has no policy of its own: the shipped default (consistency: session, 500 ms);
      // caching_sha2_password's first login needs TLS, which PyMySQL takes without verifying
      ExternalCommand.Result defaults = pymysqlPairs(ProxyTopology.SHA2_USER, ProxyTopology.SHA2_PASSWORD, 5, true);
      assertThat(defaults.lines()).as(defaults.describe()).containsExactly("stale 0");
      ExternalCommand.Result cli = ExternalCommand.run(List.of("/usr/bin/mariadb", "--no-defaults", "-h127.0.0.1",
          "-P" + topology.port(), "-uapp", "-papp", "--skip-ssl", "-B", "-N", "app"), script.toString(),
          Duration.ofSeconds(120));
      assertThat(cli.exitCode()).as(cli.describe()).isZero();
      List<String> expected = new ArrayList<>();
      for (int i = 1; i <= 500; i++) {
        expected.add(String.valueOf(i));
      }
      assertThat(cli.lines()).as("each SELECT sees the UPDATE before it").isEqualTo(expected);
    }
  }

  /** 1000 autocommit UPDATE-then-SELECT pairs on row {@code id} with PyMySQL; prints "stale N". */
  private static ExternalCommand.Result pymysqlPairs(String user, String password, int id, boolean tls) {
    return ExternalCommand.run(List.of("/usr/bin/python3", "-c", """
        import sys, pymysql
        ssl = {'check_hostname': False} if sys.argv[5] == 'tls' else None
        c = pymysql.connect(host='127.0.0.1', port=int(sys.argv[1]), user=sys.argv[2], password=sys.argv[3],
                            database='app', autocommit=True, ssl=ssl)
        cur = c.cursor()
        row = int(sys.argv[4])
        stale = 0
        for i in range(1, 1001):
            cur.execute('UPDATE ryw SET v = %s WHERE id = %s', (i, row))
            cur.execute('SELECT v FROM ryw WHERE id = %s', (row,))
            if cur.fetchone()[0] != i:
                stale += 1
        print('stale', stale)
        """, String.valueOf(topology.port()), user, password, String.valueOf(id), tls ? "tls" : "plain"),
        Duration.ofSeconds(120));
  }

  @Test
  void eventualReadsSeeStaleDataWhileSessionReadsNeverDo() throws Exception {
    RoutingCounters counters = topology.routers().counters();
    long replicaCommandsBefore = counters.commands("r1") + counters.commands("r2");
    int eventualStale;
    int sessionStale;
    try (Laggers lag = new Laggers(10)) {
      try (Connection eventual = eventualUser()) {
        eventualStale = staleReads(eventual, 1);
      }
      long waitsBefore = counters.consistencyWaitsReached() + counters.consistencyWaitsTimedOut();
      try (Connection session = topology.connect("")) {
        sessionStale = staleReads(session, 2);
      }
      long waits = counters.consistencyWaitsReached() + counters.consistencyWaitsTimedOut() - waitsBefore;
      assertThat(waits).as("reads that waited for their write on a replica; %s", counters).isPositive();
    }
    System.out.printf("read-your-writes: %d pairs each; stale reads: eventual %d, session %d; %s%n",
        PAIRS, eventualStale, sessionStale, counters);
    assertThat(eventualStale).as("stale reads in eventual mode (the lag is real)").isPositive();
    assertThat(sessionStale).as("stale reads in session mode").isZero();
    assertThat(counters.commands("r1") + counters.commands("r2") - replicaCommandsBefore)
        .as("reads that ran on replicas: %s", counters).isGreaterThan(PAIRS);
  }

  @Test
  void aReplicaThatDoesNotCatchUpInTimeGivesTheReadToTheMaster() throws Exception {
    topology.awaitEligible("r1", "r2");
    RoutingCounters counters = topology.routers().counters();
    try (Connection session = topology.connect("");
        Connection r1 = topology.root("r1"); Statement l1 = r1.createStatement();
        Connection r2 = topology.root("r2"); Statement l2 = r2.createStatement()) {
      long timedOut = counters.consistencyWaitsTimedOut();
      l1.execute("FLUSH TABLES WITH READ LOCK");
      l2.execute("FLUSH TABLES WITH READ LOCK");
      try {
        exec(session, "UPDATE ryw SET v = -1 WHERE id = 1");
        assertThat(one(session, "SELECT CONCAT(v, '@', @@server_id) FROM ryw WHERE id = 1"))
            .as("the read waited %s on a replica, then ran on the master", TIMEOUT).isEqualTo("-1@1");
      } finally {
        l1.execute("UNLOCK TABLES");
        l2.execute("UNLOCK TABLES");
      }
      assertThat(counters.consistencyWaitsTimedOut()).isEqualTo(timedOut + 1);
    }
  }

  @Test
  void noWaitOnAReplicaTheMonitorHasSeenCatchUp() throws Exception {
    topology.awaitEligible("r1", "r2");
    RoutingCounters counters = topology.routers().counters();
    try (Connection session = topology.connect("")) {
      exec(session, "UPDATE ryw SET v = 7 WHERE id = 2");
      Thread.sleep(1000); // replicated, and seen by a few monitor checks (every 250 ms)
      long waits = counters.consistencyWaitsReached() + counters.consistencyWaitsTimedOut();
      long known = counters.consistencyKnownApplied();
      List<String> servers = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        servers.add(one(session, "SELECT CONCAT(v, '@', @@server_id) FROM ryw WHERE id = 2"));
      }
      assertThat(servers).as("reads on replicas, seeing the write").allMatch(s -> s.equals("7@3") || s.equals("7@4"));
      assertThat(counters.consistencyWaitsReached() + counters.consistencyWaitsTimedOut())
          .as("waits (a round trip each) for a position the monitor saw applied").isEqualTo(waits);
      assertThat(counters.consistencyKnownApplied()).as("replicas known to have the write").isGreaterThan(known);
    }
  }
}
