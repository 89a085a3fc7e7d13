package io.tandem.admin;

import io.tandem.proxy.route.WriterRole;
import io.tandem.router.failover.FailoverController;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The status page's data ({@code /status.json}): writer, failover state, backends, last events. */
final class StatusReport {

  /** Events the page shows. */
  static final int EVENTS = 50;

  private StatusReport() {}

  static String json(AdminContext admin) {
    Map<String, Object> root = new LinkedHashMap<>();
    WriterRole.State state = admin.writerRole().state();
    root.put("version", admin.version());
    root.put("now", Instant.now().toString());
    root.put("writer", state.writer() == null ? null : state.writer().name());
    root.put("epoch", state.epoch());
    Map<String, Object> failover = new LinkedHashMap<>();
    FailoverController c = admin.controller();
    failover.put("state", c == null ? "OFF" : c.phase().name());
    failover.put("lastDecision", c == null ? null : c.lastDecision());
    failover.put("refusal", state.refusal());
    root.put("failover", failover);
    root.put("clients", admin.proxy().openConnections());
    root.put("maxLagSeconds", admin.monitor() == null ? null
        : admin.monitor().settings().maxReplicationLag().toNanos() / 1e9);
    List<Object> backends = new ArrayList<>();
    for (BackendView v : BackendView.all(admin)) {
      Map<String, Object> b = new LinkedHashMap<>();
      b.put("name", v.name());
      b.put("address", v.address());
      b.put("role", v.role());
      b.put("source", v.source());
      b.put("up", v.up());
      b.put("adminState", v.adminState());
      b.put("readOnly", v.readOnly());
      b.put("lagSeconds", v.lagSeconds());
      b.put("ioRunning", v.ioRunning());
      b.put("sqlRunning", v.sqlRunning());
      b.put("eligible", v.eligible());
      if (v.semisyncOn() != null) {
        Map<String, Object> semisync = new LinkedHashMap<>();
        semisync.put("masterStatus", v.semisyncOn());
        semisync.put("clients", v.semisyncClients());
        b.put("semisync", semisync);
      } else {
        b.put("semisync", null);
      }
      b.put("gtid", v.gtid());
      b.put("connections", Map.of("idle", v.idle(), "busy", v.busy()));
      b.put("lastError", v.lastError());
      backends.add(b);
    }
    root.put("backends", backends);
    List<Object> events = new ArrayList<>();
    if (c != null) {
      List<FailoverController.Event> all = c.events();
      for (FailoverController.Event e : all.subList(Math.max(0, all.size() - EVENTS), all.size())) {
        events.add(Map.of("at", e.at().toString(), "text", e.text()));
      }
    }
    root.put("events", events);
    return Json.write(root);
  }
}
