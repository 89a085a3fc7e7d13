package io.tandem.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.config.BackendDefinition.Role;
import io.tandem.proxy.config.ProxySettings;
import io.tandem.proxy.config.UserAccount;
import io.tandem.proxy.config.UserAccount.AuthPlugin;
import io.tandem.router.split.UserRoutePolicy;
import io.tandem.sandbox.SandboxCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  private static final String MINIMAL = """
      users:
        - { name: app, password: secret }
      backends:
        - { name: m1, host: db1, port: 3306, role: master }
      """;

  @TempDir
  Path dir;

  @Test
  void shippedConfigLoads() throws Exception {
    Path shipped = Path.of("..", "conf", "tandem.yaml");
    TandemConfig config = ConfigLoader.load(shipped);

    ProxySettings p = config.proxy();
    assertThat(p.listenHost()).isEqualTo("127.0.0.1");
    assertThat(p.listenPort()).isEqualTo(6033);
    assertThat(p.maxConnections()).isEqualTo(1000);
    assertThat(p.maxPacketSize()).isEqualTo(64 * 1024 * 1024);
    assertThat(p.workerThreads()).isZero();
    assertThat(p.users()).containsExactly(new UserAccount("app", "app", null, AuthPlugin.MYSQL_NATIVE_PASSWORD));
    assertThat(p.backends()).containsExactly(
        new BackendDefinition("m1", "127.0.0.1", 23306, Role.MASTER, 100),
        new BackendDefinition("m2", "127.0.0.1", 23307, Role.STANDBY, 90),
        new BackendDefinition("r1", "127.0.0.1", 23308, Role.REPLICA, 0),
        new BackendDefinition("r2", "127.0.0.1", 23309, Role.REPLICA, 0));
    assertThat(p.pool().connectTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(p.pool().idleTimeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(p.pool().maxIdlePerKey()).isEqualTo(64);
    assertThat(p.pool().multiplexing("app")).as("multiplexing is on by default").isTrue();
    assertThat(p.pool().maxConnectionsPerBackend()).isZero();
    assertThat(p.frontendTls().enabled()).isFalse();
    assertThat(p.backendTls().enabled()).isFalse();
    assertThat(config.logging().config())
        .isEqualTo(shipped.toAbsolutePath().normalize().resolveSibling("logback.xml"));
    assertThat(config.logging().level()).isEqualTo("info");
    assertThat(config.admin()).isEqualTo(new AdminConfig("127.0.0.1", 6032,
        List.of(new UserAccount("admin", "admin", null, AuthPlugin.MYSQL_NATIVE_PASSWORD))));
    assertThat(config.metrics()).isEqualTo(new MetricsConfig(true, "127.0.0.1", 6070, true));
  }

  @Test
  void withoutAdminUsersThereIsNoAdminListenerAndMetricsAreOnByDefault() throws Exception {
    TandemConfig config = parse(MINIMAL);
    assertThat(config.admin().enabled()).isFalse();
    assertThat(config.metrics()).isEqualTo(MetricsConfig.defaults());
    TandemConfig custom = parse(MINIMAL + """
        admin: { host: 0.0.0.0, port: 7032, users: [ { name: ops, native_hash: "*6BB4837EB74329105EE4568DDA7DC67ED2CA2AD9" } ] }
        metrics: { enabled: false, port: 0, query_digests: false }
        """);
    assertThat(custom.admin().enabled()).isTrue();
    assertThat(custom.admin().host()).isEqualTo("0.0.0.0");
    assertThat(custom.admin().users()).extracting(UserAccount::name).containsExactly("ops");
    assertThat(custom.metrics()).isEqualTo(new MetricsConfig(false, "127.0.0.1", 0, false));
  }

  @Test
  void adminAndMetricsKeysAreChecked() {
    assertErrors(MINIMAL + """
        admin: { port: 70000, users: [ { name: ops } ], route: master }
        metrics: { enabled: yes, porrt: 1 }
        """,
        "admin.port: must be between 0 and 65535, got 70000",
        "admin.users[0]: needs password or native_hash",
        "admin.route: unknown key (known keys: host, port, users)",
        "metrics.enabled: expected true or false, got \"yes\"",
        "metrics.porrt: unknown key (did you mean port?)");
  }

  @Test
  void minimalConfigGetsDefaults() throws Exception {
    TandemConfig config = parse(MINIMAL);

    ProxySettings p = config.proxy();
    assertThat(p.listenHost()).isEqualTo("127.0.0.1");
    assertThat(p.listenPort()).isEqualTo(6033);
    assertThat(p.maxConnections()).isEqualTo(1000);
    assertThat(p.maxPacketSize()).isEqualTo(ProxySettings.DEFAULT_MAX_PACKET_SIZE);
    assertThat(p.workerThreads()).isZero();
    assertThat(p.users()).containsExactly(new UserAccount("app", "secret", null, AuthPlugin.MYSQL_NATIVE_PASSWORD));
    assertThat(p.backends()).containsExactly(new BackendDefinition("m1", "db1", 3306, Role.MASTER, 0));
    assertThat(p.pool().connectTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(p.pool().idleTimeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(p.pool().maxIdlePerKey()).isEqualTo(64);
    assertThat(p.frontendTls().enabled()).isFalse();
    assertThat(p.frontendTls().required()).isFalse();
    assertThat(p.backendTls().enabled()).isFalse();
    assertThat(config.logging()).isEqualTo(LoggingSettings.unchanged());
  }

  @Test
  void readsEveryKey() throws Exception {
    Files.writeString(dir.resolve("custom-logback.xml"), "<configuration/>");
    TandemConfig config = parse("""
        listen: { host: 0.0.0.0, port: 3307, max_connections: 20, max_packet_size: 16MB }
        worker_threads: 3
        users:
          - { name: app, password: app, auth_plugin: caching_sha2_password }
          - { name: hashed, native_hash: "*6bb4837eb74329105ee4568dda7dc67ed2ca2ad9", multiplexing: true }
        backends:
          - { name: m1, host: db1, port: 3306, role: MASTER, priority: 100 }
          - { name: m2, host: db2, port: 3306, role: standby, priority: 90 }
          - { name: r1, host: db3, port: 3306, role: replica, priority: -1 }
        pool: { connect_timeout: 500ms, idle_timeout: 1h, max_idle_per_key: 8, max_connections_per_backend: 100, multiplexing: false }
        tls:
          backend: { enabled: true, verify_peer: true }
        logging: { config: custom-logback.xml, level: DEBUG }
        """);

    ProxySettings p = config.proxy();
    assertThat(p.listenHost()).isEqualTo("0.0.0.0");
    assertThat(p.listenPort()).isEqualTo(3307);
    assertThat(p.maxConnections()).isEqualTo(20);
    assertThat(p.maxPacketSize()).isEqualTo(16_000_000);
    assertThat(p.workerThreads()).isEqualTo(3);
    assertThat(p.users()).containsExactly(
        new UserAccount("app", "app", null, AuthPlugin.CACHING_SHA2_PASSWORD),
        new UserAccount("hashed", null, "*6BB4837EB74329105EE4568DDA7DC67ED2CA2AD9", AuthPlugin.MYSQL_NATIVE_PASSWORD));
    assertThat(p.backends()).extracting(BackendDefinition::role).containsExactly(Role.MASTER, Role.STANDBY, Role.REPLICA);
    assertThat(p.backends()).extracting(BackendDefinition::priority).containsExactly(100, 90, -1);
    assertThat(p.pool().connectTimeout()).isEqualTo(Duration.ofMillis(500));
    assertThat(p.pool().idleTimeout()).isEqualTo(Duration.ofHours(1));
    assertThat(p.pool().maxIdlePerKey()).isEqualTo(8);
    assertThat(p.pool().maxConnectionsPerBackend()).isEqualTo(100);
    assertThat(p.pool().multiplexing("app")).as("the pool's setting").isFalse();
    assertThat(p.pool().multiplexing("hashed")).as("the user's own setting").isTrue();
    assertThat(p.backendTls().enabled()).isTrue();
    assertThat(p.backendTls().verifyPeer()).isTrue();
    assertThat(config.logging().config()).isEqualTo(dir.resolve("custom-logback.xml").toAbsolutePath());
    assertThat(config.logging().level()).isEqualTo("debug");
  }

  @Test
  void frontendTlsFilesResolveAgainstTheConfigDirectory() throws Exception {
    SandboxCertificates.generate(dir.resolve("tls"));
    Path file = dir.resolve("tandem.yaml");
    Files.writeString(file, MINIMAL + """
        tls:
          frontend: { certificate: tls/cert.pem, private_key: tls/key.pem, required: true }
        """);

    ProxySettings p = ConfigLoader.load(file).proxy();

    assertThat(p.frontendTls().enabled()).isTrue();
    assertThat(p.frontendTls().required()).isTrue();
    assertThat(p.frontendTls().certificate()).isEqualTo(dir.resolve("tls/cert.pem").toAbsolutePath());
    assertThat(p.frontendTls().privateKey()).isEqualTo(dir.resolve("tls/key.pem").toAbsolutePath());
  }

  @Test
  void reportsEveryErrorAtOnceNamingItsKey() {
    assertErrors("""
        listen: { host: 127.0.0.1, port: abc, max_connections: 0, max_packet_size: 2GiB }
        worker_threads: -1
        users:
          - { name: app }
          - { name: app, password: x, native_hash: "*6BB4837EB74329105EE4568DDA7DC67ED2CA2AD9" }
          - { name: bad, native_hash: "6BB4837E" }
          - { name: plug, password: x, auth_plugin: sha256_password }
        backends:
          - { name: m1, host: 127.0.0.1, port: 3306, role: master }
          - { name: m2, host: 127.0.0.1, port: 3307, role: standby }
          - { name: r1, host: 127.0.0.1, port: 70000, role: replica }
          - { name: m1, host: 127.0.0.1, port: 3309, role: primary }
        pool: { connect_timeout: 5, idle_timout: 10m }
        """,
        "listen.port: expected an integer, got \"abc\"",
        "listen.max_connections: must be at least 1, got 0",
        "listen.max_packet_size: must be between 1KiB and 1GiB, got \"2GiB\"",
        "worker_threads: must be between 0 and 4096, got -1",
        "users[0]: needs password or native_hash",
        "users[1]: set password or native_hash, not both",
        "users[1].name: duplicate name \"app\" (also users[0])",
        "users[2].native_hash: must be * followed by 40 hex digits, got \"6BB4837E\"",
        "users[3].auth_plugin: expected one of mysql_native_password, caching_sha2_password, got \"sha256_password\"",
        "backends[2].port: must be between 1 and 65535, got 70000",
        "backends[3].role: expected one of master, standby, replica, got \"primary\"",
        "backends[3].name: duplicate name \"m1\" (also backends[0])",
        "pool.connect_timeout: expected a duration like 500ms, 5s or 10m, got 5",
        "pool.idle_timout: unknown key (did you mean idle_timeout?)");
  }

  @Test
  void unknownKeysAreErrorsWithASuggestionWhenOneIsClose() {
    assertErrors(MINIMAL + """
        listen: { prot: 6033, colour: blue }
        worker_thread: 2
        """,
        "listen.prot: unknown key (did you mean port?)",
        "listen.colour: unknown key (known keys: host, port, max_connections, max_packet_size, login_timeout,"
            + " read_timeout, idle_timeout, max_login_failures, login_failure_window, login_block_time)",
        "worker_thread: unknown key (did you mean worker_threads?)");
  }

  @Test
  void requiredKeysAndSections() {
    assertErrors("listen: { port: 6033 }\n",
        "users: at least one user is required",
        "backends: at least one backend is required");
    assertErrors("users: []\nbackends: []\n",
        "users: at least one user is required",
        "backends: at least one backend is required");
    assertErrors("""
        users: [ { password: x } ]
        backends: [ { name: "", port: 1 } ]
        """,
        "users[0].name: required",
        "backends[0].name: must not be empty",
        "backends[0].host: required",
        "backends[0].role: required");
  }

  @Test
  void exactlyOneMaster() {
    assertErrors("""
        users: [ { name: app, password: app } ]
        backends:
          - { name: m1, host: h, port: 1, role: standby }
          - { name: r1, host: h, port: 2, role: replica }
        """,
        "backends: exactly one backend must have role master, found none");
    assertErrors("""
        users: [ { name: app, password: app } ]
        backends:
          - { name: m1, host: h, port: 1, role: master }
          - { name: m2, host: h, port: 2, role: master }
        """,
        "backends: exactly one backend must have role master, found 2 (m1, m2)");
  }

  @Test
  void wrongTypes() {
    assertErrors("""
        listen: [ 6033 ]
        users: { name: app }
        backends:
          - { name: m1, host: 127.0.0.1, port: "3306", role: master, priority: high }
          - just-a-name
        tls:
          backend: { enabled: yes }
        """,
        "listen: expected a mapping (key: value), got a list",
        "users: expected a list, got a mapping",
        "backends[0].port: expected an integer, got \"3306\"",
        "backends[0].priority: expected an integer, got \"high\"",
        "backends[1]: expected a mapping (key: value), got \"just-a-name\"",
        "tls.backend.enabled: expected true or false, got \"yes\"");
  }

  @Test
  void numbersWhereStringsBelongMustBeQuoted() {
    assertErrors("""
        users: [ { name: app, password: 0123 } ]
        backends: [ { name: m1, host: h, port: 1, role: master } ]
        """,
        "users[0].password: expected a string, got 123 (put it in quotes)");
  }

  @Test
  void sizesAndDurations() {
    assertErrors(MINIMAL + """
        listen: { max_packet_size: 64M }
        pool: { connect_timeout: 0s, idle_timeout: 10 minutes }
        """,
        "listen.max_packet_size: expected a size like 64MiB, 16MB or a number of bytes, got \"64M\"",
        "pool.connect_timeout: must be longer than 0, got \"0s\"",
        "pool.idle_timeout: expected a duration like 500ms, 5s or 10m, got \"10 minutes\"");
  }

  @Test
  void tlsFilesMustExistAndComeInPairs() throws Exception {
    Path missing = dir.resolve("tls/missing.pem").toAbsolutePath();
    assertErrors(MINIMAL + """
        tls:
          frontend: { certificate: tls/missing.pem }
        """,
        "tls.frontend.certificate: file not found: " + missing,
        "tls.frontend: certificate and private_key go together; private_key is missing");
    assertErrors(MINIMAL + """
        tls:
          frontend: { required: true }
        """,
        "tls.frontend.required: needs certificate and private_key");
    Files.writeString(dir.resolve("garbage.pem"), "not a certificate");
    assertThatThrownBy(() -> parse(MINIMAL + """
        tls:
          frontend: { certificate: garbage.pem, private_key: garbage.pem }
        """))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).singleElement()
            .asString().startsWith("tls.frontend: cannot use certificate and private_key:"));
  }

  @Test
  void loggingSection() {
    assertErrors(MINIMAL + """
        logging: { config: nowhere.xml, level: verbose }
        """,
        "logging.config: file not found: " + dir.resolve("nowhere.xml").toAbsolutePath(),
        "logging.level: expected one of trace, debug, info, warn, error, off, got \"verbose\"");
  }

  @Test
  void documentProblems() throws Exception {
    assertErrors("", "the config is empty; it needs at least users and backends");
    assertErrors("- a\n- b\n", "the top level must be a mapping (key: value), got a list");
    assertThatThrownBy(() -> parse("listen: { port: 1\n"))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.getMessage()).startsWith("not valid YAML: "));
    assertThatThrownBy(() -> parse(MINIMAL + "users: []\n"))
        .isInstanceOfSatisfying(ConfigException.class,
            e -> assertThat(e.getMessage()).startsWith("not valid YAML: ").contains("duplicate key users"));
    Path absent = dir.resolve("absent.yaml");
    assertThatThrownBy(() -> ConfigLoader.load(absent))
        .hasMessage("config file not found: " + absent.toAbsolutePath());
  }

  @Test
  void routingSectionAndUsersRoutingKeys() throws Exception {
    TandemConfig config = parse("""
        users:
          - { name: app, password: a }
          - { name: report, password: r, route: replica, max_replication_lag: 5s, no_replica: master }
          - { name: writer, password: w, route: master, consistency: eventual }
        backends:
          - { name: m1, host: db1, port: 3306, role: master }
          - { name: r1, host: db2, port: 3306, role: replica }
        routing:
          read_write_split: true
          max_replication_lag: 2s
          no_replica: error
          consistency: session
          consistency_timeout: 250ms
          monitor: { user: mon, password: pw, interval: 100ms, timeout: 2s }
          weights: { r1: 3 }
        """);
    RoutingConfig r = config.routing();
    assertThat(r.splitReads()).isTrue();
    assertThat(r.maxReplicationLag()).isEqualTo(Duration.ofSeconds(2));
    assertThat(r.weights()).containsEntry("r1", 3);
    assertThat(r.monitor().interval()).isEqualTo(Duration.ofMillis(100));
    assertThat(r.policy("app")).isEqualTo(new UserRoutePolicy(UserRoutePolicy.DefaultRoute.AUTO, null,
        UserRoutePolicy.Consistency.SESSION, Duration.ofMillis(250), UserRoutePolicy.NoReplica.ERROR));
    assertThat(r.policy("nobody")).isEqualTo(r.policy("app"));
    assertThat(r.policy("report")).isEqualTo(new UserRoutePolicy(UserRoutePolicy.DefaultRoute.REPLICA,
        Duration.ofSeconds(5), UserRoutePolicy.Consistency.SESSION, Duration.ofMillis(250),
        UserRoutePolicy.NoReplica.MASTER));
    assertThat(r.policy("writer").route()).isEqualTo(UserRoutePolicy.DefaultRoute.MASTER);
    assertThat(r.policy("writer").consistency()).isEqualTo(UserRoutePolicy.Consistency.EVENTUAL);
  }

  @Test
  void routingDefaultsAndBadValues() throws Exception {
    assertThat(parse(MINIMAL).routing().policy("app")).isEqualTo(UserRoutePolicy.DEFAULT);
    assertErrors(MINIMAL + """
        routing: { consistency: strong, no_replica: retry, consistency_timeout: soon }
        """,
        "routing.consistency: expected one of eventual, session, got \"strong\"",
        "routing.no_replica: expected one of master, error, got \"retry\"",
        "routing.consistency_timeout: expected a duration like 500ms, 5s or 10m, got \"soon\"");
  }

  @Test
  void messageListsOneErrorPerLine() {
    assertThatThrownBy(() -> parse("users: []\nbackends: []\n"))
        .hasMessage("users: at least one user is required\nbackends: at least one backend is required");
  }

  private TandemConfig parse(String yaml) throws ConfigException {
    return ConfigLoader.parse(yaml, dir);
  }

  private void assertErrors(String yaml, String... expected) {
    assertThatThrownBy(() -> parse(yaml))
        .isInstanceOfSatisfying(ConfigException.class,
            e -> assertThat(e.errors()).containsExactlyInAnyOrderElementsOf(List.of(expected)));
  }

  @Test
  void clientLimitsAndFailoverKeys() throws ConfigException {
    TandemConfig c = ConfigLoader.parse(MINIMAL + """
        listen: { login_timeout: 3s, read_timeout: 20s, idle_timeout: 8h, max_login_failures: 0 }
        failover: { automatic: false, fall: 5, catchup_timeout: 30s, hold_writes: 2s, journal: j.journal }
        """, java.nio.file.Path.of("/etc/tandem"));
    var limits = c.proxy().clientLimits();
    org.assertj.core.api.Assertions.assertThat(limits.loginTimeout()).isEqualTo(java.time.Duration.ofSeconds(3));
    org.assertj.core.api.Assertions.assertThat(limits.readTimeout()).isEqualTo(java.time.Duration.ofSeconds(20));
    org.assertj.core.api.Assertions.assertThat(limits.idleTimeout()).isEqualTo(java.time.Duration.ofHours(8));
    org.assertj.core.api.Assertions.assertThat(limits.maxLoginFailures()).isZero();
    org.assertj.core.api.Assertions.assertThat(c.failover().automatic()).isFalse();
    org.assertj.core.api.Assertions.assertThat(c.failover().fall()).isEqualTo(5);
    org.assertj.core.api.Assertions.assertThat(c.failover().journal()).isEqualTo(java.nio.file.Path.of("/etc/tandem/j.journal"));
    org.assertj.core.api.Assertions.assertThat(c.holdWrites()).isEqualTo(java.time.Duration.ofSeconds(2));
    TandemConfig off = ConfigLoader.parse(MINIMAL + "listen: { idle_timeout: \"off\" }\n", java.nio.file.Path.of("/tmp"));
    org.assertj.core.api.Assertions.assertThat(off.proxy().clientLimits().idleTimeout()).isZero();
  }

  @Test
  void nopreemptFalseIsRefused() {
    assertErrors(MINIMAL + "failover: { nopreempt: false }\n",
        "failover.nopreempt: only true is supported: a recovered master never takes the writes back by itself"
            + " (use a switchover)");
  }
}
