package io.tandem.admin.metrics;

import io.prometheus.client.Collector;
import io.tandem.admin.AdminContext;
import io.tandem.admin.BackendView;
import io.tandem.proxy.metrics.ProxyMetrics;
import io.tandem.proxy.session.PinReason;
import io.tandem.router.failover.FailoverController;
import io.tandem.router.split.RoutingCounters;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Tandem's metrics in Prometheus' model, read when Prometheus scrapes: the counters of
 * {@link TandemMetrics} and the state of the monitor, the writer role, the read/write split and the
 * failover controller. Names follow Prometheus' conventions: {@code tandem_} prefix, base units,
 * {@code _total} counters. Every label value a series can take is exported from the start (at 0),
 * so {@code increase()} and alert rules see the first event.
 */
public final class TandemCollector extends Collector {

  private static final String[] ROLES = {"writer", "standby", "replica"};
  private static final String[] ADMIN_STATES = {"online", "offline_soft", "offline_hard"};

  private final AdminContext admin;

  public TandemCollector(AdminContext admin) {
    this.admin = admin;
  }

  @Override
  public List<MetricFamilySamples> collect() {
    List<MetricFamilySamples> out = new ArrayList<>();
    out.add(gauge("tandem_build_info", "Tandem's version (value 1).",
        sample("tandem_build_info", 1, "version", admin.version())));
    clients(out);
    commands(out);
    routing(out);
    backends(out);
    failover(out);
    return out;
  }

  private void clients(List<MetricFamilySamples> out) {
    TandemMetrics m = admin.metrics();
    out.add(gauge("tandem_client_connections", "Client connections open now.",
        sample("tandem_client_connections", admin.proxy().openConnections())));
    out.add(counter("tandem_client_connections_accepted", "Client logins that succeeded.",
        sample("tandem_client_connections_accepted_total", m.accepted())));
    List<MetricFamilySamples.Sample> refused = new ArrayList<>();
    for (ProxyMetrics.Refusal r : ProxyMetrics.Refusal.values()) {
      refused.add(sample("tandem_client_connections_refused_total", m.refused(r), "reason", label(r)));
    }
    out.add(counter("tandem_client_connections_refused", "Client connections refused before or at login, by reason.", refused));
    List<MetricFamilySamples.Sample> pins = new ArrayList<>();
    for (PinReason r : PinReason.values()) {
      pins.add(sample("tandem_session_pins_total", m.pins(r), "reason", r.label()));
    }
    out.add(counter("tandem_session_pins", "Times a client session started keeping its backend connections between"
        + " commands (no multiplexing), by reason.", pins));
    out.add(counter("tandem_multiplexed_releases", "Times a client session gave its backend connections back to the"
        + " pool between two commands.", sample("tandem_multiplexed_releases_total", m.multiplexedReleases())));
    out.add(counter("tandem_pool_state_replays", "Pooled backend connections a session had to reset or bring to its"
        + " state before use (none when one in its state was idle).",
        sample("tandem_pool_state_replays_total", m.stateReplays())));
  }

  private void commands(List<MetricFamilySamples> out) {
    TandemMetrics m = admin.metrics();
    List<MetricFamilySamples.Sample> commands = new ArrayList<>();
    List<MetricFamilySamples.Sample> latency = new ArrayList<>();
    for (ProxyMetrics.Where where : ProxyMetrics.Where.values()) {
      for (ProxyMetrics.Kind kind : ProxyMetrics.Kind.values()) {
        for (boolean failed : new boolean[] {false, true}) {
          commands.add(sample("tandem_commands_total", m.commands(where, kind, failed), "route", label(where),
              "kind", label(kind), "outcome", failed ? "error" : "ok"));
        }
      }
      LatencyHistogram h = m.latency(where);
      long[] cumulative = h.cumulative();
      for (int i = 0; i < cumulative.length; i++) {
        String le = i < LatencyHistogram.BOUNDS.length ? Collector.doubleToGoString(LatencyHistogram.BOUNDS[i]) : "+Inf";
        latency.add(sample("tandem_command_duration_seconds_bucket", cumulative[i], "route", label(where), "le", le));
      }
      latency.add(sample("tandem_command_duration_seconds_count", cumulative[cumulative.length - 1], "route",
          label(where)));
      latency.add(sample("tandem_command_duration_seconds_sum", h.sumSeconds(), "route", label(where)));
    }
    out.add(counter("tandem_commands", "Client commands answered, by where they ran, kind and outcome.", commands));
    out.add(new MetricFamilySamples("tandem_command_duration_seconds", Type.HISTOGRAM,
        "Time from taking a command to its last answer packet, by where it ran.", latency));
    out.add(counter("tandem_admin_commands", "Commands answered on the admin port, by outcome.",
        List.of(sample("tandem_admin_commands_total", m.adminCommands(false), "outcome", "ok"),
            sample("tandem_admin_commands_total", m.adminCommands(true), "outcome", "error"))));
  }

