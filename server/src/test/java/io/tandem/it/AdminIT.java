package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.tandem.it.support.AdminClient;
import io.tandem.it.support.AdminClient.Table;
import io.tandem.it.support.ExternalCommand;
import io.tandem.it.support.ExternalCommand.Result;
import io.tandem.it.support.ProxyTopology;
import io.tandem.it.support.Sql;
import io.tandem.it.support.WriteLoad;
import io.tandem.router.classify.StatementClassifier;
import io.tandem.sandbox.SandboxUsers;
import io.tandem.server.TandemVersion;
import io.tandem.server.config.AdminConfig;
import io.tandem.server.config.ConfigLoader;
import io.tandem.server.sandbox.SandboxProxyConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin port of a proxy run exactly as {@code tandem sandbox} runs it, through real clients:
 * the {@code mariadb} CLI in batch mode (and once interactively), Connector/J and MariaDB
 * Connector/J. Every admin command is exercised, and what each shows is checked against what was
 * done to the proxy and the servers. One topology for all tests, in order: the ones that move the
 * writer come last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdminIT {

  private static final Logger log = LoggerFactory.getLogger(AdminIT.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  /** The statement whose digest SHOW QUERY DIGESTS must show, with literals varied per run. */
  private static final String PROBE = "SELECT 'probe-%d' AS admin_it_probe FROM DUAL WHERE %d = %d";
  private static final String PROBE_DIGEST = "SELECT ? AS admin_it_probe FROM DUAL WHERE ? = ?";

  private static ProxyTopology topology;
  private static AdminClient admin;

  @BeforeAll
  static void start() throws Exception {
    ExternalCommand.require(AdminClient.MARIADB, "apt-get install mariadb-client");
    topology = ProxyTopology.startAsSandbox();
    admin = new AdminClient(topology.adminPort(), SandboxProxyConfig.ADMIN_USER, SandboxProxyConfig.ADMIN_PASSWORD);
  }

  @AfterAll
  static void stop() {
    if (topology != null) {
      ProxyTopology t = topology;
      topology = null;
      t.close();
    }
  }

  // ------------------------------------------------------------------------------ login, listener

  @Test
  @Order(10)
  void wrongPasswordIsRefusedAndTheListenerIsOnLoopbackOnly() throws Exception {
    String stderr = admin.as("admin", "wrong").cliError("SHOW VERSION", 1045, "28000");
    assertThat(stderr).contains("Access denied for user 'admin'");
    // the proxy's client accounts are not admin accounts
    admin.as("app", "app").cliError("SHOW VERSION", 1045, "28000");
    assertThat(admin.cliQuery("SHOW VERSION").value("routing")).as("the right password gets in")
        .isEqualTo("read_write_split");

    for (AdminClient wrong : List.of(admin.as("admin", "wrong"), admin.as("app", "app"))) {
      assertThatThrownBy(() -> DriverManager.getConnection(wrong.mysqlUrl()).close())
          .isInstanceOfSatisfying(SQLException.class, e -> {
            assertThat(e.getErrorCode()).as(e.toString()).isEqualTo(1045);
            assertThat(e.getSQLState()).as(e.toString()).isEqualTo("28000");
          });
    }
    assertThatThrownBy(() -> DriverManager.getConnection(admin.as("admin", "wrong").mariadbUrl()).close())
        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getErrorCode()).isEqualTo(1045));

    // what the admin listener is bound to, as the kernel reports it
    List<String> bound = listeningAddresses(topology.adminPort());
    assertThat(bound).as("listening sockets on port %d", topology.adminPort()).isNotEmpty()
        .allMatch(a -> a.equals(LOOPBACK_V4) || a.equals(LOOPBACK_V4_MAPPED), "127.0.0.1");
    // and what an admin section without host binds to
    String noHost = Files.readString(topology.configFile()).replace("admin:\n  host: 127.0.0.1\n", "admin:\n");
    assertThat(noHost).doesNotContain("admin:\n  host:");
    Path copy = topology.configFile().resolveSibling("admin-without-host.yaml");
    try {
      Files.writeString(copy, noHost);
      assertThat(ConfigLoader.load(copy).admin().host()).isEqualTo(AdminConfig.DEFAULT_HOST).isEqualTo("127.0.0.1");
    } finally {
      Files.deleteIfExists(copy);
    }
  }

  // ------------------------------------------------------------------------------ HELP, errors

  @Test
  @Order(20)
  void helpListsEveryCommandAndAnUnknownCommandIsASyntaxError() throws Exception {
    List<String> commands = List.of("HELP", "SHOW VERSION", "SHOW BACKENDS", "SHOW POOLS", "SHOW SESSIONS",
        "SHOW QUERY DIGESTS [LIMIT n]", "RESET QUERY DIGESTS", "SHOW ROUTING STATS", "SHOW FAILOVER STATUS",
        "SHOW EVENTS [LIMIT n]", "SET BACKEND <name> OFFLINE [SOFT|HARD]", "SET BACKEND <name> ONLINE",
        "SWITCHOVER [TO <name>]", "FAILOVER FORCE [TO <name>]", "KILL SESSION <id>", "RELOAD CONFIG", "SHOW CONFIG");
    Table cli = admin.cliQuery("SHOW HELP");
    assertThat(cli.columns()).containsExactly("Command", "Description");
    assertThat(cli.column("Command")).as(cli.toString()).hasSameSizeAs(commands);
    for (String command : commands) {
      assertThat(cli.column("Command")).as("SHOW HELP lists %s", command)
          .anyMatch(c -> c.equals(command) || c.startsWith(command + " "));
    }
    assertThat(cli.column("Description")).allMatch(d -> d != null && d.length() > 5);

    try (Connection c = admin.connect()) {
      Table jdbc = AdminClient.query(c, "HELP");
      assertThat(jdbc).as("HELP through Connector/J is SHOW HELP").isEqualTo(cli);
      assertThatThrownBy(() -> AdminClient.query(c, "SHOW NONSENSE"))
          .isInstanceOfSatisfying(SQLException.class, e -> {
            assertThat(e.getErrorCode()).isEqualTo(1064);
            assertThat(e.getSQLState()).isEqualTo("42000");
            assertThat(e.getMessage()).contains("SHOW NONSENSE").contains("HELP");
          });
      assertThat(AdminClient.query(c, "show   version;").value("failover")).as("the session goes on; case,"
          + " spaces and a trailing ; do not matter").isEqualTo("on");
    }
    assertThat(admin.cliError("FROBNICATE BACKENDS", 1064, "42000")).contains("HELP");
  }

  /** Connector/J as it comes: its connect query starts with a comment naming the driver. */
  @Test
  @Order(25)
  void connectorJConnectsWithItsDefaultSettings() throws Exception {
    try (Connection c = DriverManager.getConnection(admin.mysqlUrl())) {
      assertThat(AdminClient.query(c, "SHOW VERSION").value("version")).isEqualTo(TandemVersion.get());
    }
  }

  @Test
  @Order(30)
  void theInteractiveCliAsksForTheVersionCommentAtStartup() {
    Path script = Path.of("/usr/bin/script");
    assumeThat(Files.isExecutable(script)).as("util-linux script (a terminal for the CLI)").isTrue();
    // without -e and with a terminal the CLI is interactive: it sends "select @@version_comment
    // limit 1" and prints the answer in its banner
    String cli = String.join(" ", List.of(AdminClient.MARIADB, "--no-defaults", "-h127.0.0.1",
        "-P" + topology.adminPort(), "-uadmin", "-padmin"));
    Result r = ExternalCommand.run(List.of(script.toString(), "-qec", "TERM=dumb " + cli, "/dev/null"),
        "SHOW FAILOVER STATUS;\nquit\n", TIMEOUT);
    assertThat(r.exitCode()).as(r.describe()).isZero();
    assertThat(r.stdout()).as(r.describe())
        .contains("Server version: " + TandemVersion.get() + "-tandem-admin Tandem admin")
        .containsPattern("\\| writer +\\| m1 +\\|")
        .doesNotContain("ERROR");
  }

  // ------------------------------------------------------------------------------ SHOW VERSION, FAILOVER STATUS

  @Test
  @Order(40)
  void versionAndFailoverStatusDescribeTheRunningProxy() throws Exception {
    try (Connection c = admin.connectMariadb()) {
      Table version = AdminClient.query(c, "SHOW VERSION");
      assertThat(version.columns()).containsExactly("Name", "Value");
      assertThat(version.value("version")).isEqualTo(TandemVersion.get()).isNotEqualTo("unknown");
      assertThat(version.value("routing")).isEqualTo("read_write_split");
      assertThat(version.value("failover")).isEqualTo("on");
      assertThat(version.value("java")).isEqualTo(System.getProperty("java.version"));
      long uptime = version.number("uptime_seconds");
      assertThat(uptime).isNotNegative();
      await("uptime_seconds grows", () -> AdminClient.query(c, "SHOW VERSION").number("uptime_seconds"),
          u -> u > uptime);

      Table status = AdminClient.query(c, "SHOW FAILOVER STATUS");
      assertThat(status.column("Name")).startsWith("state", "writer", "epoch", "writes", "last_decision")
          .contains("promotions", "refusals", "blocks", "split_brain_detections", "last_promotion");
      assertThat(status.value("state")).isEqualTo("HEALTHY");
      assertThat(status.value("writer")).isEqualTo("m1")
          .isEqualTo(topology.stack().writerRole().writer().name());
      assertThat(status.number("epoch")).isZero();
      assertThat(status.value("writes")).isEqualTo("accepted");
      assertThat(status.value("last_decision")).isEqualTo(topology.stack().controller().lastDecision());
      assertThat(status.number("promotions")).isZero();
      assertThat(status.value("last_promotion")).isNull();
    }
    assertThat(admin.cliQuery("SHOW FAILOVER STATUS").value("writer")).isEqualTo("m1");
  }

  // ------------------------------------------------------------------------------ SHOW BACKENDS

  @Test
  @Order(50)
  void showBackendsFollowsTheReplicationOfR1() throws Exception {
    Table b = admin.cliQuery("SHOW BACKENDS");
    assertThat(b.columns()).startsWith("name", "address", "role", "state", "admin_state", "read_only",
        "lag_seconds", "io_thread", "sql_thread", "eligible").contains("gtid", "source", "commands", "last_error");
    assertThat(b.column("name")).containsExactly("m1", "m2", "r1", "r2");
    for (String name : List.of("m1", "m2", "r1", "r2")) {
      assertThat(b.get(name, "address")).isEqualTo("127.0.0.1:" + topology.sandbox().server(name).port());
      assertThat(b.get(name, "state")).as(name).isEqualTo("up");
      assertThat(b.get(name, "admin_state")).as(name).isEqualTo("online");
    }
    assertThat(b.get("m1", "role")).isEqualTo("writer");
    assertThat(b.get("m1", "read_only")).isEqualTo("0");
    assertThat(b.get("m1", "lag_seconds")).as("the writer is not lag-checked").isNull();
    assertThat(b.get("m2", "role")).isEqualTo("standby");
    assertThat(b.get("m2", "read_only")).isEqualTo("1");
    assertThat(b.get("m2", "source")).isEqualTo("m1");
    for (String name : List.of("m2", "r1", "r2")) {
      assertThat(b.get(name, "io_thread")).as(name).isEqualTo("Yes");
      assertThat(b.get(name, "sql_thread")).as(name).isEqualTo("Yes");
    }
    for (String name : List.of("r1", "r2")) {
      assertThat(b.get(name, "role")).isEqualTo("replica");
      assertThat(b.get(name, "eligible")).as(name).isEqualTo("1");
      assertThat(b.get(name, "source")).isEqualTo("m1");
      assertThat(Double.parseDouble(b.get(name, "lag_seconds"))).as(name).isLessThan(1.0);
    }

    int events0 = admin.query("SHOW EVENTS").size();
    try (Connection r1 = topology.root("r1")) {
      Sql.exec(r1, "STOP SLAVE IO_THREAD");
    }
    try {
      Table stopped = await("SHOW BACKENDS shows r1's IO thread stopped", () -> admin.query("SHOW BACKENDS"),
          t -> "No".equals(t.get("r1", "io_thread")) && "0".equals(t.get("r1", "eligible")));
      assertThat(stopped.get("r1", "sql_thread")).isEqualTo("Yes");
      assertThat(stopped.get("r1", "last_error")).contains("IO thread");
      assertThat(stopped.get("r2", "eligible")).isEqualTo("1");
      double lag1 = Double.parseDouble(stopped.get("r1", "lag_seconds"));
      long read1 = System.nanoTime();
      Table later = await("1.5 s later", () -> admin.query("SHOW BACKENDS"),
          t -> System.nanoTime() - read1 > 1_500_000_000L);
      double lag2 = Double.parseDouble(later.get("r1", "lag_seconds"));
      log.info("r1 without IO thread: lag {} s, then {} s", lag1, lag2);
      assertThat(lag2).as("r1's lag grows while it receives nothing (%s, then %s)", lag1, lag2)
          .isGreaterThan(lag1 + 1.0);
      assertThat(Double.parseDouble(later.get("r2", "lag_seconds"))).as("r2's does not").isLessThan(1.0);
    } finally {
      try (Connection r1 = topology.root("r1")) {
        Sql.exec(r1, "START SLAVE");
      }
    }
    Table back = await("r1 eligible again", () -> admin.query("SHOW BACKENDS"),
        t -> "Yes".equals(t.get("r1", "io_thread")) && "1".equals(t.get("r1", "eligible")));
    assertThat(Double.parseDouble(back.get("r1", "lag_seconds"))).isLessThan(1.0);
    topology.awaitEligible("r1", "r2");

    // the monitor's view of it in the event history, newest first
    List<String> events = await("r1's way back in SHOW EVENTS", () -> admin.cliQuery("SHOW EVENTS"),
        t -> !t.column("event").isEmpty() && t.column("event").get(0).startsWith("r1: eligible")).column("event");
    List<String> since = events.subList(0, events.size() - events0);
    int stopped = since.indexOf("r1: not eligible (replication IO thread not running)");
    assertThat(stopped).as("what happened since the STOP, newest first: %s", since).isPositive();
    assertThat(since.subList(0, stopped)).anyMatch(e -> e.startsWith("r1: eligible again (lag "));
  }

  // ------------------------------------------------------------------------------ POOLS, ROUTING STATS, DIGESTS

  @Test
  @Order(60)
  void poolsRoutingStatsAndQueryDigestsCountTheReads() throws Exception {
    int n = 40;
    admin.update("RESET QUERY DIGESTS");
    Table stats0 = admin.query("SHOW ROUTING STATS");
    Table pools0 = admin.cliQuery("SHOW POOLS");
    Table backends0 = admin.query("SHOW BACKENDS");
    assertThat(stats0.value("mode")).isEqualTo("read_write_split");
    assertThat(stats0.number("eligible_replicas")).isEqualTo(2);
    assertThat(stats0.value("max_replication_lag_seconds")).isEqualTo("1.000000");
    assertThat(pools0.columns()).containsExactly("backend", "role", "idle", "busy", "total", "commands", "errors",
        "bytes_received", "bytes_sent");
    assertThat(pools0.column("backend")).containsExactly("m1", "m2", "r1", "r2");

    String sql = null;
    try (Connection app = topology.connect(""); Statement s = app.createStatement()) {
      for (int i = 1; i <= n; i++) {
        sql = PROBE.formatted(i, i, i);
        assertThat(Sql.one(s, sql)).isEqualTo("probe-" + i);
      }
      // between its commands the session gives its server connections back (multiplexing): they
      // wait idle in the pool, none is busy
      Table between = admin.cliQuery("SHOW POOLS");
      assertThat(between.column("busy").stream().mapToLong(Long::parseLong).sum())
          .as("busy connections between commands\n%s", between).isZero();
      assertThat(between.column("idle").stream().mapToLong(Long::parseLong).sum())
          .as("idle connections between commands\n%s", between).isPositive();
    }
    Table stats = admin.query("SHOW ROUTING STATS");
    Table pools = admin.cliQuery("SHOW POOLS");
    Table backends = admin.query("SHOW BACKENDS");
    log.info("routing stats after {} reads:\n{}\npools:\n{}", n, stats, pools);

    assertThat(stats.number("commands_replica") - stats0.number("commands_replica"))
        .as("commands_replica\n%s\n%s", stats0, stats).isGreaterThanOrEqualTo(n);
    assertThat(onReplicas(stats) - onReplicas(stats0)).as("commands_on_r1 + commands_on_r2")
        .isGreaterThanOrEqualTo(n);
    assertThat(stats.number("classifier_cache_hits")).as("one probe shape, parsed once")
        .isGreaterThanOrEqualTo(stats0.number("classifier_cache_hits") + n - 1);
    long poolCommands = 0;
    long backendCommands = 0;
    long bytesSent = 0;
    for (String r : List.of("r1", "r2")) {
      poolCommands += Long.parseLong(pools.get(r, "commands")) - Long.parseLong(pools0.get(r, "commands"));
      backendCommands += Long.parseLong(backends.get(r, "commands")) - Long.parseLong(backends0.get(r, "commands"));
      // one session: its reads keep to one replica (affinity), so only the sum says they were sent
      bytesSent += Long.parseLong(pools.get(r, "bytes_sent")) - Long.parseLong(pools0.get(r, "bytes_sent"));
      assertThat(Long.parseLong(pools.get(r, "total")))
          .isEqualTo(Long.parseLong(pools.get(r, "idle")) + Long.parseLong(pools.get(r, "busy")));
    }
    assertThat(bytesSent).as("bytes sent to r1 and r2\n%s\n%s", pools0, pools).isGreaterThan(0);
    assertThat(poolCommands).as("SHOW POOLS commands on r1 and r2\n%s\n%s", pools0, pools)
        .isGreaterThanOrEqualTo(n);
    assertThat(backendCommands).as("SHOW BACKENDS commands on r1 and r2").isGreaterThanOrEqualTo(n);
    await("the closed session's connections back in the pools", () -> admin.query("SHOW POOLS"),
        t -> t.column("busy").stream().allMatch("0"::equals)
            && Long.parseLong(t.get("r1", "idle")) + Long.parseLong(t.get("r2", "idle")) > 0);

    assertThat(StatementClassifier.digest(sql)).isEqualTo(PROBE_DIGEST);
    Table digests = admin.cliQuery("SHOW QUERY DIGESTS");
    assertThat(digests.columns()).containsExactly("digest", "count", "total_seconds", "avg_seconds", "max_seconds",
        "rows", "errors", "backends");
    assertThat(digests.get(PROBE_DIGEST, "count")).as(digests.toString()).isEqualTo(Integer.toString(n));
    assertThat(digests.get(PROBE_DIGEST, "rows")).isEqualTo(Integer.toString(n));
    assertThat(digests.get(PROBE_DIGEST, "errors")).isEqualTo("0");
    assertThat(Double.parseDouble(digests.get(PROBE_DIGEST, "total_seconds"))).isPositive();
    long onReplicas = 0;
    for (String part : digests.get(PROBE_DIGEST, "backends").split(",")) {
      String[] kv = part.split(":");
      assertThat(kv[0]).as("the probe ran on replicas only").isIn("r1", "r2");
      onReplicas += Long.parseLong(kv[1]);
    }
    assertThat(onReplicas).isEqualTo(n);
    assertThat(digests.size()).as("Connector/J's own statements have digests too").isGreaterThan(1);
    assertThat(admin.query("SHOW QUERY DIGESTS LIMIT 1").size()).isEqualTo(1);

    assertThat(admin.update("RESET QUERY DIGESTS")).as("digests forgotten").isEqualTo(digests.size());
    Table after = admin.query("SHOW QUERY DIGESTS");
    assertThat(after.rows()).as(after.toString()).isEmpty();
  }

  private static long onReplicas(Table stats) {
    return (stats.hasRow("commands_on_r1") ? stats.number("commands_on_r1") : 0)
        + (stats.hasRow("commands_on_r2") ? stats.number("commands_on_r2") : 0);
  }

  // ------------------------------------------------------------------------------ SHOW SESSIONS, KILL SESSION

  @Test
  @Order(70)
  void showSessionsShowsTheRunningStatementAndKillSessionClosesIt() throws Exception {
    try (Connection victim = topology.connect(""); Connection idle = topology.connect("")) {
      String id = Sql.one(victim, "SELECT CONNECTION_ID()");
      String idleId = Sql.one(idle, "SELECT CONNECTION_ID()");
      CompletableFuture<Object> sleeper = CompletableFuture.supplyAsync(() -> {
        try (Statement s = victim.createStatement()) {
          return Sql.one(s, "SELECT SLEEP(20)");
        } catch (SQLException e) {
          return e;
        }
      });
      Table sessions = await("SHOW SESSIONS shows the SLEEP", () -> admin.cliQuery("SHOW SESSIONS"),
          t -> t.hasRow(id) && t.get(id, "command") != null && t.get(id, "command").contains("SLEEP"));
      assertThat(sessions.columns()).containsExactly("id", "client", "user", "schema", "backends", "pinned_by", "in_transaction",
          "age_seconds", "command", "command_seconds");
      assertThat(sessions.get(id, "command")).isEqualTo("SELECT SLEEP(20)");
      assertThat(sessions.get(id, "user")).isEqualTo("app");
      assertThat(sessions.get(id, "schema")).isEqualTo("app");
      assertThat(sessions.get(id, "client")).startsWith("127.0.0.1:");
      assertThat(sessions.get(id, "in_transaction")).isEqualTo("0");
      assertThat(sessions.get(id, "backends")).isNotEmpty();
      assertThat(Double.parseDouble(sessions.get(id, "command_seconds"))).isNotNegative();
      assertThat(sessions.get(idleId, "command")).as("the idle session runs nothing").isNull();
      assertThat(sessions.get(idleId, "command_seconds")).isNull();
      assertThat(sessions.column("id")).as("admin sessions are not client sessions").containsOnly(id, idleId);

      long began = System.nanoTime();
      assertThat(admin.update("KILL SESSION " + id)).isEqualTo(1);
      Object outcome = sleeper.get(15, TimeUnit.SECONDS);
      assertThat((System.nanoTime() - began) / 1e9).as("the SLEEP(20) was cut").isLessThan(10);
      assertThat(outcome).as("the killed client's statement fails").isInstanceOf(SQLException.class);
      assertThat(victim.isValid(2)).isFalse();
      await("the killed session leaves SHOW SESSIONS", () -> admin.query("SHOW SESSIONS"), t -> !t.hasRow(id));
      assertThat(admin.query("SHOW SESSIONS").hasRow(idleId)).isTrue();
      assertThat(Sql.one(idle, "SELECT 'still here'")).as("other sessions are left alone").isEqualTo("still here");
    }
    await("no sessions left", () -> admin.query("SHOW SESSIONS"), t -> t.rows().isEmpty());

    assertThatThrownBy(() -> admin.update("KILL SESSION 999999"))
        .isInstanceOfSatisfying(SQLException.class, e -> {
          assertThat(e.getErrorCode()).isEqualTo(1094);
          assertThat(e.getMessage()).contains("999999");
        });
    admin.cliError("KILL SESSION 999999", 1094, "HY000");
  }

  /**
   * The answers that are OK packets with a message (SET BACKEND, RESET QUERY DIGESTS, KILL
   * SESSION; SWITCHOVER and FAILOVER FORCE too) as the mariadb CLI (libmariadb) and Connector/J
   * read them: the command runs, and the client reports success. The message is a length-encoded
   * string, as servers send it: written raw, libmariadb reports ERROR 2027 "Received malformed
   * packet" and Connector/J "Buffer length is less than expected payload length" although the
   * command ran.
   */
  @Test
  @Order(80)
  void okAnswersReachTheCliAndConnectorJIntact() throws Exception {
    SoftAssertions softly = new SoftAssertions();
    try (Connection app = topology.connect("")) {
      String id = Sql.one(app, "SELECT CONNECTION_ID()");
      Sql.one(app, PROBE.formatted(0, 0, 0));
      assertThat(admin.query("SHOW QUERY DIGESTS").column("digest")).contains(PROBE_DIGEST);
      for (String command : List.of("SET BACKEND r2 OFFLINE", "SET BACKEND r2 ONLINE", "RESET QUERY DIGESTS",
          "KILL SESSION " + id)) {
        Result r = admin.cli(command);
        softly.assertThat(r.exitCode()).as("mariadb exit code\n%s", r.describe()).isZero();
        softly.assertThat(r.stderr()).as("mariadb stderr\n%s", r.describe()).isEmpty();
        if (command.endsWith("OFFLINE")) {
          assertThat(admin.query("SHOW BACKENDS").get("r2", "admin_state")).as("it ran").isEqualTo("offline_soft");
        }
      }
      assertThat(admin.query("SHOW BACKENDS").get("r2", "admin_state")).isEqualTo("online");
      assertThat(admin.query("SHOW QUERY DIGESTS").rows()).isEmpty();
      await("the session killed through the CLI is gone", () -> admin.query("SHOW SESSIONS"), t -> !t.hasRow(id));
    }
    try (Connection c = admin.connect(); Statement s = c.createStatement()) {
      for (String command : List.of("SET BACKEND r2 OFFLINE HARD", "SET BACKEND r2 ONLINE", "RESET QUERY DIGESTS")) {
        softly.assertThatCode(() -> assertThat(s.executeLargeUpdate(command)).isNotNegative())
            .as("Connector/J: %s", command).doesNotThrowAnyException();
        if (command.endsWith("HARD")) {
          assertThat(admin.query("SHOW BACKENDS").get("r2", "admin_state")).as("it ran").isEqualTo("offline_hard");
        }
      }
    }
    assertThat(admin.query("SHOW BACKENDS").get("r2", "admin_state")).isEqualTo("online");
    topology.awaitEligible("r1", "r2");
    softly.assertAll();
  }

  // ------------------------------------------------------------------------------ SET BACKEND

  @Test
  @Order(90)
  void setBackendOfflineSoftLetsTheTransactionFinishAndHardCutsIt() throws Exception {
    try (Connection tx = topology.connect(""); Statement s = tx.createStatement()) {
      s.execute("START TRANSACTION READ ONLY");
      String pinnedId = Sql.one(s, "SELECT @@server_id");
      String pinned = serverName(pinnedId);
      assertThat(pinned).as("a read-only transaction runs on a replica").isIn("r1", "r2");
      String other = pinned.equals("r1") ? "r2" : "r1";
      String otherId = Integer.toString(topology.sandbox().server(other).serverId());

      assertThat(admin.update("SET BACKEND " + pinned + " OFFLINE SOFT")).isEqualTo(1);
      for (int i = 0; i < 3; i++) {
        assertThat(Sql.one(s, "SELECT @@server_id")).as("the open transaction stays on %s", pinned)
            .isEqualTo(pinnedId);
      }
      s.execute("COMMIT");

      Table b = admin.cliQuery("SHOW BACKENDS");
      assertThat(b.get(pinned, "admin_state")).isEqualTo("offline_soft");
      assertThat(b.get(pinned, "eligible")).isEqualTo("0");
      assertThat(b.get(pinned, "state")).as("the server itself is fine").isEqualTo("up");
      assertThat(b.get(other, "admin_state")).isEqualTo("online");
      assertThat(b.get(other, "eligible")).isEqualTo("1");
      assertThat(readsOn(50)).as("autocommit reads while %s is offline", pinned).containsOnly(otherId);
      assertThat(Sql.one(s, "SELECT @@server_id")).as("the same session, after its transaction")
          .isEqualTo(otherId);

      admin.update("SET BACKEND " + pinned + " ONLINE");
      assertThat(admin.query("SHOW BACKENDS").get(pinned, "admin_state")).isEqualTo("online");
      await(pinned + " gets reads again", () -> readsOn(20), ids -> ids.contains(pinnedId));
    }

    try (Connection tx = topology.connect(""); Statement s = tx.createStatement()) {
      s.execute("START TRANSACTION READ ONLY");
      String pinnedId = Sql.one(s, "SELECT @@server_id");
      String pinned = serverName(pinnedId);
      assertThat(pinned).isIn("r1", "r2");
      String otherId = Integer.toString(topology.sandbox().server(pinned.equals("r1") ? "r2" : "r1").serverId());
      admin.update("SET BACKEND " + pinned + " OFFLINE HARD");
      SQLException cut = catchSql(() -> Sql.one(s, "SELECT @@server_id"));
      log.info("the read-only transaction on {} after OFFLINE HARD: {}", pinned, cut.toString());
      assertThat(cut.getErrorCode()).as(cut.toString()).isEqualTo(1213);
      assertThat(cut.getMessage()).contains("transaction was lost").contains(pinned);
      assertThat(tx.isClosed()).as("the client session remains").isFalse();
      s.execute("ROLLBACK");
      assertThat(Sql.one(s, "SELECT @@server_id")).as("new statements run, not on %s", pinned).isEqualTo(otherId);
      Table b = admin.query("SHOW BACKENDS");
      assertThat(b.get(pinned, "admin_state")).isEqualTo("offline_hard");
      assertThat(b.get(pinned, "eligible")).isEqualTo("0");
      assertThat(readsOn(30)).containsOnly(otherId);
      await("no connection to " + pinned + " left", () -> admin.query("SHOW POOLS"),
          t -> "0".equals(t.get(pinned, "total")));
      admin.update("SET BACKEND " + pinned + " ONLINE");
      await(pinned + " gets reads again", () -> readsOn(20), ids -> ids.contains(pinnedId));
    }

    String writer = admin.query("SHOW FAILOVER STATUS").value("writer");
    for (String how : List.of("", " SOFT", " HARD")) {
      assertThatThrownBy(() -> admin.update("SET BACKEND " + writer + " OFFLINE" + how))
          .isInstanceOfSatisfying(SQLException.class, e -> {
            assertThat(e.getErrorCode()).isEqualTo(1105);
            assertThat(e.getMessage()).contains(writer).contains("SWITCHOVER");
          });
    }
    assertThat(admin.cliError("SET BACKEND nosuch OFFLINE", 1105, "HY000")).contains("nosuch");
    assertThat(admin.query("SHOW BACKENDS").column("admin_state")).containsOnly("online");
    topology.awaitEligible("r1", "r2");
  }

  /** The server ids {@code count} autocommit reads through the proxy (one new session) ran on. */
  private static Set<String> readsOn(int count) throws SQLException {
    Set<String> ids = new HashSet<>();
    try (Connection c = topology.connect(""); Statement s = c.createStatement()) {
      for (int i = 0; i < count; i++) {
        ids.add(Sql.one(s, "SELECT @@server_id"));
      }
    }
    return ids;
  }

  private static String serverName(String serverId) {
    return topology.sandbox().servers().stream().filter(v -> Integer.toString(v.serverId()).equals(serverId))
        .findFirst().orElseThrow().name();
  }

  // ------------------------------------------------------------------------------ RELOAD CONFIG

  @Test
  @Order(100)
  void reloadConfigAddsAUserWithoutDroppingSessionsAndRejectsBadFilesWhole() throws Exception {
    Path file = topology.configFile();
    String original = Files.readString(file);
    try (Connection m1 = topology.root("m1")) {
      Sql.exec(m1, "CREATE USER newuser@'%' IDENTIFIED BY 'newpass'", "GRANT ALL ON app.* TO newuser@'%'");
    }
    topology.awaitReplicated();
    assertThatThrownBy(() -> DriverManager.getConnection(url("newuser", "newpass")).close())
        .as("not a proxy account yet").isInstanceOfSatisfying(SQLException.class,
            e -> assertThat(e.getErrorCode()).isEqualTo(1045));

    String withNewUser = original.replace("backends:\n",
        "  - name: \"newuser\"\n    password: \"newpass\"\n    auth_plugin: mysql_native_password\nbackends:\n");
    assertThat(withNewUser).isNotEqualTo(original);
    try (Connection before = topology.connect("")) {
      String beforeId = Sql.one(before, "SELECT CONNECTION_ID()");
      Files.writeString(file, withNewUser);
      Table reload = admin.cliQuery("RELOAD CONFIG");
      assertThat(reload.columns()).containsExactly("change");
      assertThat(reload.column("change")).as(reload.toString()).contains("users: added newuser")
          .noneMatch(c -> c.contains("restart"));

      Connection newuser = DriverManager.getConnection(url("newuser", "newpass"));
      try {
        assertThat(Sql.one(newuser, "SELECT CURRENT_USER()")).isEqualTo("newuser@%");
        assertThat(Sql.one(before, "SELECT CONNECTION_ID()")).as("the session from before goes on")
            .isEqualTo(beforeId);
        assertThat(Sql.one(before, "SELECT CURRENT_USER()")).isEqualTo("app@%");
        Table config = admin.query("SHOW CONFIG");
        assertThat(config.value("users[1].name")).isEqualTo("newuser");
        assertThat(config.value("users[1].password")).isEqualTo("********");

        // a file that does not validate: rejected with its problems, nothing applied
        String badPort = withNewUser.replace("listen:\n  host: \"127.0.0.1\"\n  port: 0\n",
            "listen:\n  host: \"127.0.0.1\"\n  port: 70000\n");
        assertThat(badPort).isNotEqualTo(withNewUser);
        assertRejected(file, badPort, "listen.port", "70000");
        assertRejected(file, withNewUser + "bogus_key: 1\n", "bogus_key", "unknown key");
        // a change a running proxy cannot take
        int r2 = topology.sandbox().server("r2").port();
        String moved = withNewUser.replace("port: " + r2 + ",", "port: " + (r2 + 1) + ",");
        assertThat(moved).isNotEqualTo(withNewUser);
        String message = assertRejected(file, moved, "need a restart", "backends");
        assertThat(message).as("only the backends changed").endsWith("need a restart: backends");
        try (Connection again = DriverManager.getConnection(url("newuser", "newpass"))) {
          assertThat(Sql.one(again, "SELECT 1")).as("newuser still logs in").isEqualTo("1");
        }
        assertThat(admin.query("SHOW CONFIG").value("backends[3].port")).as("SHOW CONFIG: the running file")
            .isEqualTo(Integer.toString(r2));

        Files.writeString(file, withNewUser);
        assertThat(admin.query("RELOAD CONFIG").column("change")).as("the rejected files changed nothing")
            .containsExactly("nothing changed");
        assertThat(admin.query("RELOAD CONFIG").column("change")).containsExactly("nothing changed");

        Files.writeString(file, original);
        assertThat(admin.cliQuery("RELOAD CONFIG").column("change"))
            .anyMatch(c -> c.startsWith("users: removed newuser"));
        assertThatThrownBy(() -> DriverManager.getConnection(url("newuser", "newpass")).close())
            .as("removed: no new logins").isInstanceOfSatisfying(SQLException.class,
                e -> assertThat(e.getErrorCode()).isEqualTo(1045));
        assertThat(Sql.one(newuser, "SELECT CURRENT_USER()")).as("its session stays until it leaves")
            .isEqualTo("newuser@%");
      } finally {
        newuser.close();
      }
      assertThat(Sql.one(before, "SELECT CONNECTION_ID()")).isEqualTo(beforeId);
    } finally {
      Files.writeString(file, original);
      admin.cli("RELOAD CONFIG");
    }
    assertThat(admin.query("RELOAD CONFIG").column("change")).containsExactly("nothing changed");
  }

  /** Writes {@code text} to the config file, asserts RELOAD CONFIG refuses it naming each of {@code mentions}. */
  private static String assertRejected(Path file, String text, String... mentions) throws Exception {
    Files.writeString(file, text);
    SQLException e = catchSql(() -> admin.query("RELOAD CONFIG"));
    assertThat(e.getErrorCode()).as(e.toString()).isEqualTo(1105);
    assertThat(e.getMessage()).as(e.toString()).contains("configuration rejected, nothing changed").contains(mentions);
    assertThat(admin.cliError("RELOAD CONFIG", 1105, "HY000")).contains(mentions);
    return e.getMessage().strip();
  }

  private static String url(String user, String password) {
    return "jdbc:mysql://127.0.0.1:" + topology.port() + "/app?user=" + user + "&password=" + password
        + "&sslMode=DISABLED";
  }

  // ------------------------------------------------------------------------------ SHOW CONFIG

  @Test
  @Order(110)
  void showConfigShowsTheFileWithPasswordsMasked() throws Exception {
    Result raw = admin.cliOk("SHOW CONFIG");
    Table cli = Table.parseBatch(raw.stdout());
    assertThat(cli.value("(file)")).isEqualTo(topology.configFile().toAbsolutePath().normalize().toString());
    assertThat(cli.value("users[0].name")).isEqualTo("app");
    assertThat(cli.hasRow("users[1].name")).as("newuser was removed again").isFalse();
    assertThat(cli.value("listen.host")).isEqualTo("127.0.0.1");
    assertThat(cli.value("backends[2].name")).isEqualTo("r1");
    assertThat(cli.value("backends[2].port")).isEqualTo(Integer.toString(topology.sandbox().server("r1").port()));
    assertThat(cli.value("routing.monitor.user")).isEqualTo(SandboxUsers.MONITOR_USER);
    assertThat(cli.value("admin.users[0].name")).isEqualTo("admin");

    List<List<String>> secrets = cli.rows().stream()
        .filter(r -> r.get(0).endsWith("password") || r.get(0).endsWith("native_hash")).toList();
    assertThat(secrets.stream().map(r -> r.get(0)))
        .containsExactlyInAnyOrder("users[0].password", "routing.monitor.password", "admin.users[0].password");
    assertThat(secrets).allSatisfy(r -> assertThat(r.get(1)).as(r.get(0)).isEqualTo("********"));
    assertThat(raw.stdout()).doesNotContain("password\t" + SandboxUsers.APP_PASSWORD + "\n")
        .doesNotContain("password\t" + SandboxUsers.MONITOR_PASSWORD + "\n")
        .doesNotContain("password\t" + SandboxProxyConfig.ADMIN_PASSWORD + "\n");
    assertThat(Files.readString(topology.configFile())).as("the file itself has them")
        .contains("password: \"" + SandboxUsers.APP_PASSWORD + "\"");

    try (Connection c = admin.connectMariadb()) {
      assertThat(AdminClient.query(c, "SHOW CONFIG")).as("MariaDB Connector/J reads the same").isEqualTo(cli);
    }
  }

  // ------------------------------------------------------------------------------ SWITCHOVER, EVENTS

  @Test
  @Order(120)
  void switchoverUnderWriteLoadMovesTheWriterAndLosesNothing() throws Exception {
    Table status0 = admin.query("SHOW FAILOVER STATUS");
    assertThat(status0.value("writer")).isEqualTo("m1");
    long epoch0 = status0.number("epoch");
    long promotions0 = status0.number("promotions");

    List<Result> cliRuns = new ArrayList<>();
    Result toM2;
    WriteLoad load = WriteLoad.start(topology.mysqlUrl(""), 4);
    try {
      await("writes acknowledged", () -> load.acknowledged().size(), n -> n >= 50);
      load.markEvent();
      toM2 = admin.cli("SWITCHOVER");
      cliRuns.add(toM2);
      assertThat(load.awaitWriteAfterEvent(10_000)).as("writes go on; errors %s", load.errorSamples()).isTrue();
      int acked = load.acknowledged().size();
      await("more writes after the switchover", () -> load.acknowledged().size(), n -> n >= acked + 50);
    } finally {
      load.close();
    }
    log.info("SWITCHOVER through the CLI: {}; write gap {} ms, {} acknowledged, errors {}", toM2.describe(),
        load.writeGapMillis(), load.acknowledged().size(), load.errors());

    Table status = admin.query("SHOW FAILOVER STATUS");
    assertThat(status.value("writer")).as(status.toString()).isEqualTo("m2");
    assertThat(status.number("epoch")).isEqualTo(epoch0 + 1);
    assertThat(status.value("writes")).isEqualTo("accepted");
    assertThat(status.number("promotions")).isEqualTo(promotions0 + 1);
    assertThat(status.value("last_decision")).startsWith("switchover: m2 takes writes (epoch " + (epoch0 + 1) + ")");
    assertThat(status.value("last_promotion")).isNotNull();

    // the monitor logs what it sees on its next checks after the move: wait for its view of m2
    await("the monitor sees m2 as the active master", () -> admin.query("SHOW EVENTS"),
        t -> t.column("event").contains("m2: active master, writing the heartbeat"));
    Table events = admin.cliQuery("SHOW EVENTS");
    log.info("SHOW EVENTS after the switchover:\n{}", events);
    assertThat(events.columns()).containsExactly("at", "event");
    List<String> texts = events.column("event");
    List<String> controller = withoutHealth(texts);
    assertThat(controller.get(0)).as("newest first\n%s", events)
        .startsWith("switchover: m2 takes writes (epoch " + (epoch0 + 1) + ")");
    int outcome = texts.indexOf(controller.get(0));
    int requested = texts.indexOf("switchover from m1 to m2 requested");
    assertThat(requested).as("the request, older than its outcome\n%s", events).isGreaterThan(outcome);
    assertThat(texts.subList(outcome, requested)).contains("m1 replicates from m2 (standby)",
        "step 4/4: r1 replicates from m2", "step 4/4: r2 replicates from m2");
    assertThat(texts.subList(0, requested)).as("the monitor's view of the move").contains("m2: active master,"
        + " writing the heartbeat").anyMatch(e -> e.startsWith("m1: standby master, replicating"));
    assertThat(events.column("at").stream().map(Instant::parse).toList()).as("newest first")
        .isSortedAccordingTo(Comparator.reverseOrder());
    List<String> two = admin.query("SHOW EVENTS LIMIT 2").column("event");
    assertThat(two).hasSize(2);
    assertThat(admin.query("SHOW EVENTS").column("event")).as("LIMIT 2: the newest two").startsWith(two.get(0))
        .containsSequence(two);

    assertThat(load.acknowledged()).hasSizeGreaterThanOrEqualTo(100);
    try (Connection m2 = topology.root("m2")) {
      assertThat(load.missingOn(m2)).as("acknowledged writes missing on the new writer").isEmpty();
    }
    assertThat(load.readerMisses()).isEmpty();
    assertThat(load.autocommitErrors()).as("autocommit writes never fail: %s", load.errorSamples()).isZero();
    assertThat(load.errors().keySet()).as("a transaction open across the switch may end with 1213: %s",
        load.errorSamples()).isSubsetOf(1213);

    Table backends = await("m1 a standby of m2", () -> admin.query("SHOW BACKENDS"),
        t -> "standby".equals(t.get("m1", "role")) && "m2".equals(t.get("m1", "source"))
            && "Yes".equals(t.get("m1", "io_thread")) && "m2".equals(t.get("r1", "source"))
            && "m2".equals(t.get("r2", "source")));
    assertThat(backends.get("m2", "role")).isEqualTo("writer");
    assertThat(backends.get("m1", "read_only")).isEqualTo("1");
    assertThat(writeLandsOn()).isEqualTo("m2");

    Result toM1 = admin.cli("SWITCHOVER TO m1");
    cliRuns.add(toM1);
    Table back = admin.query("SHOW FAILOVER STATUS");
    assertThat(back.value("writer")).as("%s\n%s", back, toM1.describe()).isEqualTo("m1");
    assertThat(back.number("epoch")).isEqualTo(epoch0 + 2);
    assertThat(back.number("promotions")).isEqualTo(promotions0 + 2);
    assertThat(withoutHealth(admin.query("SHOW EVENTS LIMIT 20").column("event")).get(0))
        .startsWith("switchover: m1 takes writes (epoch " + (epoch0 + 2) + ")");
    assertThat(writeLandsOn()).isEqualTo("m1");
    assertThatThrownBy(() -> admin.update("SWITCHOVER TO r1")).as("a replica is no master")
        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getMessage()).contains("switchover refused"));
    assertThat(admin.query("SHOW FAILOVER STATUS").value("writer")).isEqualTo("m1");
    await("m2 a standby of m1 again", () -> admin.query("SHOW BACKENDS"),
        t -> "m1".equals(t.get("m2", "source")) && "Yes".equals(t.get("m2", "io_thread")));
    topology.awaitEligible("r1", "r2");

    // what the operator saw: each SWITCHOVER through the CLI ends cleanly
    for (Result r : cliRuns) {
      assertThat(r.exitCode()).as("mariadb exit code\n%s", r.describe()).isZero();
      assertThat(r.stderr()).as("mariadb stderr\n%s", r.describe()).isEmpty();
    }
  }

  // ------------------------------------------------------------------------------ FAILOVER FORCE (last)

  @Test
  @Order(130)
  void failoverForcePromotesTheOtherMaster() throws Exception {
    Table before = admin.query("SHOW FAILOVER STATUS");
    String from = before.value("writer");
    assertThat(from).as("m1 after the switchover back, unless that test failed").isIn("m1", "m2");
    String to = from.equals("m1") ? "m2" : "m1";
    long epoch = before.number("epoch");
    long promotions = before.number("promotions");

    try (Connection c = admin.connectMariadb(); Statement s = c.createStatement()) {
      assertThat(s.executeUpdate("FAILOVER FORCE TO " + to)).isEqualTo(1);
      Table after = AdminClient.query(c, "SHOW FAILOVER STATUS");
      assertThat(after.value("writer")).as(after.toString()).isEqualTo(to);
      assertThat(after.number("epoch")).isEqualTo(epoch + 1);
      assertThat(after.number("promotions")).isEqualTo(promotions + 1);
      assertThat(after.value("last_decision"))
          .isEqualTo("FAILOVER FORCE by an operator: promoting " + to + " in place of " + from
              + " without the lossless gate");
      assertThat(AdminClient.query(c, "SHOW EVENTS").column("event"))
          .anyMatch(e -> e.contains(to + " takes writes (epoch " + (epoch + 1) + ")"));
      assertThatThrownBy(() -> s.executeUpdate("FAILOVER FORCE TO " + to)).as("%s is the writer already", to)
          .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getMessage()).contains("failover refused"));
    }
    assertThat(writeLandsOn()).isEqualTo(to);
    await("SHOW BACKENDS: " + to + " writes, " + from + " stands by", () -> admin.query("SHOW BACKENDS"),
        t -> "writer".equals(t.get(to, "role")) && "standby".equals(t.get(from, "role"))
            && "1".equals(t.get(from, "read_only")) && "0".equals(t.get(to, "read_only")));
  }


  // ------------------------------------------------------------------------------ helpers

  /** SHOW EVENTS texts without the monitor's health lines ("r1: not eligible (...)"). */
  private static List<String> withoutHealth(List<String> events) {
    return events.stream().filter(e -> !e.matches("^(m1|m2|r1|r2): .*")).toList();
  }

  /** Inserts a row through the proxy (retrying while a switch ends) and returns the server that has it. */
  private static String writeLandsOn() throws Exception {
    String marker = Long.toString(System.nanoTime());
    await("a write through the proxy", () -> {
      try (Connection c = topology.connect("")) {
        Sql.exec(c, "CREATE TABLE IF NOT EXISTS admin_it_marks (v VARCHAR(30) PRIMARY KEY)",
            "INSERT INTO admin_it_marks VALUES ('" + marker + "')");
        return true;
      } catch (SQLException e) {
        log.info("write not taken yet: {}", e.toString());
        return false;
      }
    }, ok -> ok);
    for (String master : List.of("m1", "m2")) {
      try (Connection c = topology.root(master)) {
        if (Sql.one(c, "SELECT @@read_only").equals("0")
            && Sql.one(c, "SELECT COUNT(*) FROM app.admin_it_marks WHERE v = '" + marker + "'").equals("1")) {
          return master;
        }
      }
    }
    return null;
  }

  private static final String LOOPBACK_V4 = "0100007F";
  private static final String LOOPBACK_V4_MAPPED = "0000000000000000FFFF00000100007F";

  /** The local addresses (hex, as /proc/net/tcp* shows them) of listening TCP sockets on {@code port}. */
  private static List<String> listeningAddresses(int port) throws IOException {
    List<String> found = new ArrayList<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path p = Path.of(table);
      if (!Files.exists(p)) {
        continue;
      }
      List<String> lines = Files.readAllLines(p);
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.trim().split("\\s+");
        String[] local = f[1].split(":");
        if (f[3].equals("0A") && Integer.parseInt(local[1], 16) == port) {
          found.add(local[0]);
        }
      }
    }
    return found;
  }

  private interface SqlCall {
    Object call() throws Exception;
  }

  private static SQLException catchSql(SqlCall call) {
    try {
      Object result = call.call();
      throw new AssertionError("expected an SQLException, got " + result);
    } catch (SQLException e) {
      return e;
    } catch (Exception e) {
      throw new AssertionError("expected an SQLException", e);
    }
  }

  /** Polls {@code probe} until its value passes {@code done} (30 s at most); returns that value. */
  private static <T> T await(String what, Callable<T> probe, Predicate<T> done) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    T last = null;
    Exception failure = null;
    while (System.currentTimeMillis() < deadline) {
      try {
        last = probe.call();
        if (done.test(last)) {
          return last;
        }
      } catch (Exception | AssertionError e) {
        failure = e instanceof Exception ex ? ex : new RuntimeException(e);
      }
      Thread.sleep(100);
    }
    throw new AssertionError(what + ": not within 30 s; last value:\n" + last, failure);
  }
}
