package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.it.support.ExternalCommand;
import io.tandem.it.support.ProxyTopology;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The metrics port of a proxy run as {@code tandem sandbox} runs it: {@code /metrics} passes
 * {@code promtool check metrics} and its counters and gauges move with traffic and with a stopped
 * replica; the shipped alert rules pass {@code promtool check rules} and their unit tests; the
 * status page, rendered by headless Chromium, shows the topology and changes when a replica stops
 * (screenshots in {@code target/status-page/}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MetricsIT {

  private static final Path PROMTOOL = Path.of("/usr/bin/promtool");
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CONF = Path.of("..", "conf").toAbsolutePath().normalize();
  private static final Path SCREENSHOTS = Path.of("target", "status-page").toAbsolutePath();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static ProxyTopology topology;

  @BeforeAll
  static void start() throws Exception {
    ExternalCommand.require(PROMTOOL.toString(), "apt-get install prometheus");
    topology = ProxyTopology.startAsSandbox();
  }

  @AfterAll
  static void stop() throws Exception {
    if (topology != null) {
      topology.close();
    }
  }

  @Test
  @Order(1)
  void metricsPassPromtoolAndFollowPrometheusNaming() throws Exception {
    String text = scrape();
    ExternalCommand.Result check = ExternalCommand.run(List.of(PROMTOOL.toString(), "check", "metrics"), text,
        Duration.ofSeconds(30));
    assertThat(check.exitCode()).as(check.describe()).isZero();
    assertThat(check.stdout() + check.stderr()).as("promtool's lint findings").isBlank();
    for (String line : text.lines().filter(l -> l.startsWith("# TYPE tandem_")).toList()) {
      String family = line.split(" ")[2];
      String type = line.split(" ")[3];
      if (type.equals("counter")) { // the 0.0.4 text format names counters with their samples' _total
        assertThat(family).as(line).endsWith("_total");
        assertThat(text).as(line).contains("\n" + family);
      } else {
        assertThat(family).as(line).doesNotEndWith("_total");
      }
    }
    assertThat(value(text, "tandem_build_info", "version")).isEqualTo(1);
    assertThat(value(text, "tandem_backend_role", "backend=\"m1\"", "role=\"writer\"")).isEqualTo(1);
    assertThat(value(text, "tandem_backend_role", "backend=\"m2\"", "role=\"standby\"")).isEqualTo(1);
    assertThat(value(text, "tandem_failover_state", "state=\"healthy\"")).isEqualTo(1);
    assertThat(value(text, "tandem_eligible_replicas")).isEqualTo(2);
    assertThat(value(text, "jvm_memory_bytes_used", "area=\"heap\"")).isPositive();
    assertThat(value(text, "process_cpu_seconds_total")).isPositive();
  }

  @Test
  @Order(2)
  void countersMoveWithTraffic() throws Exception {
    String before = scrape();
    int reads = 40;
    try (Connection c = DriverManager.getConnection(topology.mysqlUrl(""));
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS metrics_t (id INT PRIMARY KEY, v VARCHAR(20))");
      s.execute("REPLACE INTO metrics_t VALUES (1, 'one')");
      for (int i = 0; i < reads; i++) {
        try (ResultSet rs = s.executeQuery("SELECT v FROM metrics_t WHERE id = " + (i % 3))) {
          rs.next();
        }
      }
      try {
        s.executeQuery("SELECT * FROM no_such_table");
      } catch (SQLException expected) {
        assertThat(expected.getErrorCode()).isEqualTo(1146);
      }
    }
    try {
      DriverManager.getConnection(topology.mysqlUrl("").replace("password=app", "password=wrong")).close();
    } catch (SQLException expected) {
      assertThat(expected.getErrorCode()).isEqualTo(1045);
    }
    String after = scrape();
    assertThat(delta(before, after, "tandem_commands_total", "route=\"replica\"", "kind=\"query\"",
        "outcome=\"ok\"")).isGreaterThanOrEqualTo(reads);
    assertThat(delta(before, after, "tandem_commands_total", "route=\"writer\"", "kind=\"query\"", "outcome=\"ok\""))
        .isGreaterThanOrEqualTo(2);
    assertThat(delta(before, after, "tandem_commands_total", "route=\"replica\"", "kind=\"query\"",
        "outcome=\"error\"") + delta(before, after, "tandem_commands_total", "route=\"writer\"", "kind=\"query\"",
        "outcome=\"error\"")).isGreaterThanOrEqualTo(1);
    assertThat(delta(before, after, "tandem_command_duration_seconds_count", "route=\"replica\""))
        .isGreaterThanOrEqualTo(reads);
    assertThat(delta(before, after, "tandem_command_duration_seconds_bucket", "route=\"replica\"", "le=\"+Inf\""))
        .isGreaterThanOrEqualTo(reads);
    assertThat(delta(before, after, "tandem_backend_commands_total", "backend=\"r1\"")
        + delta(before, after, "tandem_backend_commands_total", "backend=\"r2\"")).isGreaterThanOrEqualTo(reads);
    assertThat(delta(before, after, "tandem_backend_received_bytes_total", "backend=\"m1\"")).isPositive();
    assertThat(delta(before, after, "tandem_backend_sent_bytes_total", "backend=\"m1\"")).isPositive();
    assertThat(delta(before, after, "tandem_client_connections_accepted_total")).isGreaterThanOrEqualTo(1);
    assertThat(delta(before, after, "tandem_client_connections_refused_total", "reason=\"access_denied\""))
        .isEqualTo(1);
    assertThat(delta(before, after, "tandem_classifier_cache_hits_total")).isGreaterThanOrEqualTo(reads - 2);
    // the session's connections go back to the pool once reset (asynchronously, after the client left)
    awaitScrape(t -> value(t, "tandem_backend_connections", "backend=\"m1\"", "state=\"idle\"") > 0);
  }

  @Test
  @Order(3)
  void aStoppedReplicaShowsItsThreadOffItsLagGrowingAndLeavesTheEligibleOnes() throws Exception {
    try (Connection r1 = root("r1"); Statement s = r1.createStatement()) {
      s.execute("STOP SLAVE IO_THREAD");
      String first = awaitScrape(t -> value(t, "tandem_backend_replication_io_running", "backend=\"r1\"") == 0
          && value(t, "tandem_backend_eligible", "backend=\"r1\"") == 0);
      assertThat(value(first, "tandem_eligible_replicas")).isEqualTo(1);
      assertThat(value(first, "tandem_backend_replication_sql_running", "backend=\"r1\"")).isEqualTo(1);
      assertThat(value(first, "tandem_backend_up", "backend=\"r1\"")).isEqualTo(1);
      double lag = value(first, "tandem_backend_replication_lag_seconds", "backend=\"r1\"");
      String later = awaitScrape(t -> value(t, "tandem_backend_replication_lag_seconds", "backend=\"r1\"") > lag + 1);
      assertThat(value(later, "tandem_backend_replication_io_running", "backend=\"r1\"")).isZero();
      assertThat(value(later, "tandem_backend_replication_io_running", "backend=\"r2\"")).isEqualTo(1);
      s.execute("START SLAVE IO_THREAD");
    }
    String back = awaitScrape(t -> value(t, "tandem_backend_eligible", "backend=\"r1\"") == 1);
    assertThat(value(back, "tandem_eligible_replicas")).isEqualTo(2);
  }

  @Test
  @Order(4)
  void shippedAlertRulesPassPromtoolAndTheirUnitTests() {
    ExternalCommand.Result check = ExternalCommand.run(List.of(PROMTOOL.toString(), "check", "rules",
        CONF.resolve("prometheus/tandem-alerts.yml").toString()), Duration.ofSeconds(30));
    assertThat(check.exitCode()).as(check.describe()).isZero();
    assertThat(check.stdout()).contains("SUCCESS");
    ExternalCommand.Result test = ExternalCommand.run(List.of(PROMTOOL.toString(), "test", "rules",
        CONF.resolve("prometheus/tandem-alerts-test.yml").toString()), Duration.ofSeconds(60));
    assertThat(test.exitCode()).as(test.describe()).isZero();
  }

  @Test
  @Order(5)
  void shippedAlertRulesAndDashboardUseOnlyMetricsTheProxyExports() throws Exception {
    String text = scrape();
    List<String> families = text.lines().filter(l -> l.startsWith("# TYPE ")).map(l -> l.split(" ")[2]).toList();
    List<String> missing = new ArrayList<>();
    for (String file : List.of("prometheus/tandem-alerts.yml", "grafana/tandem-dashboard.json")) {
      Matcher m = Pattern.compile("\\btandem_[a-z_]+").matcher(Files.readString(CONF.resolve(file)));
      while (m.find()) {
        String name = m.group().replaceAll("_(bucket|count|sum)$", "");
        String family = name.endsWith("_total") ? name.substring(0, name.length() - 6) : name;
        if (!families.contains(family) && !families.contains(name) && !missing.contains(file + ": " + name)) {
          missing.add(file + ": " + name);
        }
      }
    }
    assertThat(missing).as("metric names the shipped files use but /metrics does not export").isEmpty();
  }

  @Test
  @Order(6)
  void theStatusPageShowsTheTopologyAndAStoppedReplica() throws Exception {
    ExternalCommand.require(CHROMIUM.toString(), "apt-get install chromium");
    Files.createDirectories(SCREENSHOTS);
    String page = "http://127.0.0.1:" + topology.metricsPort() + "/";
    HttpResponse<String> html = HTTP.send(HttpRequest.newBuilder(URI.create(page)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(html.statusCode()).isEqualTo(200);
    assertThat(html.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
    assertThat(html.body()).doesNotContainPattern("(?i)(src|href)=\"(https?:)?//");

    String healthy = dom(page);
    assertThat(healthy).contains("data-loaded=\"true\"");
    assertThat(row(healthy, "m1")).contains("data-role=\"writer\"", "data-up=\"true\"");
    assertThat(row(healthy, "m2")).contains("data-role=\"standby\"");
    assertThat(row(healthy, "r1")).contains("data-role=\"replica\"", "data-io=\"true\"", "data-eligible=\"true\"");
    assertThat(healthy).containsPattern("id=\"writer\"[^>]*>m1<").containsPattern("id=\"failover-state\"[^>]*>HEALTHY<");
    assertThat(healthy).contains("class=\"node\" data-backend=\"r1\"");
    screenshot(page, SCREENSHOTS.resolve("1-healthy.png"));

    try (Connection r1 = root("r1"); Statement s = r1.createStatement()) {
      s.execute("STOP SLAVE");
      awaitScrape(t -> value(t, "tandem_backend_replication_sql_running", "backend=\"r1\"") == 0);
      String stopped = dom(page);
      assertThat(row(stopped, "r1")).contains("data-io=\"false\"", "data-sql=\"false\"", "data-eligible=\"false\"");
      assertThat(row(stopped, "r2")).contains("data-io=\"true\"", "data-eligible=\"true\"");
      assertThat(stopped).containsPattern("<li[^>]*>.*r1: not eligible");
      screenshot(page, SCREENSHOTS.resolve("2-r1-stopped.png"));
      s.execute("START SLAVE");
    }
    topology.awaitEligible("r1");
    assertThat(Files.size(SCREENSHOTS.resolve("1-healthy.png"))).isGreaterThan(10_000);
    assertThat(Files.mismatch(SCREENSHOTS.resolve("1-healthy.png"), SCREENSHOTS.resolve("2-r1-stopped.png")))
        .as("the screenshots differ").isNotEqualTo(-1L);
  }

  // ---------------------------------------------------------------- helpers

  private static String scrape() throws IOException, InterruptedException {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + topology.metricsPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  /** Scrapes until {@code condition} holds (up to 20 s); returns that scrape. */
  private static String awaitScrape(java.util.function.Predicate<String> condition) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    String text = scrape();
    while (!condition.test(text)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 20 s; last scrape:\n" + text.lines()
            .filter(l -> l.startsWith("tandem_backend") || l.startsWith("tandem_eligible")).toList());
      }
      Thread.sleep(100);
      text = scrape();
    }
    return text;
  }

  /** The value of the one sample of {@code name} whose labels contain every {@code label}; NaN if none. */
  private static double value(String text, String name, String... labels) {
    double found = Double.NaN;
    for (String line : text.lines().toList()) {
      if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
        continue;
      }
      boolean all = true;
      for (String l : labels) {
        all &= line.contains(l);
      }
      if (all) {
        if (!Double.isNaN(found)) {
          throw new AssertionError("several samples of " + name + " match " + List.of(labels));
        }
        found = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return found;
  }

  private static double delta(String before, String after, String name, String... labels) {
    double b = value(before, name, labels);
    return value(after, name, labels) - (Double.isNaN(b) ? 0 : b);
  }

  private static Connection root(String server) throws SQLException {
    var s = topology.sandbox().server(server);
    return DriverManager.getConnection("jdbc:mysql://" + s.host() + ":" + s.port() + "/?user=root&sslMode=DISABLED");
  }

  /** The page's DOM once its script rendered the first answer of /status.json. */
  private static String dom(String page) throws IOException {
    ExternalCommand.Result r = chromium("--virtual-time-budget=1000", "--dump-dom", page);
    assertThat(r.exitCode()).as(r.describe()).isZero();
    return r.stdout();
  }

  private static void screenshot(String page, Path file) throws IOException {
    Files.deleteIfExists(file);
    ExternalCommand.Result r = chromium("--virtual-time-budget=1000", "--window-size=1280,1000",
        "--screenshot=" + file, page);
    assertThat(file).as(r.describe()).exists();
  }

  private static ExternalCommand.Result chromium(String... args) throws IOException {
    Path profile = Files.createTempDirectory("tandem-chromium");
    List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars", "--user-data-dir=" + profile));
    command.addAll(List.of(args));
    try {
      return ExternalCommand.run(command, Duration.ofSeconds(30)); // a short virtual-time budget: longer ones can hang
    } finally {
      try (var files = Files.walk(profile)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  /** The backend table's row of {@code backend}: its opening tag. */
  private static String row(String dom, String backend) {
    Matcher m = Pattern.compile("<tr[^>]*data-backend=\"" + backend + "\"[^>]*>").matcher(dom);
    assertThat(m.find()).as("a row for " + backend + " in\n" + dom).isTrue();
    return m.group();
  }
}
