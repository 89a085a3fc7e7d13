package io.tandem.sandbox;

import java.io.IOException;
import java.net.InetSocketAddress;
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
 * One database server of a sandbox topology: its option file ({@code my.cnf}), data directory,
 * pid file and error log live in {@code baseDir/<name>/}. It listens on 127.0.0.1 only.
 */
public final class SandboxServer {

  private static final Logger log = LoggerFactory.getLogger(SandboxServer.class);
  private static final long START_TIMEOUT_MS = 60_000;
  private static final long STOP_TIMEOUT_MS = 30_000;

  private final String name;
  private final int serverId;
  private final int port;
  private final String role;
  private final Path dir;
  private final ServerBinaries binaries;
  private final Path certificate;
  private final Path privateKey;
  private Process process;

  SandboxServer(String name, int serverId, int port, String role, Path dir, ServerBinaries binaries,
      Path certificate, Path privateKey) {
    this.name = name;
    this.serverId = serverId;
    this.port = port;
    this.role = role;
    this.dir = dir;
    this.binaries = binaries;
    this.certificate = certificate;
    this.privateKey = privateKey;
  }

  public String name() {
    return name;
  }

  public int serverId() {
    return serverId;
  }

  public String host() {
    return "127.0.0.1";
  }

  public int port() {
    return port;
  }

  /** {@code master} (m1), {@code standby} (m2) or {@code replica} (r1, r2). */
  public String role() {
    return role;
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

  public Path optionFile() {
    return dir.resolve("my.cnf");
  }

  /** The server's process id, or -1 when it is not running. */
  public synchronized long pid() {
    return process != null && process.isAlive() ? process.pid() : -1;
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** Writes my.cnf and creates the system tables in a fresh data directory. */
  void initialize() throws IOException, InterruptedException {
    Files.createDirectories(dir.resolve("tmp"));
    Files.writeString(optionFile(), optionFileText());
    List<String> cmd = new ArrayList<>();
    if (binaries.mysql()) {
      cmd.addAll(List.of(binaries.server().toString(), "--defaults-file=" + optionFile(),
          "--initialize-insecure", "--user=" + System.getProperty("user.name")));
    } else {
      cmd.addAll(List.of(binaries.installDb().toString(), "--defaults-file=" + optionFile(),
          "--basedir=" + binaries.baseDir(), "--datadir=" + dataDir(),
          "--auth-root-authentication-method=normal", "--skip-test-db",
          "--user=" + System.getProperty("user.name")));
    }
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(dir.resolve("install.log").toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException(name + ": initializing the data directory failed:\n"
          + tail(dir.resolve("install.log")) + "\n" + tail(errorLog()));
    }
  }

  private String optionFileText() {
    StringBuilder s = new StringBuilder();
    s.append("# ").append(name).append(" (").append(role).append(") of a Tandem sandbox\n");
    s.append(binaries.mysql() ? "[mysqld]\n" : "[mariadbd]\n");
    line(s, "basedir", binaries.baseDir());
    line(s, "datadir", dataDir());
    line(s, "port", port);
    line(s, "bind-address", "127.0.0.1");
    line(s, "socket", dir.resolve("server.sock"));
    line(s, "pid-file", pidFile());
    line(s, "log-error", errorLog());
    line(s, "tmpdir", dir.resolve("tmp"));
    line(s, "server-id", serverId);
    line(s, "log-bin", name + "-bin");
    line(s, "relay-log", name + "-relay");
    line(s, "log-slave-updates", "ON");
    line(s, "binlog-format", "ROW");
    line(s, "auto-increment-increment", 2);
    line(s, "auto-increment-offset", name.equals("m2") ? 2 : 1);
    line(s, "read-only", role.equals("master") ? "OFF" : "ON");
    line(s, "max-allowed-packet", "64M");
    line(s, "slave-max-allowed-packet", "1G");
    line(s, "skip-name-resolve", "ON");
    line(s, "character-set-server", "utf8mb4");
    line(s, "local-infile", "ON");
    line(s, "max-connections", 500);
    line(s, "innodb-buffer-pool-size", "64M");
    line(s, "innodb-log-file-size", "48M");
    line(s, "performance-schema", "OFF");
    line(s, "ssl-cert", certificate);
    line(s, "ssl-key", privateKey);
    if (binaries.mysql()) {
      line(s, "gtid-mode", "ON");
      line(s, "enforce-gtid-consistency", "ON");
      line(s, "mysqlx", "OFF");
      line(s, "loose-rpl-semi-sync-source-enabled", "ON");
      line(s, "loose-rpl-semi-sync-replica-enabled", "ON");
      line(s, "loose-rpl-semi-sync-source-timeout", 1000);
    } else {
      line(s, "log-basename", name);
      line(s, "gtid-strict-mode", "ON");
      line(s, "rpl-semi-sync-master-enabled", "ON");
      line(s, "rpl-semi-sync-slave-enabled", "ON");
      line(s, "rpl-semi-sync-master-timeout", 1000);
      line(s, "innodb-fast-shutdown", 1);
    }
    return s.toString();
  }

  private static void line(StringBuilder s, String key, Object value) {
    s.append(key).append(" = ").append(value).append('\n');
  }

  /** Starts the server (with its existing data directory) and waits until it answers. */
  public synchronized void start() throws IOException, InterruptedException {
    if (isRunning()) {
      return;
    }
    List<String> cmd = new ArrayList<>(List.of(binaries.server().toString(), "--defaults-file=" + optionFile()));
    if (isRoot()) {
      cmd.add("--user=root");
    }
    process = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("console.log").toFile())).start();
    long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
    while (!answers()) {
      if (!process.isAlive()) {
        throw new IOException(name + " exited during start-up (exit " + process.exitValue() + "):\n"
            + tail(errorLog()));
      }
      if (System.currentTimeMillis() > deadline) {
        process.destroyForcibly();
        throw new IOException(name + " did not come up within " + START_TIMEOUT_MS / 1000 + " s:\n" + tail(errorLog()));
      }
      Thread.sleep(50);
    }
    log.info("{} ({}) up on 127.0.0.1:{}, pid {}, data {}", name, role, port, process.pid(), dataDir());
  }

  private boolean answers() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      s.setSoTimeout(1000);
      int first = s.getInputStream().read();
      return first > 0;
    } catch (IOException e) {
      return false;
    }
  }

  /** Shuts the server down cleanly (SIGTERM), or kills it when it does not stop in time. */
  public synchronized void stop() {
    if (process == null || !process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
        log.warn("{} did not stop within {} s; killing it", name, STOP_TIMEOUT_MS / 1000);
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    log.info("{} stopped", name);
  }

  /** Kills the server with SIGKILL, as a crash would. */
  public synchronized void kill() {
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
  }

  /** Runs SQL as root with the command-line client; returns its tab-separated output. */
  String sql(String statements) throws IOException, InterruptedException {
    return sql(statements, false);
  }

  /** Like {@link #sql(String)}; with {@code columnNames}, vertical ({@code \G}) output keeps its labels. */
  String sql(String statements, boolean columnNames) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(binaries.clientCommand(port));
    if (columnNames) {
      cmd.remove("-N");
    }
    cmd.add("-e");
    cmd.add(statements);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException(name + ": SQL failed: " + out.trim() + "\n  in: " + statements);
    }
    return out;
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 25), lines.size()));
    } catch (IOException e) {
      return "(no " + file + ")";
    }
  }

  @Override
  public String toString() {
    return name + "@127.0.0.1:" + port;
  }
}
