package io.tandem.server;

import io.tandem.sandbox.SandboxOptions;
import io.tandem.sandbox.SandboxTopology;
import io.tandem.server.config.ConfigException;
import io.tandem.server.config.AdminConfig;
import io.tandem.server.config.ConfigLoader;
import io.tandem.server.config.MetricsConfig;
import io.tandem.server.config.TandemConfig;
import io.tandem.server.sandbox.SandboxBanner;
import io.tandem.server.sandbox.SandboxProxyConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code tandem sandbox}: four local servers (m1 ⇄ m2, r1, r2) and the proxy in front of them,
 * until Ctrl-C or SIGTERM. The proxy runs from a generated config file, loaded exactly as
 * {@code tandem run} loads one, so the file it prints can be run on its own.
 */
final class SandboxCommand {

  private static final Logger log = LoggerFactory.getLogger(SandboxCommand.class);
  static final int DEFAULT_PROXY_PORT = 6033;
  static final String DIR_VARIABLE = "TANDEM_SANDBOX_DIR";

  static final String USAGE = """
      Usage: tandem sandbox [--base-port P] [--port N] [--admin-port A] [--metrics-port M] [--dir D]

      Starts four local MariaDB servers -- m1 and m2 as dual masters, r1 and r2 replicating
      from m1 -- and the proxy in front of them, then prints how to connect. Each start begins
      with fresh data directories. Ctrl-C (or SIGTERM) stops the proxy and the servers.

      Options:
        --base-port P   m1 listens on P, m2 on P+1, r1 on P+2, r2 on P+3 (default: %d; 0 picks free ports)
        --port N        port of the proxy on 127.0.0.1 (default: %d)
        --admin-port A  port of the admin SQL interface on 127.0.0.1, user admin, password admin
                        (default: %d)
        --metrics-port M  port of the Prometheus metrics (/metrics) and the status page (/) on
                        127.0.0.1 (default: %d)
        --dir D         directory for data, logs, TLS files and the proxy config
                        (default: $%s, else .tandem/sandbox of this Tandem)
        -h, --help      show this help
      """.formatted(SandboxOptions.DEFAULT_BASE_PORT, DEFAULT_PROXY_PORT, AdminConfig.DEFAULT_PORT,
          MetricsConfig.DEFAULT_PORT, DIR_VARIABLE);

  private SandboxCommand() {}

  /** Returns the exit status; blocks while the sandbox runs. */
  static int run(List<String> args, PrintStream out, PrintStream err) throws UsageException, InterruptedException {
    CommandOptions options = CommandOptions.parse(args, Set.of("--base-port", "--port", "--admin-port", "--metrics-port", "--dir"), Map.of());
    if (options.help()) {
      out.print(USAGE);
      return 0;
    }
    int basePort = options.port("--base-port", SandboxOptions.DEFAULT_BASE_PORT);
    if (basePort > 65535 - 3) {
      throw new UsageException("--base-port: needs four ports from P, so at most 65532, got " + basePort);
    }
    int proxyPort = options.port("--port", DEFAULT_PROXY_PORT);
    int adminPort = options.port("--admin-port", AdminConfig.DEFAULT_PORT);
    int metricsPort = options.port("--metrics-port", MetricsConfig.DEFAULT_PORT);
    Path dir = Path.of(options.value("--dir", defaultDir())).toAbsolutePath().normalize();
    String busy = busyPorts(basePort, proxyPort);
    if (busy == null && adminPort != 0 && !free(adminPort)) {
      busy = "port " + adminPort + " (the admin interface) is in use; pick another with --admin-port";
    }
    if (busy == null && metricsPort != 0 && !free(metricsPort)) {
      busy = "port " + metricsPort + " (metrics and the status page) is in use; pick another with --metrics-port";
    }
    if (busy != null) {
      err.println("tandem sandbox: " + busy);
      return 1;
    }

    out.println("Starting the sandbox in " + dir + (basePort == 0 ? "" : " (ports " + basePort + "-" + (basePort + 3) + ")")
        + "; the first start unpacks the server binaries and takes longer.");
    SandboxTopology topology;
    try {
      topology = SandboxTopology.start(new SandboxOptions(dir, basePort));
    } catch (IOException e) {
      err.println("tandem sandbox: the servers did not start: " + e.getMessage());
      return 1;
    }
    ShutdownSignal shutdown = ShutdownSignal.install();
    shutdown.closeOnShutdown(topology);

    Path configFile = dir.resolve("tandem.yaml");
    TandemConfig config;
    try {
      Files.deleteIfExists(dir.resolve(SandboxProxyConfig.JOURNAL)); // fresh servers: no failover history
      Files.writeString(configFile, SandboxProxyConfig.yamlFor(topology, proxyPort, adminPort, metricsPort));
      config = ConfigLoader.load(configFile);
    } catch (IOException e) {
      err.println("tandem sandbox: cannot write " + configFile + ": " + e.getMessage());
      topology.close();
      return 1;
    } catch (ConfigException e) {
      RunCommand.printConfigErrors(err, configFile, e); // a bug in the generator, not the user's doing
      topology.close();
      return 1;
    }
    LoggingSetup.apply(config.logging());
    int port;
    ProxyStack stack;
    try {
      stack = ProxyStack.start(config, configFile);
      shutdown.closeOnShutdown(stack);
      port = stack.proxy().port();
    } catch (Exception e) { // bind failures arrive undeclared from Netty
      log.error("cannot start the proxy on {}:{}: {}", config.proxy().listenHost(), proxyPort, e.toString());
      topology.close();
      return 1;
    }
    out.print(SandboxBanner.render(topology, config.proxy().listenHost(), port, configFile,
        stack.adminServer() == null ? -1 : stack.adminServer().port(),
        stack.metricsServer() == null ? -1 : stack.metricsServer().port()));
    out.flush();
    shutdown.await();
    return 0;
  }

  private static String defaultDir() {
    String fromEnvironment = System.getenv(DIR_VARIABLE);
    return fromEnvironment != null && !fromEnvironment.isBlank() ? fromEnvironment
        : TandemHome.resolve(".tandem/sandbox").toString();
  }

  /**
   * Checks the ports before the servers start (which takes a while), so a port in use fails at
   * once with a message naming it. Null when all are free.
   */
  private static String busyPorts(int basePort, int proxyPort) {
    if (proxyPort != 0 && !free(proxyPort)) {
      return "port " + proxyPort + " (the proxy) is in use; pick another with --port";
    }
    if (basePort != 0) {
      String[] names = {"m1", "m2", "r1", "r2"};
      for (int i = 0; i < names.length; i++) {
        int port = basePort + i;
        if (port == proxyPort) {
          return "--port " + proxyPort + " collides with " + names[i] + "'s port (--base-port " + basePort + ")";
        }
        if (!free(port)) {
          return "port " + port + " (" + names[i] + ") is in use; is another sandbox running?"
              + " Pick other ports with --base-port";
        }
      }
    }
    return null;
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
