package io.tandem.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One database server of a sandbox topology. Everything it owns lives in {@code baseDir/<name>/}:
 * {@code my.cnf} (the option file it is started with, {@code --defaults-file}), {@code data/},
 * {@code mariadbd.pid}, {@code error.log}, {@code tmp/} and normally its Unix socket
 * {@code server.sock}. It listens on 127.0.0.1 only.
 *
 * <p>A watchdog process ({@code /bin/sh}) waits on a pipe from this JVM next to each running
 * server; if the JVM dies without stopping the server (even by SIGKILL), the pipe closes and the
 * watchdog shuts the server down, so servers do not outlive the JVM that started them.
 */
public final class SandboxServer {

  private static final Logger log = LoggerFactory.getLogger(SandboxServer.class);
  private static final long START_TIMEOUT_MS = 90_000;
  private static final long STOP_TIMEOUT_MS = 30_000;
  /** Unix socket paths are limited to 107 bytes. */
  private static final int MAX_SOCKET_PATH = 100;
  /**
   * Waits for end of input (this JVM gone), then stops server $1 (if its command line still
   * names option file $2): SIGTERM, SIGKILL after 60 s.
   */
  private static final String WATCHDOG = "read -r ignored;"
      + " tr '\\000' ' ' < /proc/$1/cmdline 2>/dev/null | grep -qF -- \"$2\" || exit 0;"
      + " kill -TERM \"$1\" 2>/dev/null; i=0;"
      + " while kill -0 \"$1\" 2>/dev/null; do i=$((i+1)); if [ $i -gt 60 ]; then kill -KILL \"$1\"; exit 0; fi; sleep 1; done";

  private final String name;
  private final int serverId;
  private final int port;
  private final String role;
  private final Path dir;
  private final ServerBinaries binaries;
  private final Path certificate;
  private final Path privateKey;
  private final Runnable onChange;
  private volatile Process process;
  private Process watchdog;

  SandboxServer(String name, int serverId, int port, String role, Path dir, ServerBinaries binaries,
      Path certificate, Path privateKey, Runnable onChange) {
    this.name = name;
    this.serverId = serverId;
    this.port = port;
    this.role = role;
    this.dir = dir;
    this.binaries = binaries;
    this.certificate = certificate;
    this.privateKey = privateKey;
    this.onChange = onChange;
  }

  /** {@code m1}, {@code m2}, {@code r1} or {@code r2}. */
  public String name() {
    return name;
  }

  /** 1 for m1, 2 for m2, 3 for r1, 4 for r2. */
  public int serverId() {
    return serverId;
  }

  /** Always {@code 127.0.0.1}. */
  public String host() {
    return "127.0.0.1";
  }

  public int port() {
    return port;
  }

  /** {@code master} (m1), {@code standby} (m2, the other master, read-only) or {@code replica} (r1, r2). */
  public String role() {
    return role;
  }

  /** The server's directory: my.cnf, data/, pid file, error log. */
  public Path directory() {
    return dir;
  }

  public Path dataDir() {
    return dir.resolve("data");
  }

  public Path pidFile() {
    return dir.resolve("mariadbd.pid");
  }

  public Path errorLog() {
    return dir.resolve("error.log");
  }

  /** The option file the server is started with ({@code --defaults-file}). */
  public Path optionFile() {
    return dir.resolve("my.cnf");
  }

  /** The server's Unix socket (root can log in over it without a password). */
  public Path socket() {
    Path socket = dir.resolve("server.sock");
    if (socket.toString().length() <= MAX_SOCKET_PATH) {
      return socket;
    }
    return Path.of("/tmp", "tandem-" + Integer.toHexString(dir.toString().hashCode()) + "-" + name + ".sock");
  }

  /** The server's process id, or -1 when it is not running. */
  public long pid() {
    Process p = process;
    return p != null && p.isAlive() ? p.pid() : -1;
  }

  public boolean isRunning() {
    Process p = process;
    return p != null && p.isAlive();
  }

