package io.tandem.admin;

import io.tandem.admin.metrics.QueryDigests;
import io.tandem.admin.metrics.TandemMetrics;
import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.frontend.SessionInfo;
import io.tandem.proxy.metrics.ProxyMetrics;
import io.tandem.proxy.protocol.ErrorCode;
import io.tandem.proxy.protocol.ResultSetWriter.Column;
import io.tandem.proxy.route.BackendAvailability;
import io.tandem.proxy.route.WriterRole;
import io.tandem.router.failover.FailoverController;
import io.tandem.router.split.RoutingCounters;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin SQL commands: parses one statement and runs it against the running proxy. Runs on an
 * admin worker thread (never an event loop): SWITCHOVER and FAILOVER FORCE wait for the controller,
 * SHOW SESSIONS for every event loop. Names and spellings are case-insensitive; a trailing
 * {@code ;} is ignored; backend names may be quoted with {@code '}, {@code "} or backticks.
 */
final class AdminCommands {

  private static final Logger log = LoggerFactory.getLogger(AdminCommands.class);

  /** Each command: its syntax and what it does (HELP prints these). */
  static final List<String[]> HELP = List.of(
      new String[] {"HELP (or SHOW HELP: the mysql client keeps HELP for itself)", "This list."},
      new String[] {"SHOW VERSION", "Tandem's version, uptime, routing mode."},
      new String[] {"SHOW BACKENDS", "Each backend: role, state, read_only, lag, replication threads, semisync, GTID,"
          + " connections, commands, errors."},
      new String[] {"SHOW POOLS", "The proxy's connections to each backend: idle (pooled), busy (held by sessions),"
          + " bytes."},
      new String[] {"SHOW SESSIONS", "Each client session: id, address, user, schema, backends, what pins it to them, transaction, age,"
          + " running command."},
      new String[] {"SHOW QUERY DIGESTS [LIMIT n]", "Statements by digest (literals replaced), by total time:"
          + " count, total/avg/max time, rows, errors, where they ran (read/write split only)."},
      new String[] {"RESET QUERY DIGESTS", "Forgets the digest statistics."},
      new String[] {"SHOW ROUTING STATS", "Commands by where they ran, reads without a replica, read-your-writes"
          + " checks, classifier cache."},
      new String[] {"SHOW FAILOVER STATUS", "The failover controller: state, writer, epoch, the last decision and"
          + " each reason behind it, counts."},
      new String[] {"SHOW EVENTS [LIMIT n]", "Failover and health history with timestamps, newest first."},
      new String[] {"SET BACKEND <name> OFFLINE [SOFT|HARD]", "No new work for the backend; SOFT (default) lets"
          + " running work finish, HARD closes every connection to it."},
      new String[] {"SET BACKEND <name> ONLINE", "The backend takes work again."},
      new String[] {"SWITCHOVER [TO <name>]", "Planned move of the writer role to another master, nothing lost."},
      new String[] {"FAILOVER FORCE [TO <name>]", "Promotes another master now without the lossless checks"
          + " (acknowledged writes it lacks are lost). Logged."},
      new String[] {"KILL SESSION <id>", "Closes a client session (its running command is cut)."},
      new String[] {"RELOAD CONFIG", "Reads the configuration file again: users, client limits and routing"
          + " policies apply without dropping clients; a bad file is rejected whole."},
      new String[] {"SHOW CONFIG", "The running configuration, passwords masked."});

  private static final String NAME = "[`'\"]?([A-Za-z0-9_.\\-]+)[`'\"]?";
  private static final Pattern LIMIT = Pattern.compile("(?i)\\s+limit\\s+(\\d+)$");
  private static final Pattern SET_BACKEND = Pattern.compile(
      "(?i)^set\\s+backend\\s+" + NAME + "\\s+(online|offline(?:\\s+(soft|hard))?)$");
  private static final Pattern TO_TARGET = Pattern.compile("(?i)^(switchover|failover\\s+force)(?:\\s+to\\s+" + NAME
      + ")?$");
  private static final Pattern LEADING_COMMENTS = Pattern.compile("^\\s*(/\\*.*?\\*/\\s*)+", Pattern.DOTALL);
  private static final Pattern KILL_SESSION = Pattern.compile("(?i)^kill\\s+session\\s+(\\d+)$");

  private final AdminContext admin;
  private final long startedAt = System.currentTimeMillis();

  AdminCommands(AdminContext admin) {
    this.admin = admin;
  }

  /** Runs one statement; never throws (a failure is an {@link AdminResult.Error}). */
  AdminResult execute(String sql, String user) {
    String s = LEADING_COMMENTS.matcher(sql).replaceFirst("").strip(); // drivers tag their queries
    while (s.endsWith(";")) {
      s = s.substring(0, s.length() - 1).strip();
    }
    if (s.endsWith("\\G")) {
      s = s.substring(0, s.length() - 2).strip();
    }
    String normal = s.replaceAll("\\s+", " ").toUpperCase(Locale.ROOT);
    try {
      int limit = Integer.MAX_VALUE;
      Matcher l = LIMIT.matcher(s);
      if (l.find() && (normal.startsWith("SHOW QUERY DIGESTS") || normal.startsWith("SHOW EVENTS"))) {
        limit = Integer.parseInt(l.group(1));
        normal = normal.substring(0, normal.lastIndexOf(" LIMIT "));
      }
      switch (normal) {
        case "HELP", "SHOW HELP", "SHOW COMMANDS" -> {
          return AdminResult.Rows.of(List.of(Column.text("Command"), Column.text("Description")),
              HELP.stream().map(h -> Arrays.asList(h[0], h[1])).toList());
        }
        case "SHOW VERSION" -> {
          return version();
        }
        case "SHOW BACKENDS" -> {
          return backends();
        }
        case "SHOW POOLS" -> {
          return pools();
        }
        case "SHOW SESSIONS", "SHOW PROCESSLIST", "SHOW FULL PROCESSLIST" -> {
          return sessions();
        }
        case "SHOW QUERY DIGESTS" -> {
          return digests(limit);
        }
        case "RESET QUERY DIGESTS" -> {
          QueryDigests d = digests();
          return d == null ? notKept() : new AdminResult.Ok(d.reset(), "query digests reset");
        }
        case "SHOW ROUTING STATS" -> {
          return routingStats();
        }
        case "SHOW FAILOVER STATUS" -> {
          return failoverStatus();
        }
        case "SHOW EVENTS" -> {
          return events(limit == Integer.MAX_VALUE ? 50 : limit);
        }
        case "RELOAD CONFIG" -> {
          return reload(user);
        }
        case "SHOW CONFIG" -> {
          return admin.config() == null ? error("no configuration file: the proxy was started without one")
              : AdminResult.Rows.pairs(admin.config().show());
        }
        default -> { }
      }
      Matcher m = SET_BACKEND.matcher(s);
      if (m.matches()) {
        return setBackend(m.group(1), m.group(2), m.group(3), user);
      }
      m = TO_TARGET.matcher(s);
      if (m.matches()) {
        return m.group(1).equalsIgnoreCase("switchover")
            ? promote("SWITCHOVER", m.group(2), user, FailoverController::switchover)
            : promote("FAILOVER FORCE", m.group(2), user, FailoverController::forceFailover);
      }
      m = KILL_SESSION.matcher(s);
      if (m.matches()) {
        long id = Long.parseLong(m.group(1));
        if (!admin.proxy().killSession(id)) {
          return new AdminResult.Error(ErrorCode.NO_SUCH_THREAD, "Unknown thread id: " + id);
        }
        log.info("admin {}: KILL SESSION {}", user, id);
        return new AdminResult.Ok(1, "session " + id + " closed");
      }
      AdminResult client = ClientQueries.answer(s, admin.version());
      if (client != null) {
        return client;
      }
    } catch (RuntimeException e) {
      log.warn("admin command '{}' failed", s, e);
      return error(e.toString());
    }
    String near = s.length() > 40 ? s.substring(0, 40) : s;
    return new AdminResult.Error(ErrorCode.PARSE_ERROR, "Unknown admin command near '" + near
        + "'; HELP lists the commands");
  }

  private static AdminResult.Error error(String message) {
    return new AdminResult.Error(ErrorCode.UNKNOWN_ERROR, message);
  }

  // ---------------------------------------------------------------- SHOW

  private AdminResult version() {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"version", admin.version()});
    rows.add(new String[] {"uptime_seconds", Long.toString((System.currentTimeMillis() - startedAt) / 1000)});
    rows.add(new String[] {"routing", admin.split() != null ? "read_write_split" : "master_only"});
    rows.add(new String[] {"failover", admin.controller() != null ? "on" : "off"});
    rows.add(new String[] {"java", System.getProperty("java.version")});
    return AdminResult.Rows.pairs(rows);
  }

  private AdminResult backends() {
    List<Column> columns = List.of(Column.text("name"), Column.text("address"), Column.text("role"),
        Column.text("state"), Column.text("admin_state"), Column.integer("read_only"), Column.decimal("lag_seconds"),
        Column.text("io_thread"), Column.text("sql_thread"), Column.integer("eligible"), Column.text("semisync"),
        Column.integer("semisync_clients"), Column.text("gtid"), Column.text("source"), Column.integer("idle"),
        Column.integer("busy"), Column.integer("commands"), Column.integer("errors"), Column.text("last_error"));
    List<List<String>> rows = new ArrayList<>();
    for (BackendView v : BackendView.all(admin)) {
      rows.add(Arrays.asList(v.name(), v.address(), v.role(), v.up() == null ? "unknown" : v.up() ? "up" : "down",
          v.adminState(), bit(v.readOnly()), v.lagSeconds() == null ? null : String.format(Locale.ROOT, "%.3f",
              v.lagSeconds()), yesNo(v.ioRunning()), yesNo(v.sqlRunning()), bit(v.eligible()),
          v.semisyncOn() == null ? null : v.semisyncOn() ? "ON" : "OFF",
          v.semisyncClients() == null ? null : v.semisyncClients().toString(), v.gtid(), v.source(),
          Long.toString(v.idle()), Long.toString(v.busy()), Long.toString(v.commands()), Long.toString(v.errors()),
          v.lastError()));
    }
    return AdminResult.Rows.of(columns, rows);
  }

  private AdminResult pools() {
    List<Column> columns = List.of(Column.text("backend"), Column.text("role"), Column.integer("idle"),
        Column.integer("busy"), Column.integer("total"), Column.integer("commands"), Column.integer("errors"),
        Column.integer("bytes_received"), Column.integer("bytes_sent"));
    List<List<String>> rows = new ArrayList<>();
    for (BackendView v : BackendView.all(admin)) {
      rows.add(Arrays.asList(v.name(), v.role(), Long.toString(v.idle()), Long.toString(v.busy()),
          Long.toString(v.idle() + v.busy()), Long.toString(v.commands()), Long.toString(v.errors()),
          Long.toString(v.receivedBytes()), Long.toString(v.sentBytes())));
    }
    return AdminResult.Rows.of(columns, rows);
  }

  private AdminResult sessions() {
    List<SessionInfo> sessions;
    try {
      sessions = admin.proxy().sessions().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      return error("sessions did not answer in time: " + e);
    }
    List<Column> columns = List.of(Column.integer("id"), Column.text("client"), Column.text("user"),
        Column.text("schema"), Column.text("backends"), Column.text("pinned_by"), Column.integer("in_transaction"),
        Column.integer("age_seconds"), Column.text("command"), Column.decimal("command_seconds"));
    long now = System.currentTimeMillis();
    List<List<String>> rows = new ArrayList<>();
    for (SessionInfo s : sessions) {
      rows.add(Arrays.asList(Long.toString(s.id()), s.clientAddress(), s.user(), s.schema(),
          String.join(",", s.backends()), String.join(",", s.pins()), s.inTransaction() ? "1" : "0",
          Long.toString((now - s.connectedAtMillis()) / 1000), s.command(),
          s.command() == null ? null : String.format(Locale.ROOT, "%.3f", s.commandMillis() / 1000.0)));
    }
    return AdminResult.Rows.of(columns, rows);
  }

  private QueryDigests digests() {
    return admin.metrics() == null ? null : admin.metrics().digests();
  }

  private static AdminResult notKept() {
    return error("query digests are not kept (metrics.query_digests: false, or metrics are off)");
  }

  private AdminResult digests(int limit) {
    QueryDigests d = digests();
    if (d == null) {
      return notKept();
    }
    List<Column> columns = List.of(Column.text("digest"), Column.integer("count"), Column.decimal("total_seconds"),
        Column.decimal("avg_seconds"), Column.decimal("max_seconds"), Column.integer("rows"), Column.integer("errors"),
        Column.text("backends"));
    List<List<String>> rows = new ArrayList<>();
    for (QueryDigests.Row r : d.top(limit)) {
      StringBuilder on = new StringBuilder();
      r.backends().forEach((b, n) -> on.append(on.length() == 0 ? "" : ",").append(b).append(':').append(n));
      rows.add(Arrays.asList(r.digest(), Long.toString(r.count()), seconds(r.totalSeconds()),
          seconds(r.avgSeconds()), seconds(r.maxSeconds()), Long.toString(r.rows()), Long.toString(r.errors()),
          on.toString()));
    }
    return AdminResult.Rows.of(columns, rows);
  }

  private AdminResult routingStats() {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"mode", admin.split() != null ? "read_write_split" : "master_only"});
    TandemMetrics m = admin.metrics();
    if (m != null) {
      for (ProxyMetrics.Where where : ProxyMetrics.Where.values()) {
        rows.add(new String[] {"commands_" + where.name().toLowerCase(Locale.ROOT), Long.toString(m.commands(where))});
      }
      long errors = 0;
      for (ProxyMetrics.Where where : ProxyMetrics.Where.values()) {
        for (ProxyMetrics.Kind kind : ProxyMetrics.Kind.values()) {
          errors += m.commands(where, kind, true);
        }
      }
      rows.add(new String[] {"commands_failed", Long.toString(errors)});
    }
    if (admin.split() != null) {
      RoutingCounters c = admin.split().counters();
      c.commandsByBackend().forEach((b, n) -> rows.add(new String[] {"commands_on_" + b, Long.toString(n)}));
      rows.add(new String[] {"reads_without_replica_to_master", Long.toString(c.noReplicaToMaster())});
      rows.add(new String[] {"reads_without_replica_refused", Long.toString(c.noReplicaRefused())});
      rows.add(new String[] {"read_your_writes_waits_reached", Long.toString(c.consistencyWaitsReached())});
      rows.add(new String[] {"read_your_writes_waits_timed_out", Long.toString(c.consistencyWaitsTimedOut())});
      rows.add(new String[] {"read_your_writes_known_applied", Long.toString(c.consistencyKnownApplied())});
      rows.add(new String[] {"classifier_cache_hits", Long.toString(admin.split().classifier().cacheHits())});
      rows.add(new String[] {"classifier_cache_misses", Long.toString(admin.split().classifier().cacheMisses())});
      rows.add(new String[] {"classifier_parse_failures", Long.toString(admin.split().classifier().unparsedCount())});
      rows.add(new String[] {"classifier_cached_digests", Long.toString(admin.split().classifier().cachedDigests())});
    }
    if (admin.monitor() != null) {
      rows.add(new String[] {"eligible_replicas", Long.toString(admin.monitor().snapshot().eligibleReplicas().size())});
      rows.add(new String[] {"max_replication_lag_seconds", seconds(
          admin.monitor().settings().maxReplicationLag().toNanos() / 1e9)});
    }
    return AdminResult.Rows.pairs(rows);
  }

  private AdminResult failoverStatus() {
    WriterRole.State state = admin.writerRole().state();
    FailoverController c = admin.controller();
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"state", c == null ? "OFF" : c.phase().name()});
    rows.add(new String[] {"writer", state.writer() == null ? null : state.writer().name()});
    rows.add(new String[] {"epoch", Long.toString(state.epoch())});
    rows.add(new String[] {"writes", state.switching() ? "held (switching)" : state.writer() != null ? "accepted"
        : "refused: " + state.refusal()});
    if (c != null) {
      String decision = c.lastDecision();
      rows.add(new String[] {"last_decision", decision});
      for (String reason : reasons(decision)) {
        rows.add(new String[] {"reason", reason});
      }
      rows.add(new String[] {"promotions", Long.toString(c.promotions())});
      rows.add(new String[] {"refusals", Long.toString(c.refusals())});
      rows.add(new String[] {"blocks", Long.toString(c.blocks())});
      rows.add(new String[] {"split_brain_detections", Long.toString(c.splitBrainDetections())});
      Instant last = c.lastPromotion();
      rows.add(new String[] {"last_promotion", last == null ? null : last.toString()});
    }
    return AdminResult.Rows.pairs(rows);
  }

  /** The reasons in a decision's text: the parts after "refused:" / "although", split at "; ". */
  static List<String> reasons(String decision) {
    if (decision == null) {
      return List.of();
    }
    int at = decision.indexOf("refused: ");
    int skip = "refused: ".length();
    if (at < 0) {
      at = decision.indexOf(" although ");
      skip = " although ".length();
    }
    if (at < 0) {
      return List.of();
    }
    String rest = decision.substring(at + skip);
    int end = rest.indexOf("; writes are refused");
    if (end >= 0) {
      rest = rest.substring(0, end);
    }
    return Arrays.stream(rest.split("; ")).map(String::strip).filter(r -> !r.isEmpty()).toList();
  }

  private AdminResult events(int limit) {
    List<Column> columns = List.of(Column.text("at"), Column.text("event"));
    List<List<String>> rows = new ArrayList<>();
    if (admin.controller() != null) {
      List<FailoverController.Event> all = admin.controller().events();
      for (int i = all.size() - 1; i >= 0 && rows.size() < limit; i--) {
        rows.add(List.of(all.get(i).at().toString(), all.get(i).text()));
      }
    }
    return AdminResult.Rows.of(columns, rows);
  }

  // ---------------------------------------------------------------- actions

  private AdminResult setBackend(String name, String action, String how, String user) {
    BackendDefinition b = admin.backend(name);
    if (b == null) {
      return error("no backend named '" + name + "'");
    }
    BackendAvailability.Mode mode = action.toLowerCase(Locale.ROOT).startsWith("online") ? BackendAvailability.Mode.ONLINE
        : "hard".equalsIgnoreCase(how) ? BackendAvailability.Mode.OFFLINE_HARD : BackendAvailability.Mode.OFFLINE_SOFT;
    if (mode != BackendAvailability.Mode.ONLINE && admin.writerRole().isWriter(b)) {
      return error(b.name() + " is the writer: SWITCHOVER to another master first");
    }
    BackendAvailability.Mode before = admin.availability().set(b.name(), mode);
    log.info("admin {}: backend {} {} (was {})", user, b.name(), mode.name().toLowerCase(Locale.ROOT),
        before.name().toLowerCase(Locale.ROOT));
    if (mode == BackendAvailability.Mode.OFFLINE_HARD) {
      admin.proxy().dropConnections(b.name());
    }
    return new AdminResult.Ok(1, b.name() + " is " + mode.name().toLowerCase(Locale.ROOT).replace('_', ' ')
        + " (was " + before.name().toLowerCase(Locale.ROOT).replace('_', ' ') + ")");
  }

  /** A controller action that blocks until done and answers what happened. */
  private interface ControllerAction {
    String run(FailoverController controller, String target) throws Exception;
  }

  /** SWITCHOVER or FAILOVER FORCE (logged as the operator's, at WARN for the forced one). */
  private AdminResult promote(String command, String target, String user, ControllerAction action) {
    if (admin.controller() == null) {
      return error("no failover controller: routing.monitor is not configured");
    }
    String line = command + (target == null ? "" : " TO " + target);
    if (command.startsWith("FAILOVER")) {
      log.warn("admin {}: {}", user, line);
    } else {
      log.info("admin {}: {}", user, line);
    }
    try {
      return new AdminResult.Ok(1, action.run(admin.controller(), resolve(target)));
    } catch (Exception e) {
      return error((command.startsWith("FAILOVER") ? "failover" : "switchover") + " refused: " + e.getMessage());
    }
  }

  /** The configured spelling of a backend name (null stays null; unknown names pass through to be refused). */
  private String resolve(String name) {
    if (name == null) {
      return null;
    }
    BackendDefinition b = admin.backend(name);
    return b == null ? name : b.name();
  }

  private AdminResult reload(String user) {
    if (admin.config() == null) {
      return error("no configuration file: the proxy was started without one");
    }
    try {
      List<String> changes = admin.config().reload();
      log.info("admin {}: RELOAD CONFIG: {}", user, String.join("; ", changes));
      return AdminResult.Rows.of(List.of(Column.text("change")), changes.stream().map(List::of).toList());
    } catch (Exception e) {
      log.warn("admin {}: RELOAD CONFIG rejected: {}", user, e.getMessage());
      return error("configuration rejected, nothing changed: " + e.getMessage());
    }
  }

  private static String bit(Boolean b) {
    return b == null ? null : b ? "1" : "0";
  }

  private static String yesNo(Boolean b) {
    return b == null ? null : b ? "Yes" : "No";
  }

  private static String seconds(double s) {
    return String.format(Locale.ROOT, "%.6f", s);
  }
}
