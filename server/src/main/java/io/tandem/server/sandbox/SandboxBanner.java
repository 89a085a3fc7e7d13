package io.tandem.server.sandbox;

import io.tandem.sandbox.SandboxServer;
import io.tandem.sandbox.SandboxTopology;
import io.tandem.sandbox.SandboxUsers;
import java.nio.file.Path;

/** What {@code tandem sandbox} prints once everything runs: how to connect, and where each server lives. */
public final class SandboxBanner {

  private SandboxBanner() {}

  public static String render(SandboxTopology topology, String proxyHost, int proxyPort, Path config) {
    return render(topology, proxyHost, proxyPort, config, -1, -1);
  }

  /** As above, with the admin port and the metrics port (-1: not running). */
  public static String render(SandboxTopology topology, String proxyHost, int proxyPort, Path config, int adminPort,
      int metricsPort) {
    String user = SandboxUsers.APP_USER;
    String password = SandboxUsers.APP_PASSWORD;
    String database = SandboxUsers.APP_DATABASE;
    StringBuilder s = new StringBuilder();
    s.append('\n');
    s.append("Tandem sandbox is up: proxy on ").append(proxyHost).append(':').append(proxyPort)
        .append(" in front of ").append(topology.servers().size()).append(" servers (")
        .append(topology.serverVersion()).append(")\n\n");
    s.append("Connect through the proxy:\n");
    s.append("  mysql -h").append(proxyHost).append(" -P").append(proxyPort).append(" -u").append(user)
        .append(" -p").append(password).append(' ').append(database).append("      (mariadb works the same)\n");
    s.append("  jdbc:mysql://").append(proxyHost).append(':').append(proxyPort).append('/').append(database)
        .append("?user=").append(user).append("&password=").append(password).append('\n');
    s.append('\n');
    if (adminPort > 0) {
      s.append("Admin SQL (SHOW HELP lists the commands: SHOW BACKENDS, SWITCHOVER ...):\n");
      s.append("  mysql -h").append(proxyHost).append(" -P").append(adminPort).append(" -u")
          .append(SandboxProxyConfig.ADMIN_USER).append(" -p").append(SandboxProxyConfig.ADMIN_PASSWORD).append('\n');
    }
    if (metricsPort > 0) {
      s.append("Status page:  http://").append(proxyHost).append(':').append(metricsPort).append("/\n");
      s.append("Metrics:      http://").append(proxyHost).append(':').append(metricsPort).append("/metrics\n");
    }
    if (adminPort > 0 || metricsPort > 0) {
      s.append('\n');
    }
    s.append("Proxy config: ").append(config).append('\n');
    s.append("  (bin/tandem run -c ").append(config).append(" runs the same proxy on its own)\n");
    s.append('\n');
    s.append("Servers (root has no password; connect to one directly with the last column):\n");
    TextTable table = new TextTable("name", "role", "port", "pid", "data dir", "error log", "direct as root");
    for (SandboxServer server : topology.servers()) {
      table.row(server.name(), server.role(), server.port(), server.pid(), server.dataDir(), server.errorLog(),
          "mysql -h" + server.host() + " -P" + server.port() + " -uroot");
    }
    s.append(table.render("  "));
    s.append('\n');
    s.append("Try a failover: kill -9 ").append(topology.server("m1").pid())
        .append("   (m1's mysqld); the proxy's log shows each step, writes move to m2 within about a second.\n");
    s.append('\n');
    s.append("Ctrl-C (or SIGTERM) stops the proxy and the servers.\n");
    return s.toString();
  }
}