  /** Writes my.cnf and fills the data directory: from {@code template} if given, else with the install script. */
  void initialize(DataDirTemplate template) throws IOException, InterruptedException {
    Files.createDirectories(dir.resolve("tmp"));
    Files.writeString(optionFile(), optionFileText());
    if (template != null) {
      template.copyTo(dataDir());
      return;
    }
    List<String> cmd = new ArrayList<>();
    if (binaries.mysql()) {
      cmd.addAll(List.of(binaries.server().toString(), "--defaults-file=" + optionFile(), "--initialize-insecure",
          "--user=" + System.getProperty("user.name")));
    } else {
      // not with my.cnf: bootstrapping needs none of it, and the TLS files may not exist yet
      cmd.addAll(installCommand(binaries, "--no-defaults", dataDir(), dir.resolve("tmp")));
    }
    run(cmd, dir.resolve("install.log"), name + ": initialising the data directory");
  }

  /** {@code mariadb-install-db}; {@code defaults} is {@code --no-defaults} or {@code --defaults-file=...}. */
  static List<String> installCommand(ServerBinaries binaries, String defaults, Path dataDir, Path tmpDir) {
    return new ArrayList<>(List.of(binaries.installDb().toString(), defaults, "--basedir=" + binaries.baseDir(),
        "--datadir=" + dataDir, "--tmpdir=" + tmpDir, "--auth-root-authentication-method=normal", "--skip-test-db",
        "--cross-bootstrap", // skips root@<hostname> (useless with skip-name-resolve) and the host name lookup
        "--user=" + System.getProperty("user.name"), "--innodb-log-file-size=" + INNODB_LOG_FILE_SIZE));
  }

  static final String INNODB_LOG_FILE_SIZE = "48M";

