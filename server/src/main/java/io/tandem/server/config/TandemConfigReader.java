package io.tandem.server.config;

import io.netty.handler.ssl.SslContextBuilder;
import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.config.BackendTls;
import io.tandem.proxy.config.ClientLimits;
import io.tandem.proxy.config.FrontendTls;
import io.tandem.proxy.config.PoolSettings;
import io.tandem.proxy.config.ProxySettings;
import io.tandem.proxy.config.UserAccount;
import io.tandem.proxy.route.WriterRole;
import io.tandem.router.failover.FailoverSettings;
import io.tandem.router.monitor.MonitorSettings;
import io.tandem.router.split.UserRoutePolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Maps the YAML tree of a {@code tandem.yaml} to a {@link TandemConfig}, one section at a time,
 * then checks the rules that span entries (unique names, exactly one master). Every problem is
 * collected; the result is built only when there is none.
 */
final class TandemConfigReader {

  static final String DEFAULT_LISTEN_HOST = "127.0.0.1";
  static final int DEFAULT_LISTEN_PORT = 6033;
  static final int DEFAULT_MAX_CONNECTIONS = 1000;
  /** MySQL's own bounds for max_allowed_packet. */
  static final long MIN_PACKET_SIZE = 1024;
  static final long MAX_PACKET_SIZE = 1024L * 1024 * 1024;
  static final int DEFAULT_MAX_IDLE_PER_KEY = 64;
  static final List<String> ROLES = List.of("master", "standby", "replica");
  static final List<String> ROUTES = List.of("auto", "master", "replica");
  static final List<String> CONSISTENCIES = List.of("eventual", "session");
  static final List<String> NO_REPLICA = List.of("master", "error");
  static final List<String> AUTH_PLUGINS = List.of("mysql_native_password", "caching_sha2_password");
  private static final Pattern NATIVE_HASH = Pattern.compile("\\*[0-9A-Fa-f]{40}");

  private final Path baseDir;
  private final ConfigErrors errors = new ConfigErrors();

  /** @param baseDir directory relative paths in the config resolve against */
  TandemConfigReader(Path baseDir) {
    this.baseDir = baseDir;
  }

  TandemConfig read(Object document) throws ConfigException {
    if (document == null) {
      throw new ConfigException("the config is empty; it needs at least users and backends");
    }
    if (!(document instanceof Map)) {
      throw new ConfigException("the top level must be a mapping (key: value), got "
          + ConfigSection.describe(document));
    }
    ConfigSection root = ConfigSection.of("", document, errors);
    ConfigSection listen = root.section("listen");
    String host = listen.string("host", DEFAULT_LISTEN_HOST);
    if (host != null && host.isBlank()) {
      listen.error("host", "must not be empty");
    }
    Integer port = listen.integer("port", 0, 65535, DEFAULT_LISTEN_PORT);
    Integer maxConnections = listen.integer("max_connections", 1, Integer.MAX_VALUE, DEFAULT_MAX_CONNECTIONS);
    Long maxPacketSize = listen.byteSize("max_packet_size", MIN_PACKET_SIZE, MAX_PACKET_SIZE,
        (long) ProxySettings.DEFAULT_MAX_PACKET_SIZE);
    ClientLimits limits = clientLimits(listen);
    listen.rejectUnknownKeys();
    Integer workerThreads = root.integer("worker_threads", 0, 4096, 0);
    Map<String, UserRouting> userRoutes = new HashMap<>();
    Map<String, Boolean> userMultiplexing = new HashMap<>();
    List<UserAccount> users = accounts(root.nonEmptySections("users", "user"), userRoutes, userMultiplexing);
    List<BackendDefinition> backends = backends(root);
    PoolSettings pool = pool(root.section("pool"), userMultiplexing);
    ConfigSection tls = root.section("tls");
    FrontendTls frontendTls = frontendTls(tls.section("frontend"));
    BackendTls backendTls = backendTls(tls.section("backend"));
    tls.rejectUnknownKeys();
    LoggingSettings logging = logging(root.section("logging"));
    RoutingConfig routing = routing(root.section("routing"), userRoutes, backends, backendTls);
    ConfigSection failoverSection = root.section("failover");
    FailoverSettings failover = failover(failoverSection);
    Duration holdWrites = failoverSection.duration("hold_writes", WriterRole.DEFAULT_HOLD_WRITES);
    failoverSection.rejectUnknownKeys();
    AdminConfig admin = admin(root.section("admin"));
    MetricsConfig metrics = metrics(root.section("metrics"));
    root.rejectUnknownKeys();
    errors.throwIfAny();
    ProxySettings proxy = new ProxySettings(host, port, maxConnections, maxPacketSize.intValue(), users,
        backends, pool, frontendTls, backendTls, workerThreads, limits);
    return new TandemConfig(proxy, logging, routing, failover, holdWrites, admin, metrics);
  }