  private void routing(List<MetricFamilySamples> out) {
    long hits = 0;
    long misses = 0;
    long unparsed = 0;
    RoutingCounters c = null;
    if (admin.split() != null) {
      hits = admin.split().classifier().cacheHits();
      misses = admin.split().classifier().cacheMisses();
      unparsed = admin.split().classifier().unparsedCount();
      c = admin.split().counters();
    }
    out.add(counter("tandem_classifier_cache_hits", "Statements classified from the cache of parsed shapes.",
        sample("tandem_classifier_cache_hits_total", hits)));
    out.add(counter("tandem_classifier_cache_misses", "Statements that had to be parsed.",
        sample("tandem_classifier_cache_misses_total", misses)));
    out.add(counter("tandem_classifier_parse_failures", "Statements the parser could not read (sent to the master).", sample("tandem_classifier_parse_failures_total", unparsed)));
    out.add(counter("tandem_reads_without_replica", "Reads that found no eligible replica, by what was done.", List.of(
            sample("tandem_reads_without_replica_total", c == null ? 0 : c.noReplicaToMaster(), "action", "to_master"),
            sample("tandem_reads_without_replica_total", c == null ? 0 : c.noReplicaRefused(), "action", "refused"))));
    out.add(counter("tandem_read_your_writes", "Read-your-writes checks of replica reads, by outcome.", List.of(
            sample("tandem_read_your_writes_total", c == null ? 0 : c.consistencyWaitsReached(), "outcome", "reached"),
            sample("tandem_read_your_writes_total", c == null ? 0 : c.consistencyWaitsTimedOut(), "outcome",
                "timed_out"),
            sample("tandem_read_your_writes_total", c == null ? 0 : c.consistencyKnownApplied(), "outcome", "known"))));
    if (admin.monitor() != null) {
      out.add(gauge("tandem_max_replication_lag_seconds", "The replication lag limit for reads.",
          sample("tandem_max_replication_lag_seconds",
              admin.monitor().settings().maxReplicationLag().toNanos() / 1e9)));
    }
  }

  private void backends(List<MetricFamilySamples> out) {
    List<BackendView> views = BackendView.all(admin);
    Family up = new Family("tandem_backend_up", "Reachable at the monitor's last check.");
    Family role = new Family("tandem_backend_role", "The backend's current role (1 for it, 0 for the others).");
    Family readOnly = new Family("tandem_backend_read_only", "read_only is ON (masters).");
    Family lag = new Family("tandem_backend_replication_lag_seconds", "Measured heartbeat lag (not for the writer).");
    Family io = new Family("tandem_backend_replication_io_running", "The replication IO thread runs.");
    Family sql = new Family("tandem_backend_replication_sql_running", "The replication SQL thread runs.");
    Family eligible = new Family("tandem_backend_eligible", "The replica may take reads now.");
    Family semisync = new Family("tandem_backend_semisync_master_status", "Commits wait for a semisync ack (masters).");
    Family clients = new Family("tandem_backend_semisync_master_clients", "Semisync replicas connected (masters).");
    Family adminState = new Family("tandem_backend_admin_state", "The operator's state (1 for it, 0 for the others).");
    Family connections = new Family("tandem_backend_connections", "The proxy's connections to it, by state.");
    Family commands = new Family("tandem_backend_commands_total", "Client commands run on it.");
    Family errors = new Family("tandem_backend_errors_total", "Commands lost with a connection to it.");
    Family received = new Family("tandem_backend_received_bytes_total", "Bytes received from it.");
    Family sent = new Family("tandem_backend_sent_bytes_total", "Bytes sent to it.");
    long eligibleCount = 0;
    for (BackendView v : views) {
      if (v.up() != null) {
        up.add(v.name(), v.up() ? 1 : 0);
      }
      for (String r : ROLES) {
        role.add(v.name(), r.equals(v.role()) ? 1 : 0, "role", r);
      }
      if (v.readOnly() != null) {
        readOnly.add(v.name(), v.readOnly() ? 1 : 0);
      }
      if (v.lagSeconds() != null) {
        lag.add(v.name(), v.lagSeconds());
      }
      if (v.ioRunning() != null) {
        io.add(v.name(), v.ioRunning() ? 1 : 0);
        sql.add(v.name(), v.sqlRunning() ? 1 : 0);
      }
      if ("replica".equals(v.role()) && v.eligible() != null) {
        eligible.add(v.name(), v.eligible() ? 1 : 0);
        eligibleCount += v.eligible() ? 1 : 0;
      }
      if (v.semisyncOn() != null) {
        semisync.add(v.name(), v.semisyncOn() ? 1 : 0);
        clients.add(v.name(), v.semisyncClients());
      }
      for (String s : ADMIN_STATES) {
        adminState.add(v.name(), s.equals(v.adminState()) ? 1 : 0, "state", s);
      }
      connections.add(v.name(), v.idle(), "state", "idle");
      connections.add(v.name(), v.busy(), "state", "busy");
      commands.add(v.name(), v.commands());
      errors.add(v.name(), v.errors());
      received.add(v.name(), v.receivedBytes());
      sent.add(v.name(), v.sentBytes());
    }
    for (Family f : List.of(up, role, readOnly, lag, io, sql, eligible, semisync, clients, adminState, connections)) {
      out.add(f.build(Type.GAUGE));
    }
    for (Family f : List.of(commands, errors, received, sent)) {
      out.add(f.build(Type.COUNTER));
    }
    if (admin.monitor() != null) {
      out.add(gauge("tandem_eligible_replicas", "Replicas that may take reads now.",
          sample("tandem_eligible_replicas", eligibleCount)));
    }
  }