  static void run(List<String> cmd, Path output, String what) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile()).start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(what + " timed out:\n" + tail(output));
    }
    if (p.exitValue() != 0) {
      throw new IOException(what + " failed (exit " + p.exitValue() + "):\n" + tail(output));
    }
  }

  private String optionFileText() {
    boolean mysql = binaries.mysql();
    StringBuilder s = new StringBuilder();
    s.append("# ").append(name).append(" (").append(role).append(", server_id ").append(serverId)
        .append(") of a Tandem sandbox; started as: mariadbd --defaults-file=").append(optionFile()).append('\n');
    s.append(mysql ? "[mysqld]\n" : "[mariadbd]\n");
    if (!mysql) {
      line(s, "log-basename", name); // first: it sets defaults for the file names below
    }
    line(s, "basedir", binaries.baseDir());
    line(s, "datadir", dataDir());
    line(s, "tmpdir", dir.resolve("tmp"));
    line(s, "port", port);
    line(s, "bind-address", "127.0.0.1");
    line(s, "socket", socket());
    line(s, "pid-file", pidFile());
    line(s, "log-error", errorLog());
    line(s, "skip-name-resolve", "ON");
    line(s, "max-connect-errors", 1_000_000);
    line(s, "max-connections", 500);
    line(s, "max-allowed-packet", "64M");
    line(s, "character-set-server", "utf8mb4");
    line(s, "local-infile", "ON");
    line(s, "log-bin-trust-function-creators", "ON");
    s.append("\n# replication\n");
    line(s, "server-id", serverId);
    line(s, "report-host", "127.0.0.1");
    line(s, "report-port", port);
    line(s, "log-bin", name + "-bin");
    line(s, "relay-log", name + "-relay-bin");
    line(s, "binlog-format", "ROW");
    line(s, "auto-increment-increment", 2);
    line(s, "auto-increment-offset", name.equals("m2") ? 2 : 1);
    line(s, "read-only", role.equals("master") ? "OFF" : "ON");
    // Semisync: only the writer waits for acks (AFTER_SYNC: lossless), only the other master
    // acknowledges. The standby's master side is off until it is promoted (the failover controller
    // turns it on), so that its applier does not wait for acks on every replicated commit; the
    // replicas are asynchronous, so an acknowledged commit is always on the standby.
    boolean semisyncMaster = role.equals("master");
    boolean semisyncSlave = !role.equals("replica");
    if (mysql) {
      line(s, "loose-log-replica-updates", "ON");
      line(s, "loose-log-slave-updates", "ON");
      line(s, "loose-replica-max-allowed-packet", "1G");
      line(s, "loose-slave-max-allowed-packet", "1G");
      line(s, "gtid-mode", "ON");
      line(s, "enforce-gtid-consistency", "ON");
      line(s, "loose-replica-net-timeout", 10);
      line(s, "plugin-load-add", "semisync_source.so");
      line(s, "plugin-load-add", "semisync_replica.so");
      line(s, "loose-rpl-semi-sync-source-enabled", semisyncMaster ? "ON" : "OFF");
      line(s, "loose-rpl-semi-sync-replica-enabled", semisyncSlave ? "ON" : "OFF");
      line(s, "loose-rpl-semi-sync-source-timeout", 1000);
      line(s, "loose-rpl-semi-sync-source-wait-point", "AFTER_SYNC");
      line(s, "loose-mysql-native-password", "ON");
      line(s, "mysqlx", "OFF");
    } else {
      line(s, "log-slave-updates", "ON");
      line(s, "slave-max-allowed-packet", "1G");
      line(s, "slave-net-timeout", 10);
      // one GTID domain per server: writes on both masters at once keep every domain in order,
      // which gtid_strict_mode requires (with a shared domain, concurrent writes stop replication)
      line(s, "gtid-domain-id", serverId);
      line(s, "gtid-strict-mode", "ON");
      line(s, "rpl-semi-sync-master-enabled", semisyncMaster ? "ON" : "OFF");
      line(s, "rpl-semi-sync-slave-enabled", semisyncSlave ? "ON" : "OFF");
      line(s, "rpl-semi-sync-master-timeout", 1000);
      line(s, "rpl-semi-sync-master-wait-point", "AFTER_SYNC");
    }
    s.append("\n# TLS: the sandbox's own certificate (without one, MariaDB 11.4 spends ~18 s making one at start-up)\n");
    line(s, "ssl-cert", certificate);
    line(s, "ssl-key", privateKey);
    s.append("\n# small and quick; flushing to the OS on commit survives a killed server process\n");
    line(s, "performance-schema", "OFF");
    line(s, "innodb-buffer-pool-size", "64M");
    line(s, "innodb-log-file-size", INNODB_LOG_FILE_SIZE);
    line(s, "innodb-flush-log-at-trx-commit", 2);
    line(s, "sync-binlog", 0);
    line(s, "key-buffer-size", "8M");
    if (!mysql) {
      line(s, "innodb-temp-data-file-path", "ibtmp1:1M:autoextend");
      line(s, "innodb-doublewrite", 0);
      line(s, "aria-pagecache-buffer-size", "16M");
      line(s, "loose-feedback", "OFF");
    }
    return s.toString();
  }

  private static void line(StringBuilder s, String key, Object value) {
    s.append(key).append(" = ").append(value).append('\n');
  }

  /**
   * Starts the server with its data directory and option file, and waits until it accepts
   * connections. Replicas resume replicating on their own. Does nothing if it is running.
   *
   * @throws IOException with the tail of the error log if it does not come up
   */
  public synchronized void start() throws IOException, InterruptedException {
    if (isRunning()) {
      return;
    }
    if (!Files.exists(optionFile())) {
      throw new IllegalStateException(name + " has no option file " + optionFile() + "; the topology was not set up");
    }
    if (!portIsFree()) {
      throw new PortInUseException(name + ": port 127.0.0.1:" + port + " is already in use");
    }
    long began = System.nanoTime();
    List<String> cmd = new ArrayList<>(List.of(binaries.server().toString(), "--defaults-file=" + optionFile()));
    if ("root".equals(System.getProperty("user.name"))) {
      cmd.add("--user=root");
    }
    Files.deleteIfExists(pidFile());
    Process started = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("console.log").toFile())).start();
    process = started;
    stopWatchdog();
    watchdog = startWatchdog(started.pid(), optionFile());
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
    while (!answers()) {
      if (!started.isAlive()) {
        stopWatchdog();
        String tail = tail(errorLog());
        if (tail.contains("Address already in use") || tail.contains("Do you already have another")) {
          throw new PortInUseException(name + ": port 127.0.0.1:" + port + " is already in use:\n" + tail);
        }
        throw new IOException(name + " exited during start-up (exit " + started.exitValue() + "); tail of "
            + errorLog() + ":\n" + tail);
      }
      if (System.nanoTime() > deadline) {
        started.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        stopWatchdog();
        throw new IOException(name + " did not accept connections on 127.0.0.1:" + port + " within "
            + START_TIMEOUT_MS / 1000 + " s; tail of " + errorLog() + ":\n" + tail(errorLog()));
      }
      Thread.sleep(25);
    }
    log.info("{} ({}) started on 127.0.0.1:{} in {} ms, pid {}, data {}", name, role, port,
        (System.nanoTime() - began) / 1_000_000, started.pid(), dataDir());
    onChange.run();
  }

  private boolean portIsFree() {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** True once the server sends its greeting on the port. */
  private boolean answers() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
      s.setSoTimeout(2000);
      InputStream in = s.getInputStream();
      return in.read() > 0;
    } catch (IOException e) {
      return false;
    }
  }

  private static Process startWatchdog(long pid, Path optionFile) {
    try {
      return new ProcessBuilder("/bin/sh", "-c", WATCHDOG, "tandem-sandbox-watchdog", Long.toString(pid),
              "--defaults-file=" + optionFile)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      log.debug("no watchdog for pid {}: {}", pid, e.toString());
      return null; // the JVM shutdown hook still stops the server
    }
  }

  private void stopWatchdog() {
    if (watchdog != null) {
      watchdog.destroyForcibly();
      watchdog = null;
    }
  }

  /** Shuts the server down cleanly (SIGTERM), or kills it when it has not stopped after 30 s. */
  public synchronized void stop() {
    if (process == null || !process.isAlive()) {
      stopWatchdog();
      return;
    }
    stopWatchdog();
    long began = System.nanoTime();
    long pid = process.pid();
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
        log.warn("{} did not stop within {} s; killing pid {}", name, STOP_TIMEOUT_MS / 1000, pid);
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    log.info("{} stopped in {} ms (pid {})", name, (System.nanoTime() - began) / 1_000_000, pid);
    onChange.run();
  }

  /** Kills the server with SIGKILL, as a crash would, and waits until it is gone. */
  public synchronized void kill() {
    stopWatchdog();
    if (process == null || !process.isAlive()) {
      return;
    }
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.info("{} killed (pid {})", name, process.pid());
    onChange.run();
  }

  /** Runs SQL as root over the Unix socket with the command-line client; returns its tab-separated output without column names. */
  String sql(String statements) throws IOException, InterruptedException {
    return sql(statements, false);
  }

  /** Like {@link #sql(String)}; with {@code columnNames} a {@code \G} query prints {@code name: value} lines. */
  String sql(String statements, boolean columnNames) throws IOException, InterruptedException {
    List<String> cmd = binaries.clientCommand(socket());
    if (!columnNames) {
      cmd.add("--skip-column-names");
    }
    cmd.add("--execute=" + statements);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(name + ": the client did not finish in 60 s");
    }
    if (p.exitValue() != 0) {
      throw new IOException(name + ": SQL failed: " + out.trim());
    }
    return out;
  }

  /** The last lines of a log file, for error messages. */
  static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(cannot read " + file + ": " + e + ")";
    }
  }

  @Override
  public String toString() {
    return name + "@127.0.0.1:" + port;
  }

  /** A server could not start because its port is taken. */
  static final class PortInUseException extends IOException {
    PortInUseException(String message) {
      super(message);
    }
  }
}