  /** The {@code admin} section: listener address and its own accounts (none: no admin listener). */
  private AdminConfig admin(ConfigSection a) {
    String host = a.string("host", AdminConfig.DEFAULT_HOST);
    Integer port = a.integer("port", 0, 65535, AdminConfig.DEFAULT_PORT);
    List<UserAccount> users = a.has("users") ? accounts(a.nonEmptySections("users", "user"), null, null) : List.of();
    a.rejectUnknownKeys();
    return new AdminConfig(host == null ? AdminConfig.DEFAULT_HOST : host, port == null ? 0 : port, users);
  }

  /** The {@code metrics} section; every key has a default (enabled on 127.0.0.1:6070). */
  private static MetricsConfig metrics(ConfigSection m) {
    Boolean enabled = m.bool("enabled", true);
    String host = m.string("host", MetricsConfig.DEFAULT_HOST);
    Integer port = m.integer("port", 0, 65535, MetricsConfig.DEFAULT_PORT);
    Boolean digests = m.bool("query_digests", true);
    m.rejectUnknownKeys();
    if (enabled == null || host == null || port == null || digests == null) {
      return MetricsConfig.defaults();
    }
    return new MetricsConfig(enabled, host, port, digests);
  }

  /** The timeouts and login throttling keys of {@code listen}; every key has a default. */
  private static ClientLimits clientLimits(ConfigSection listen) {
    ClientLimits d = ClientLimits.defaults();
    Duration login = listen.duration("login_timeout", d.loginTimeout());
    Duration read = listen.duration("read_timeout", d.readTimeout());
    Duration idle = listen.has("idle_timeout") && "off".equals(String.valueOf(listen.string("idle_timeout", null)))
        ? Duration.ZERO : listen.duration("idle_timeout", d.idleTimeout());
    Integer failures = listen.integer("max_login_failures", 0, 1_000_000, d.maxLoginFailures());
    Duration window = listen.duration("login_failure_window", d.loginFailureWindow());
    Duration block = listen.duration("login_block_time", d.loginBlockTime());
    if (login == null || read == null || idle == null || failures == null || window == null || block == null) {
      return d;
    }
    return new ClientLimits(login, read, idle, failures, window, block);
  }

  /** The {@code failover} section; every key has a default. */
  private FailoverSettings failover(ConfigSection f) {
    Boolean automatic = f.bool("automatic", true);
    Integer fall = f.integer("fall", 1, 100, FailoverSettings.DEFAULT_FALL);
    Integer rise = f.integer("rise", 1, 100, FailoverSettings.DEFAULT_RISE);
    Boolean nopreempt = f.bool("nopreempt", true);
    if (Boolean.FALSE.equals(nopreempt)) {
      f.error("nopreempt", "only true is supported: a recovered master never takes the writes back by itself"
          + " (use a switchover)");
    }
    Duration writeTimeout = f.duration("write_timeout", FailoverSettings.DEFAULT_WRITE_TIMEOUT);
    Duration catchup = f.duration("catchup_timeout", FailoverSettings.DEFAULT_CATCHUP_TIMEOUT);
    Duration fence = f.duration("fence_timeout", FailoverSettings.DEFAULT_FENCE_TIMEOUT);
    Duration block = f.duration("failover_block_window", FailoverSettings.DEFAULT_BLOCK_WINDOW);
    Boolean lossy = f.bool("allow_lossy_failover", false);
    String journal = f.string("journal", "tandem-failover.journal");
    if (automatic == null || fall == null || rise == null || writeTimeout == null || catchup == null || fence == null
        || block == null || lossy == null) {
      return FailoverSettings.defaults();
    }
    return new FailoverSettings(automatic, fall, rise, writeTimeout, catchup, fence, block, lossy,
        journal == null || journal.isBlank() ? null : baseDir.resolve(journal).toAbsolutePath().normalize());
  }

  /** A user's own routing keys; null where the global {@code routing} value applies. */
  private record UserRouting(String route, Duration maxLag, String consistency, String noReplica) {}