  private void failover(List<MetricFamilySamples> out) {
    var state = admin.writerRole().state();
    out.add(gauge("tandem_writer_epoch", "Grows by one per promotion.",
        sample("tandem_writer_epoch", state.epoch())));
    out.add(gauge("tandem_writer_available", "There is a writer taking writes now.",
        sample("tandem_writer_available", state.writer() != null && !state.switching() ? 1 : 0)));
    FailoverController c = admin.controller();
    if (c == null) {
      return;
    }
    List<MetricFamilySamples.Sample> phases = new ArrayList<>();
    for (FailoverController.Phase p : FailoverController.Phase.values()) {
      phases.add(sample("tandem_failover_state", p == c.phase() ? 1 : 0, "state", label(p)));
    }
    out.add(gauge("tandem_failover_state", "The failover controller's state (1 for it, 0 for the others).", phases));
    out.add(counter("tandem_failovers", "Failures of the writer and what the controller did: promoted another master,"
        + " refused to fail over (automatic failover off, a partition), or blocked writes.",
        List.of(sample("tandem_failovers_total", c.promotions(), "outcome", "promoted"),
            sample("tandem_failovers_total", c.refusals(), "outcome", "refused"),
            sample("tandem_failovers_total", c.blocks(), "outcome", "blocked"))));
    Instant last = c.lastPromotion();
    out.add(gauge("tandem_failover_last_timestamp_seconds", "When the last promotion finished (Unix time; 0: none).", sample("tandem_failover_last_timestamp_seconds", last == null ? 0 : last.toEpochMilli() / 1000.0)));
    out.add(counter("tandem_split_brain_detections", "Times two writable masters were found.",
        sample("tandem_split_brain_detections_total", c.splitBrainDetections())));
  }

  // ---------------------------------------------------------------- helpers

  private static String label(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  private static MetricFamilySamples.Sample sample(String name, double value, String... labels) {
    List<String> names = new ArrayList<>();
    List<String> values = new ArrayList<>();
    for (int i = 0; i < labels.length; i += 2) {
      names.add(labels[i]);
      values.add(labels[i + 1]);
    }
    return new MetricFamilySamples.Sample(name, names, values, value);
  }

  private static MetricFamilySamples gauge(String name, String help, MetricFamilySamples.Sample... samples) {
    return gauge(name, help, List.of(samples));
  }

  private static MetricFamilySamples gauge(String name, String help, List<MetricFamilySamples.Sample> samples) {
    return new MetricFamilySamples(name, Type.GAUGE, help, samples);
  }

  private static MetricFamilySamples counter(String name, String help, MetricFamilySamples.Sample... samples) {
    return counter(name, help, List.of(samples));
  }

  private static MetricFamilySamples counter(String name, String help, List<MetricFamilySamples.Sample> samples) {
    return new MetricFamilySamples(name, Type.COUNTER, help, samples);
  }

  /** Samples of one per-backend family. */
  private static final class Family {
    private final String name;
    private final String help;
    private final List<MetricFamilySamples.Sample> samples = new ArrayList<>();

    Family(String name, String help) {
      this.name = name;
      this.help = help;
    }

    void add(String backend, double value, String... labels) {
      String[] all = new String[labels.length + 2];
      all[0] = "backend";
      all[1] = backend;
      System.arraycopy(labels, 0, all, 2, labels.length);
      samples.add(sample(name, value, all));
    }

    MetricFamilySamples build(Type type) {
      String family = type == Type.COUNTER && name.endsWith("_total") ? name.substring(0, name.length() - 6) : name;
      return new MetricFamilySamples(family, type, help, samples);
    }
  }
}
