package io.tandem.server;

import io.tandem.admin.ConfigControl;
import io.tandem.proxy.config.ProxySettings;
import io.tandem.proxy.config.UserAccount;
import io.tandem.server.config.ConfigException;
import io.tandem.server.config.ConfigLoader;
import io.tandem.server.config.RoutingConfig;
import io.tandem.server.config.TandemConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The configuration file of a running stack, for {@code SHOW CONFIG} and {@code RELOAD CONFIG}.
 *
 * <p>What a reload applies while clients stay connected: the client accounts and the client limits
 * (timeouts; for logins from now on), the routing policies (global and per user: consistency, lag
 * limit, no_replica, route; for sessions that start from now on) and the admin accounts. Anything
 * else that changed (listen address or max_connections, backends, pool, TLS, the monitor, read/write
 * splitting on or off, weights, failover, the admin or metrics address) needs a restart: the file is
 * then rejected whole, naming each such key, and nothing is applied — as is a file that does not
 * validate. Sessions already connected keep the account and policy they logged in with.
 */
final class ConfigFile implements ConfigControl {

  private static final Set<String> SECRETS = Set.of("password", "native_hash");

  private final Path file;
  private final ProxyStack stack;
  private TandemConfig current;
  private Object tree;

  ConfigFile(Path file, TandemConfig config, ProxyStack stack) {
    this.file = file.toAbsolutePath().normalize();
    this.current = config;
    this.stack = stack;
    Object document;
    try {
      document = ConfigLoader.loadWithDocument(this.file).document();
    } catch (ConfigException e) {
      document = null; // changed since it was loaded: SHOW CONFIG shows only the file name until a reload
    }
    this.tree = document;
  }

  @Override
  public synchronized List<String[]> show() {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"(file)", file.toString()});
    flatten("", tree, rows);
    return rows;
  }

  @Override
  public synchronized List<String> reload() throws Exception {
    ConfigLoader.Loaded loaded = ConfigLoader.loadWithDocument(file); // throws with every problem of a bad file
    TandemConfig next = loaded.config();
    List<String> restart = needsRestart(current, next);
    if (!restart.isEmpty()) {
      throw new IllegalArgumentException("these changes need a restart: " + String.join("; ", restart));
    }
    List<String> changes = new ArrayList<>();
    describeUsers("users", current.proxy().users(), next.proxy().users(), changes);
    if (!current.proxy().clientLimits().equals(next.proxy().clientLimits())) {
      changes.add("listen limits: " + next.proxy().clientLimits());
    }
    List<String> policies = changedPolicies(current, next);
    if (!policies.isEmpty()) {
      changes.add("routing policies of " + String.join(", ", policies) + ": for sessions that start from now on");
    }
    describeUsers("admin.users", current.admin().users(), next.admin().users(), changes);
    stack.proxy().reload(next.proxy());
    if (stack.split() != null) {
      RoutingConfig routing = next.routing();
      stack.split().policies(routing::policy);
    }
    if (stack.adminServer() != null) {
      stack.adminServer().reload(next.admin().users(), next.proxy().clientLimits());
    }
    current = next;
    tree = loaded.document();
    if (changes.isEmpty()) {
      changes.add("nothing changed");
    }
    return changes;
  }

  /** "defaults" and the users whose routing policy differs between {@code a} and {@code b}. */
  private static List<String> changedPolicies(TandemConfig a, TandemConfig b) {
    List<String> changed = new ArrayList<>();
    if (!a.routing().defaults().equals(b.routing().defaults())) {
      changed.add("every user (the defaults)");
    }
    Set<String> names = new TreeSet<>(a.routing().users().keySet());
    names.addAll(b.routing().users().keySet());
    for (String user : names) {
      if (!a.routing().policy(user).equals(b.routing().policy(user))) {
        changed.add(user);
      }
    }
    return changed;
  }

  /** The keys whose change a running stack cannot take. */
  private static List<String> needsRestart(TandemConfig a, TandemConfig b) {
    List<String> keys = new ArrayList<>();
    ProxySettings p = a.proxy();
    ProxySettings q = b.proxy();
    check(keys, "listen.host", p.listenHost(), q.listenHost());
    check(keys, "listen.port", p.listenPort(), q.listenPort());
    check(keys, "listen.max_connections", p.maxConnections(), q.maxConnections());
    check(keys, "listen.max_packet_size", p.maxPacketSize(), q.maxPacketSize());
    check(keys, "backends", p.backends(), q.backends());
    check(keys, "pool", p.pool(), q.pool());
    check(keys, "tls.frontend", p.frontendTls(), q.frontendTls());
    check(keys, "tls.backend", p.backendTls(), q.backendTls());
    check(keys, "worker_threads", p.workerThreads(), q.workerThreads());
    check(keys, "routing.read_write_split", a.routing().splitReads(), b.routing().splitReads());
    check(keys, "routing.monitor (or routing.max_replication_lag)", a.routing().monitor(), b.routing().monitor());
    check(keys, "routing.weights", a.routing().weights(), b.routing().weights());
    check(keys, "failover", a.failover(), b.failover());
    check(keys, "failover.hold_writes", a.holdWrites(), b.holdWrites());
    check(keys, "admin.host", a.admin().host(), b.admin().host());
    check(keys, "admin.port", a.admin().port(), b.admin().port());
    check(keys, "admin.users (adding the first or removing the last)", a.admin().enabled(), b.admin().enabled());
    check(keys, "metrics", a.metrics(), b.metrics());
    check(keys, "logging", a.logging(), b.logging());
    return keys;
  }

  private static void check(List<String> keys, String key, Object before, Object after) {
    if (!Objects.equals(before, after)) {
      keys.add(key);
    }
  }

  private static void describeUsers(String key, List<UserAccount> before, List<UserAccount> after,
      List<String> changes) {
    Set<String> added = new TreeSet<>();
    Set<String> changed = new TreeSet<>();
    Set<String> removed = new TreeSet<>();
    for (UserAccount u : after) {
      UserAccount old = before.stream().filter(o -> o.name().equals(u.name())).findFirst().orElse(null);
      if (old == null) {
        added.add(u.name());
      } else if (!old.equals(u)) {
        changed.add(u.name());
      }
    }
    for (UserAccount u : before) {
      if (after.stream().noneMatch(n -> n.name().equals(u.name()))) {
        removed.add(u.name());
      }
    }
    if (!added.isEmpty()) {
      changes.add(key + ": added " + String.join(", ", added));
    }
    if (!changed.isEmpty()) {
      changes.add(key + ": changed " + String.join(", ", changed));
    }
    if (!removed.isEmpty()) {
      changes.add(key + ": removed " + String.join(", ", removed) + " (their sessions stay until they leave)");
    }
  }

  private static void flatten(String prefix, Object node, List<String[]> rows) {
    if (node instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        String key = String.valueOf(e.getKey());
        String path = prefix.isEmpty() ? key : prefix + "." + key;
        if (SECRETS.contains(key) && !(e.getValue() instanceof Map) && !(e.getValue() instanceof List)) {
          rows.add(new String[] {path, e.getValue() == null ? null : "********"});
        } else {
          flatten(path, e.getValue(), rows);
        }
      }
    } else if (node instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        flatten(prefix + "[" + i + "]", list.get(i), rows);
      }
    } else {
      rows.add(new String[] {prefix, node == null ? null : String.valueOf(node)});
    }
  }
}