  /**
   * Accounts; with {@code routes} (client users) each may have routing keys and {@code multiplexing},
   * without (admin users) not.
   */
  private List<UserAccount> accounts(List<ConfigSection> sections, Map<String, UserRouting> routes,
      Map<String, Boolean> multiplexing) {
    List<UserAccount> users = new ArrayList<>();
    Map<String, String> seen = new HashMap<>();
    for (ConfigSection u : sections) {
      String name = u.requiredString("name");
      boolean hasPassword = u.has("password");
      boolean hasHash = u.has("native_hash");
      String password = u.string("password", null);
      String nativeHash = u.string("native_hash", null);
      String plugin = u.choice("auth_plugin", AUTH_PLUGINS, "mysql_native_password");
      if (routes != null) {
        String route = u.choice("route", ROUTES, "auto");
        Duration userLag = u.duration("max_replication_lag", null);
        String consistency = u.choice("consistency", CONSISTENCIES, null);
        String noReplica = u.choice("no_replica", NO_REPLICA, null);
        if (name != null && route != null) {
          routes.put(name, new UserRouting(route, userLag, consistency, noReplica));
        }
        Boolean ownMultiplexing = u.bool("multiplexing", null);
        if (name != null && ownMultiplexing != null) {
          multiplexing.put(name, ownMultiplexing);
        }
      }
      u.rejectUnknownKeys();
      if (!hasPassword && !hasHash) {
        u.error("needs password or native_hash");
      } else if (hasPassword && hasHash) {
        u.error("set password or native_hash, not both");
      }
      if (nativeHash != null && !NATIVE_HASH.matcher(nativeHash).matches()) {
        u.error("native_hash", "must be * followed by 40 hex digits, got " + ConfigSection.describe(nativeHash));
        nativeHash = null;
      }
      boolean unique = name != null && notDuplicate(u, seen, name);
      if (unique && plugin != null && (password == null) != (nativeHash == null)) {
        users.add(new UserAccount(name, password,
            nativeHash == null ? null : nativeHash.toUpperCase(Locale.ROOT),
            UserAccount.AuthPlugin.fromProtocolName(plugin)));
      }
    }
    return users;
  }

  private static RoutingConfig routing(ConfigSection routing, Map<String, UserRouting> userRouting,
      List<BackendDefinition> backends, BackendTls backendTls) {
    Boolean split = routing.bool("read_write_split", false);
    Duration maxLag = routing.duration("max_replication_lag", MonitorSettings.DEFAULT_MAX_REPLICATION_LAG);
    String consistency = routing.choice("consistency", CONSISTENCIES, "session");
    Duration consistencyTimeout = routing.duration("consistency_timeout", UserRoutePolicy.DEFAULT_CONSISTENCY_TIMEOUT);
    String noReplica = routing.choice("no_replica", NO_REPLICA, "master");
    UserRoutePolicy defaults = policy(new UserRouting("auto", null, null, null), consistency, consistencyTimeout,
        noReplica);
    Map<String, UserRoutePolicy> users = new HashMap<>();
    userRouting.forEach((name, own) -> users.put(name, policy(own, consistency, consistencyTimeout, noReplica)));
    ConfigSection monitor = routing.section("monitor");
    String user = monitor.string("user", null);
    String password = monitor.string("password", "");
    Duration interval = monitor.duration("interval", MonitorSettings.DEFAULT_INTERVAL);
    Duration timeout = monitor.duration("timeout", MonitorSettings.DEFAULT_TIMEOUT);
    monitor.rejectUnknownKeys();
    Map<String, Integer> weights = new HashMap<>();
    ConfigSection weightSection = routing.section("weights");
    for (BackendDefinition b : backends) {
      if (weightSection.has(b.name())) {
        Integer w = weightSection.integer(b.name(), 1, 1000, 1);
        if (w != null) {
          weights.put(b.name(), w);
        }
      }
    }
    routing.rejectUnknownKeys();
    if (Boolean.TRUE.equals(split) && user == null) {
      routing.error("monitor", "read_write_split needs monitor.user (a user with REPLICATION CLIENT that may write schema tandem)");
    }
    if (user == null || maxLag == null || interval == null || timeout == null) {
      return new RoutingConfig(false, maxLag == null ? MonitorSettings.DEFAULT_MAX_REPLICATION_LAG : maxLag,
          null, defaults, users, weights);
    }
    MonitorSettings settings = MonitorSettings.defaults(user, password)
        .withInterval(interval).withTimeouts(timeout, timeout).withMaxReplicationLag(maxLag)
        .withTls(backendTls);
    return new RoutingConfig(Boolean.TRUE.equals(split), maxLag, settings, defaults, users, weights);
  }

  /** A user's policy: their own keys over the global ones (which may be null after a config error). */
  private static UserRoutePolicy policy(UserRouting own, String consistency, Duration consistencyTimeout,
      String noReplica) {
    String c = own.consistency() != null ? own.consistency() : consistency;
    String n = own.noReplica() != null ? own.noReplica() : noReplica;
    return new UserRoutePolicy(UserRoutePolicy.DefaultRoute.valueOf(own.route().toUpperCase(Locale.ROOT)),
        own.maxLag(),
        c == null ? UserRoutePolicy.Consistency.SESSION : UserRoutePolicy.Consistency.valueOf(c.toUpperCase(Locale.ROOT)),
        consistencyTimeout == null ? UserRoutePolicy.DEFAULT_CONSISTENCY_TIMEOUT : consistencyTimeout,
        n == null ? UserRoutePolicy.NoReplica.MASTER : UserRoutePolicy.NoReplica.valueOf(n.toUpperCase(Locale.ROOT)));
  }

