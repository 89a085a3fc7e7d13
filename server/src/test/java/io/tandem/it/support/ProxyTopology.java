package io.tandem.it.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.proxy.config.ClientLimits;
import io.tandem.proxy.config.ProxySettings;
import io.tandem.proxy.config.UserAccount;
import io.tandem.proxy.frontend.ProxyServer;
import io.tandem.router.failover.FailoverSettings;
import io.tandem.router.split.ReadWriteSplit;
import io.tandem.router.split.UserRoutePolicy;
import io.tandem.sandbox.SandboxOptions;
import io.tandem.sandbox.SandboxServer;
import io.tandem.sandbox.SandboxTopology;
import io.tandem.server.ProxyStack;
import io.tandem.server.config.RoutingConfig;
import io.tandem.server.sandbox.SandboxProxyConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A fresh sandbox topology (four real MariaDB servers, random ports, temp data dirs) with the
 * proxy in front of it, configured by the same code as {@code tandem sandbox}. Besides the
 * sandbox's {@code app} user, the proxy knows:
 * <ul>
 *   <li>{@code sha2user} / {@code sha2pass}: caching_sha2_password at the proxy;</li>
 *   <li>{@code hashuser} / {@code hashpass}: configured with the native {@code *HEX} hash only.</li>
 * </ul>
 */
public final class ProxyTopology implements AutoCloseable {

  public static final String SHA2_USER = "sha2user";
  public static final String SHA2_PASSWORD = "sha2pass";
  public static final String HASH_USER = "hashuser";
  public static final String HASH_PASSWORD = "hashpass";
  /** {@code PASSWORD('hashpass')} */
  public static final String HASH_USER_HASH = "*3B4251437717063B7FCCAFB37E9EE2FC0BF10E26";

  private final SandboxTopology sandbox;
  private ProxyStack stack;
  private ProxySettings settings;
  private final RoutingConfig routing;
  private final FailoverSettings failover;

  private ProxyTopology(SandboxTopology sandbox, ProxyStack stack, ProxySettings settings, RoutingConfig routing,
      FailoverSettings failover) {
    this.sandbox = sandbox;
    this.stack = stack;
    this.settings = settings;
    this.routing = routing;
    this.failover = failover;
  }

  /** The read/write split of a {@link #startSplit} topology (its classifier, its counters), or null. */
  public ReadWriteSplit routers() {
    return stack.split();
  }

  /** The running proxy with its monitor and failover controller. */
  public ProxyStack stack() {
    return stack;
  }

  /**
   * Stops the proxy (its monitor and controller too) and starts it again on the same port with the
   * same settings, as a restarted process would (the failover journal, if configured, carries over).
   */
  public void restartProxy() throws Exception {
    restartProxy(settings.pool());
  }

  /** Restarts the proxy as {@link #restartProxy()} does, with other pool settings (kept for later restarts). */
  public void restartProxy(io.tandem.proxy.config.PoolSettings pool) throws Exception {
    int port = stack.proxy().port();
    stack.close();
    settings = new ProxySettings(settings.listenHost(), port, settings.maxConnections(),
        settings.maxPacketSize(), settings.users(), settings.backends(), pool, settings.frontendTls(),
        settings.backendTls(), settings.workerThreads(), settings.clientLimits());
    stack = ProxyStack.start(settings, routing, failover, java.time.Duration.ofSeconds(5));
  }

  /** Waits (up to 20 s) until the monitor finds each named replica eligible. */
  public void awaitEligible(String... replicas) throws InterruptedException {
    awaitReplicas(true, replicas);
  }

  /** Waits (up to 20 s) until the monitor finds none of the named replicas eligible. */
  public void awaitIneligible(String... replicas) throws InterruptedException {
    awaitReplicas(false, replicas);
  }