  private List<BackendDefinition> backends(ConfigSection root) {
    List<ConfigSection> entries = root.nonEmptySections("backends", "backend");
    List<BackendDefinition> backends = new ArrayList<>();
    Map<String, String> seen = new HashMap<>();
    List<String> masters = new ArrayList<>();
    boolean rolesKnown = true;
    for (ConfigSection b : entries) {
      String name = b.requiredString("name");
      String host = b.requiredString("host");
      Integer port = b.required("port") ? b.integer("port", 1, 65535, null) : null;
      String role = b.required("role") ? b.choice("role", ROLES, null) : null;
      Integer priority = b.integer("priority", Integer.MIN_VALUE, Integer.MAX_VALUE, 0);
      b.rejectUnknownKeys();
      rolesKnown &= role != null;
      if ("master".equals(role)) {
        masters.add(name == null ? b.path() : name);
      }
      boolean unique = name != null && notDuplicate(b, seen, name);
      if (unique && host != null && port != null && role != null && priority != null) {
        backends.add(new BackendDefinition(name, host, port,
            BackendDefinition.Role.valueOf(role.toUpperCase(Locale.ROOT)), priority));
      }
    }
    if (!entries.isEmpty() && rolesKnown && masters.size() != 1) {
      root.error("backends", "exactly one backend must have role master, found "
          + (masters.isEmpty() ? "none" : masters.size() + " (" + String.join(", ", masters) + ")"));
    }
    return backends;
  }

  /** Records the first entry of each name; a later entry with the same name is an error. */
  private static boolean notDuplicate(ConfigSection entry, Map<String, String> seen, String name) {
    String first = seen.putIfAbsent(name, entry.path());
    if (first != null) {
      entry.error("name", "duplicate name " + ConfigSection.describe(name) + " (also " + first + ")");
      return false;
    }
    return true;
  }

  private static PoolSettings pool(ConfigSection pool, Map<String, Boolean> userMultiplexing) {
    PoolSettings defaults = ProxySettings.defaultPool();
    Duration connectTimeout = pool.duration("connect_timeout", defaults.connectTimeout());
    Duration idleTimeout = pool.duration("idle_timeout", defaults.idleTimeout());
    Integer maxIdle = pool.integer("max_idle_per_key", 1, Integer.MAX_VALUE, DEFAULT_MAX_IDLE_PER_KEY);
    Integer maxPerBackend = pool.integer("max_connections_per_backend", 0, 1_000_000, 0);
    Boolean multiplexing = pool.bool("multiplexing", true);
    pool.rejectUnknownKeys();
    return connectTimeout == null || idleTimeout == null || maxIdle == null || maxPerBackend == null
        || multiplexing == null ? null
        : new PoolSettings(connectTimeout, idleTimeout, maxIdle, maxPerBackend, multiplexing, userMultiplexing);
  }

  private FrontendTls frontendTls(ConfigSection tls) {
    boolean hasCertificate = tls.has("certificate");
    boolean hasKey = tls.has("private_key");
    Path certificate = tls.existingFile("certificate", baseDir);
    Path privateKey = tls.existingFile("private_key", baseDir);
    Boolean required = tls.bool("required", false);
    tls.rejectUnknownKeys();
    if (hasCertificate != hasKey) {
      tls.error("certificate and private_key go together; " + (hasKey ? "certificate" : "private_key")
          + " is missing");
      return null;
    }
    if (Boolean.TRUE.equals(required) && !hasCertificate) {
      tls.error("required", "needs certificate and private_key");
      return null;
    }
    if (certificate == null || privateKey == null) {
      return required == null || hasCertificate ? null : FrontendTls.disabled();
    }
    try {
      SslContextBuilder.forServer(certificate.toFile(), privateKey.toFile()).build();
    } catch (Exception e) {
      tls.error("cannot use certificate and private_key: " + e.getMessage());
      return null;
    }
    return new FrontendTls(certificate, privateKey, required);
  }

  private static BackendTls backendTls(ConfigSection tls) {
    Boolean enabled = tls.bool("enabled", false);
    Boolean verifyPeer = tls.bool("verify_peer", false);
    tls.rejectUnknownKeys();
    return enabled == null || verifyPeer == null ? null : new BackendTls(enabled, verifyPeer);
  }

  private LoggingSettings logging(ConfigSection logging) {
    Path config = logging.existingFile("config", baseDir);
    String level = logging.choice("level", LoggingSettings.LEVELS, null);
    logging.rejectUnknownKeys();
    return new LoggingSettings(config, level);
  }
}