  private void awaitReplicas(boolean eligible, String... replicas) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 20_000;
    while (true) {
      var snapshot = stack.monitor().snapshot();
      boolean all = true;
      for (String r : replicas) {
        var status = snapshot.status(r);
        boolean isEligible = status != null && status.eligible();
        all &= isEligible == eligible;
      }
      if (all) {
        return;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("replicas " + String.join(",", replicas) + " not "
            + (eligible ? "eligible" : "ineligible") + " within 20 s: " + snapshot);
      }
      Thread.sleep(50);
    }
  }

  public static ProxyTopology start() throws Exception {
    return start(false, Map.of(), FailoverSettings.defaults());
  }

  /**
   * With read/write splitting as {@code tandem sandbox} configures it (reads to r1/r2 within 1 s
   * of lag); {@code policies} sets users' default routes. Waits until the monitor finds both
   * replicas eligible.
   */
  public static ProxyTopology startSplit(Map<String, UserRoutePolicy> policies) throws Exception {
    return start(true, policies, FailoverSettings.defaults());
  }

  /**
   * With read/write splitting and the given failover settings; waits until the monitor finds both
   * replicas eligible.
   */
  public static ProxyTopology start(boolean split, Map<String, UserRoutePolicy> policies, FailoverSettings failover)
      throws Exception {
    return start(split, policies, failover, ClientLimits.defaults());
  }

  /** Master-only routing with the given client timeouts and login throttling. */
  public static ProxyTopology start(ClientLimits limits) throws Exception {
    return start(false, Map.of(), FailoverSettings.defaults(), limits);
  }

  private static ProxyTopology start(boolean split, Map<String, UserRoutePolicy> policies, FailoverSettings failover,
      ClientLimits limits) throws Exception {
    LeakWatch.install();
    SandboxTopology sandbox = SandboxTopology.start(SandboxOptions.forTests());
    try {
      try (Connection root = root(sandbox.server("m1")); Statement s = root.createStatement()) {
        s.execute("CREATE USER IF NOT EXISTS " + SHA2_USER + "@'%' IDENTIFIED BY '" + SHA2_PASSWORD + "'");
        s.execute("GRANT ALL ON *.* TO " + SHA2_USER + "@'%'");
        s.execute("CREATE USER IF NOT EXISTS " + HASH_USER + "@'%' IDENTIFIED BY '" + HASH_PASSWORD + "'");
        s.execute("GRANT ALL ON *.* TO " + HASH_USER + "@'%'");
      }
      ProxySettings base = SandboxProxyConfig.settingsFor(sandbox, 0);
      List<UserAccount> users = new ArrayList<>(base.users());
      users.add(new UserAccount(SHA2_USER, SHA2_PASSWORD, null, UserAccount.AuthPlugin.CACHING_SHA2_PASSWORD));
      users.add(new UserAccount(HASH_USER, null, HASH_USER_HASH, UserAccount.AuthPlugin.MYSQL_NATIVE_PASSWORD));
      ProxySettings settings = new ProxySettings(base.listenHost(), 0, base.maxConnections(),
          base.maxPacketSize(), users, base.backends(), base.pool(), base.frontendTls(),
          base.backendTls(), 2, limits);
      RoutingConfig sandboxRouting = SandboxProxyConfig.routingFor(sandbox);
      RoutingConfig routing = new RoutingConfig(split, sandboxRouting.maxReplicationLag(), sandboxRouting.monitor(),
          sandboxRouting.defaults(), policies, Map.of());
      ProxyStack stack = ProxyStack.start(settings, routing, failover, java.time.Duration.ofSeconds(5));
      ProxyTopology topology = new ProxyTopology(sandbox, stack, settings, routing, failover);
      if (split) {
        topology.awaitEligible("r1", "r2");
      }
      return topology;
    } catch (Exception | Error e) {
      sandbox.close();
      throw e;
    }
  }

  /**
   * The proxy exactly as {@code tandem sandbox} runs it: from the generated {@code tandem.yaml}
   * (written to {@link #configFile()}, which RELOAD CONFIG reads again), with read/write splitting,
   * failover, the admin port (user {@code admin}, password {@code admin}) and metrics and the status
   * page, all on free ports. Waits until both replicas are eligible.
   */
  public static ProxyTopology startAsSandbox() throws Exception {
    LeakWatch.install();
    SandboxTopology sandbox = SandboxTopology.start(SandboxOptions.forTests());
    try {
      java.nio.file.Path file = sandbox.baseDir().resolve("tandem.yaml");
      java.nio.file.Files.writeString(file, SandboxProxyConfig.yamlFor(sandbox, 0, 0, 0));
      io.tandem.server.config.TandemConfig config = io.tandem.server.config.ConfigLoader.load(file);
      ProxyStack stack = ProxyStack.start(config, file);
      ProxyTopology topology = new ProxyTopology(sandbox, stack, config.proxy(), config.routing(), config.failover());
      topology.configFile = file;
      topology.awaitEligible("r1", "r2");
      return topology;
    } catch (Exception | Error e) {
      sandbox.close();
      throw e;
    }
  }

  private java.nio.file.Path configFile;

  /** The YAML file a {@link #startAsSandbox} proxy runs from, or null. */
  public java.nio.file.Path configFile() {
    return configFile;
  }

  /** The admin port of a {@link #startAsSandbox} proxy. */
  public int adminPort() {
    return stack.adminServer().port();
  }

  /** The metrics and status page port of a {@link #startAsSandbox} proxy. */
  public int metricsPort() {
    return stack.metricsServer().port();
  }

  public SandboxTopology sandbox() {
    return sandbox;
  }

  public ProxyServer proxy() {
    return stack.proxy();
  }

  public int port() {
    return stack.proxy().port();
  }

  /** A Connector/J URL to the proxy as {@code app}, with extra parameters ({@code a=b&c=d}). */
  public String mysqlUrl(String params) {
    return "jdbc:mysql://127.0.0.1:" + port() + "/app?user=app&password=app&sslMode=DISABLED"
        + (params.isEmpty() ? "" : "&" + params);
  }

  /** A MariaDB Connector/J URL to the proxy as {@code app}. */
  public String mariadbUrl(String params) {
    return "jdbc:mariadb://127.0.0.1:" + port() + "/app?user=app&password=app"
        + (params.isEmpty() ? "" : "&" + params);
  }

  public Connection connect(String params) throws SQLException {
    return DriverManager.getConnection(mysqlUrl(params));
  }

  /** A direct root connection to one sandbox server (bypassing the proxy). */
  public Connection root(String server) throws SQLException {
    return root(sandbox.server(server));
  }

  /** Waits until r1 and r2 have applied everything m1 has logged so far. */
  public void awaitReplicated() throws SQLException {
    String position;
    try (Connection m1 = root("m1")) {
      position = Sql.one(m1, "SELECT @@gtid_binlog_pos");
    }
    for (String replica : List.of("r1", "r2")) {
      try (Connection r = root(replica)) {
        assertThat(Sql.one(r, "SELECT MASTER_GTID_WAIT('" + position + "', 30)"))
            .as("%s reached m1's position %s", replica, position).isEqualTo("0");
      }
    }
  }

  public static Connection root(SandboxServer server) throws SQLException {
    return DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + server.port() + "/?user=root");
  }

  /** Stops proxy and servers, then fails if the proxy leaked any buffer. */
  @Override
  public void close() {
    try {
      stack.close();
    } finally {
      sandbox.close();
    }
    LeakWatch.assertNoLeaks();
  }
}
