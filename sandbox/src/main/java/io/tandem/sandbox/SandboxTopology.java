package io.tandem.sandbox;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real replicated MariaDB topology on 127.0.0.1:
 *
 * <ul>
 *   <li>{@code m1} (server_id 1, role {@code master}) and {@code m2} (server_id 2, role
 *       {@code standby}) replicate from each other (dual masters); {@code r1} and {@code r2}
 *       (server_id 3 and 4, role {@code replica}) replicate from m1.
 *   <li>Every server: binary log in ROW format with {@code log_slave_updates}, GTID replication
 *       ({@code MASTER_USE_GTID=slave_pos}, {@code gtid_strict_mode}, {@code gtid_domain_id} =
 *       server_id so that both masters can write at once) over TLS verified with the sandbox
 *       certificate, {@code auto_increment_increment=2} with offset 1 (m1, r1, r2) or 2 (m2),
 *       {@code max_allowed_packet=64M} ({@code slave_max_allowed_packet=1G}),
 *       {@code skip_name_resolve}, utf8mb4, {@code local_infile}, 500 connections, TLS with
 *       {@link #tlsCertificate()}, a 64 MB buffer pool, no performance schema, and
 *       {@code innodb_flush_log_at_trx_commit=2}/{@code sync_binlog=0} (a killed server process
 *       loses nothing; only a machine crash could). Each server's {@code my.cnf} has all of it.
 *   <li>Semi-synchronous replication, lossless ({@code AFTER_SYNC}, 1 s timeout): m1 (the
 *       writer) waits for m2's ack; m2 is m1's only semisync slave (r1 and r2 are asynchronous), so
 *       every acknowledged commit is on m2. m2's semisync master side starts off (m1 is its
 *       semisync slave, for when the failover controller promotes m2 and turns it on).
 *   <li>m2, r1 and r2 are {@code read_only}.
 *   <li>Users ({@link SandboxUsers}): {@code app}/{@code app} (all privileges except
 *       {@code READ_ONLY ADMIN}, so read_only applies to it; database {@code app}),
 *       {@code repl}/{@code repl}, {@code monitor}/{@code monitor} (replication and process
 *       monitoring, {@code READ_ONLY ADMIN}, everything in schema {@code tandem}), and
 *       {@code root} without password from 127.0.0.1 and localhost. They are created on every
 *       server outside the binary log, so the servers start with empty GTID positions.
 * </ul>
 *
 * <p>Layout under {@link #baseDir()}: {@code m1/}, {@code m2/}, {@code r1/}, {@code r2/} (see
 * {@link SandboxServer}), {@code tls/cert.pem} and {@code tls/key.pem}, and {@code servers.txt}
 * (name, role, port, pid, data directory, error log per line).
 *
 * <p>{@link #start} always begins with fresh data directories: if {@code baseDir} holds server
 * directories of an earlier run (say an earlier {@code tandem sandbox}), servers still running
 * from them are stopped and the directories are deleted and created anew. The TLS files are kept.
 *
 * <p>Servers never outlive the JVM when it can help it: a shutdown hook closes topologies that
 * were not closed, and each server has a watchdog process that stops it if the JVM is killed.
 *
 * <p>The server binaries are the bundled MariaDB 11.4 unless {@code TANDEM_MYSQLD} names another
 * (see {@link ServerBinaries}); MySQL 8 is supported on a best-effort basis.
 *
 * <p>Start-up takes 2 to 5 s on a two-core machine (data directories are copied from a template
 * made once per server build in {@code $TANDEM_HOME}, default {@code ~/.cache/tandem}, where the
 * binaries are unpacked on first use too).
 */
public final class SandboxTopology implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SandboxTopology.class);
  static final List<String> NAMES = List.of("m1", "m2", "r1", "r2");
  private static final long REPLICATION_TIMEOUT_MS = 60_000;
  private static final int PORT_ATTEMPTS = 3;
  private static final Set<SandboxTopology> OPEN = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      for (SandboxTopology t : OPEN) {
        t.close();
      }
    }, "tandem-sandbox-shutdown"));
  }

  private final SandboxOptions options;
  private final Path baseDir;
  private final ServerBinaries binaries;
  private final List<SandboxServer> servers = new ArrayList<>();
  private volatile String serverVersion;
  private volatile boolean closed;

  private SandboxTopology(SandboxOptions options, Path baseDir, ServerBinaries binaries, int[] ports) {
    this.options = options;
    this.baseDir = baseDir;
    this.binaries = binaries;
    for (int i = 0; i < NAMES.size(); i++) {
      String name = NAMES.get(i);
      String role = i == 0 ? "master" : i == 1 ? "standby" : "replica";
      servers.add(new SandboxServer(name, i + 1, ports[i], role, baseDir.resolve(name), binaries,
          tlsCertificate(), tlsPrivateKey(), this::writeServerList));
    }
  }

  /**
   * Starts the four servers, sets up users and replication, and returns once every replication
   * channel runs (IO and SQL threads) and m1 has its semisync slaves.
   *
   * <p>Any server directories under {@code options.baseDir()} are deleted first (servers still
   * running from them are stopped): the topology always starts fresh.
   *
   * @throws IOException if a server does not come up (the message holds the tail of its error
   *     log) or replication does not start; servers already started are stopped again
   */
  public static SandboxTopology start(SandboxOptions options) throws IOException, InterruptedException {
    long began = System.nanoTime();
    ServerBinaries binaries = ServerBinaries.locate();
    Path base = options.baseDir().toAbsolutePath().normalize();
    Files.createDirectories(base);
    Path tls = base.resolve("tls");
    FutureTask<Void> certificates = new FutureTask<>(() -> {
      SandboxCertificates.provide(tls);
      return null;
    });
    Thread certificateThread = new Thread(certificates, "sandbox-certificates");
    certificateThread.setDaemon(true);
    certificateThread.start(); // keytool takes a second or more: overlap it with the data directories
    DataDirTemplate template = DataDirTemplate.get(binaries);
    for (int attempt = 1; ; attempt++) {
      clearEarlierRun(base);
      SandboxTopology topology = new SandboxTopology(options, base, binaries, ports(options.basePort()));
      OPEN.add(topology);
      try {
        String phases = topology.bringUp(template, certificates);
        log.info("sandbox topology up in {} ms ({}): {} ({})", (System.nanoTime() - began) / 1_000_000, phases,
            topology.servers, topology.serverVersion);
        return topology;
      } catch (SandboxServer.PortInUseException e) {
        topology.stopServers();
        OPEN.remove(topology);
        if (options.basePort() != 0 || attempt >= PORT_ATTEMPTS) {
          topology.close();
          throw e;
        }
        log.info("{}; trying other ports", e.getMessage().lines().findFirst().orElse(""));
      } catch (IOException | InterruptedException | RuntimeException | Error e) {
        topology.close();
        throw e;
      }
    }
  }

  /** Stops servers left running from earlier server directories and deletes those directories. */
  private static void clearEarlierRun(Path base) throws IOException, InterruptedException {
    for (String name : NAMES) {
      Path dir = base.resolve(name);
      Path pidFile = dir.resolve("mariadbd.pid");
      if (Files.exists(pidFile)) {
        stopStray(pidFile, dir.resolve("my.cnf"));
      }
      ServerBinaries.deleteTree(dir);
    }
    Files.deleteIfExists(base.resolve("servers.txt"));
  }

  private static void stopStray(Path pidFile, Path optionFile) throws InterruptedException {
    long pid;
    try {
      pid = Long.parseLong(Files.readString(pidFile).trim());
    } catch (IOException | NumberFormatException e) {
      return;
    }
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    if (handle.isEmpty() || !handle.get().isAlive() || !commandLine(pid).contains(optionFile.toString())) {
      return; // gone, or the pid now belongs to something else
    }
    log.info("stopping server pid {} left running by an earlier sandbox ({})", pid, optionFile);
    ProcessHandle p = handle.get();
    p.destroy();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (p.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    if (p.isAlive()) {
      p.destroyForcibly();
      Thread.sleep(200);
    }
  }

  private static String commandLine(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8)
          .replace('\0', ' ');
    } catch (IOException e) {
      return ProcessHandle.of(pid).flatMap(h -> h.info().commandLine()).orElse("");
    }
  }

  private static int[] ports(int basePort) throws IOException {
    int[] ports = new int[NAMES.size()];
    if (basePort > 0) {
      for (int i = 0; i < ports.length; i++) {
        ports[i] = basePort + i;
      }
      return ports;
    }
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < ports.length; i++) {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        held.add(s);
        ports[i] = s.getLocalPort();
      }
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
    return ports;
  }

  /** Brings the servers up; returns how long the phases took, for the log. */
  private String bringUp(DataDirTemplate template, Future<Void> certificates) throws IOException, InterruptedException {
    ExecutorService pool = Executors.newFixedThreadPool(NAMES.size() + 1, r -> {
      Thread t = new Thread(r, "sandbox-start");
      t.setDaemon(true);
      return t;
    });
    try {
      long t0 = System.nanoTime();
      forEachServer(pool, s -> s.initialize(template));
      long t1 = System.nanoTime();
      await(certificates);
      long t2 = System.nanoTime();
      forEachServer(pool, s -> {
        s.start();
        s.sql(SetupSql.accounts(binaries.mysql()));
      });
      long t3 = System.nanoTime();
      SandboxServer m1 = server("m1");
      SandboxServer m2 = server("m2");
      forEachServer(pool, s -> s.sql(SetupSql.replication(binaries.mysql(), s == m1 ? m2 : m1, tlsCertificate())));
      forEachServer(pool, this::awaitReplication);
      awaitSemisync(m1, 1);
      long t4 = System.nanoTime();
      serverVersion = m1.sql("SELECT VERSION()").trim();
      writeServerList();
      return "data dirs " + (t1 - t0) / 1_000_000 + " ms, certificate wait " + (t2 - t1) / 1_000_000
          + " ms, servers and users " + (t3 - t2) / 1_000_000 + " ms, replication " + (t4 - t3) / 1_000_000 + " ms";
    } finally {
      pool.shutdownNow();
    }
  }

  private static void await(Future<?> future) throws IOException, InterruptedException {
    try {
      future.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof InterruptedException ie) {
        throw ie;
      }
      throw new IOException(e.getCause());
    }
  }

  private interface ServerTask {
    void run(SandboxServer s) throws IOException, InterruptedException;
  }

  /** Runs the task for all servers in parallel; throws the first failure (others suppressed). */
  private void forEachServer(ExecutorService pool, ServerTask task) throws IOException, InterruptedException {
    List<Future<?>> futures = new ArrayList<>();
    for (SandboxServer s : servers) {
      futures.add(pool.submit(() -> {
        task.run(s);
        return null;
      }));
    }
    IOException failure = null;
    for (Future<?> f : futures) {
      try {
        f.get();
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof InterruptedException ie) {
          throw ie;
        }
        if (cause instanceof RuntimeException re) {
          throw re;
        }
        if (cause instanceof Error err) {
          throw err;
        }
        IOException io = (IOException) cause;
        if (failure == null || (io instanceof SandboxServer.PortInUseException
            && !(failure instanceof SandboxServer.PortInUseException))) {
          if (failure != null) {
            io.addSuppressed(failure);
          }
          failure = io;
        } else {
          failure.addSuppressed(io);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private void awaitReplication(SandboxServer s) throws IOException, InterruptedException {
    String query = binaries.mysql() ? "SHOW REPLICA STATUS\\G" : "SHOW SLAVE STATUS\\G";
    String prefix = binaries.mysql() ? "Replica_" : "Slave_";
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REPLICATION_TIMEOUT_MS);
    String status = "";
    while (System.nanoTime() < deadline) {
      status = s.sql(query, true);
      if (status.contains(prefix + "IO_Running: Yes") && status.contains(prefix + "SQL_Running: Yes")) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IOException(s.name() + ": replication did not start within " + REPLICATION_TIMEOUT_MS / 1000
        + " s:\n" + status + "\ntail of " + s.errorLog() + ":\n" + SandboxServer.tail(s.errorLog()));
  }

  private void awaitSemisync(SandboxServer master, int clients) throws IOException, InterruptedException {
    if (binaries.mysql()) {
      return; // best effort on MySQL: the semisync plugins may be missing
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REPLICATION_TIMEOUT_MS);
    String status = "";
    while (System.nanoTime() < deadline) {
      status = master.sql("SHOW GLOBAL STATUS WHERE Variable_name IN"
          + " ('Rpl_semi_sync_master_status', 'Rpl_semi_sync_master_clients')");
      if (status.contains("Rpl_semi_sync_master_status\tON")
          && SetupSql.statusValue(status, "Rpl_semi_sync_master_clients") >= clients) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IOException(master.name() + ": semisync did not get " + clients + " client(s) within "
        + REPLICATION_TIMEOUT_MS / 1000 + " s:\n" + status);
  }

  private synchronized void writeServerList() {
    if (closed && !Files.isDirectory(baseDir)) {
      return;
    }
    StringBuilder s = new StringBuilder("# name role port pid data_dir error_log\n");
    for (SandboxServer server : servers) {
      s.append(server.name()).append(' ').append(server.role()).append(' ').append(server.port()).append(' ')
          .append(server.pid()).append(' ').append(server.dataDir()).append(' ').append(server.errorLog()).append('\n');
    }
    try {
      Path temp = baseDir.resolve("servers.txt.tmp");
      Files.writeString(temp, s.toString());
      Files.move(temp, baseDir.resolve("servers.txt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      log.debug("cannot write servers.txt: {}", e.toString());
    }
  }

  /**
   * The server called {@code m1}, {@code m2}, {@code r1} or {@code r2}.
   *
   * @throws IllegalArgumentException for any other name
   */
  public SandboxServer server(String name) {
    for (SandboxServer s : servers) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    throw new IllegalArgumentException("no sandbox server '" + name + "'; there are m1, m2, r1 and r2");
  }

  /** m1, m2, r1, r2 (in that order). */
  public List<SandboxServer> servers() {
    return List.copyOf(servers);
  }

  public Path baseDir() {
    return baseDir;
  }

  /** The PEM certificate (CN=localhost, SAN localhost and 127.0.0.1) the servers use. */
  public Path tlsCertificate() {
    return baseDir.resolve("tls").resolve("cert.pem");
  }

  /** The PEM PKCS#8 private key of {@link #tlsCertificate()}. */
  public Path tlsPrivateKey() {
    return baseDir.resolve("tls").resolve("key.pem");
  }

  /** The servers' {@code VERSION()}, e.g. {@code 11.4.5-MariaDB-log}. */
  public String serverVersion() {
    return serverVersion;
  }

  private void stopServers() {
    List<Thread> stoppers = new ArrayList<>();
    for (SandboxServer s : servers) {
      Thread t = new Thread(s::stop, "sandbox-stop-" + s.name());
      t.start();
      stoppers.add(t);
    }
    boolean interrupted = false;
    for (Thread t : stoppers) {
      while (true) {
        try {
          t.join();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops all servers cleanly (SIGTERM, then SIGKILL after 30 s), in parallel. Idempotent. A
   * topology made with {@link SandboxOptions#forTests()} also deletes its directory.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    OPEN.remove(this);
    stopServers();
    if (options.temporary()) {
      try {
        ServerBinaries.deleteTree(baseDir);
      } catch (IOException e) {
        log.warn("could not delete {}: {}", baseDir, e.toString());
      }
    }
  }

  @Override
  public String toString() {
    return "SandboxTopology" + servers + " in " + baseDir;
  }

  /** SQL run at set-up. */
  static final class SetupSql {
    private SetupSql() {}

    /** Users and schemas, outside the binary log so that every server starts with empty GTID positions. */
    static String accounts(boolean mysql) {
      List<String> sql = new ArrayList<>();
      sql.add("SET SESSION sql_log_bin = 0");
      if (mysql) {
        sql.add("CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'");
        sql.add("GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION");
        sql.add(user(SandboxUsers.APP_USER, SandboxUsers.APP_PASSWORD, true));
        sql.add("GRANT ALL PRIVILEGES ON *.* TO 'app'@'%'");
        sql.add("REVOKE SUPER, CONNECTION_ADMIN, SYSTEM_VARIABLES_ADMIN ON *.* FROM 'app'@'%'");
        sql.add(user(SandboxUsers.REPLICATION_USER, SandboxUsers.REPLICATION_PASSWORD, true));
        sql.add("GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'repl'@'%'");
        sql.add(user(SandboxUsers.MONITOR_USER, SandboxUsers.MONITOR_PASSWORD, true));
        // CONNECTION_ADMIN passes read_only; the rest lets the failover controller fence and promote
        sql.add("GRANT REPLICATION CLIENT, PROCESS, CONNECTION_ADMIN, REPLICATION_SLAVE_ADMIN, SYSTEM_VARIABLES_ADMIN"
            + " ON *.* TO 'monitor'@'%'");
      } else {
        // root@localhost, root@127.0.0.1 and root@::1 come from mariadb-install-db, without password
        sql.add(user(SandboxUsers.APP_USER, SandboxUsers.APP_PASSWORD, false));
        sql.add("GRANT ALL PRIVILEGES ON *.* TO 'app'@'%'");
        sql.add("REVOKE READ_ONLY ADMIN ON *.* FROM 'app'@'%'"); // read_only applies to the application
        sql.add(user(SandboxUsers.REPLICATION_USER, SandboxUsers.REPLICATION_PASSWORD, false));
        sql.add("GRANT REPLICATION SLAVE, REPLICATION CLIENT, SLAVE MONITOR ON *.* TO 'repl'@'%'");
        sql.add(user(SandboxUsers.MONITOR_USER, SandboxUsers.MONITOR_PASSWORD, false));
        // READ_ONLY ADMIN: the heartbeat and read_only itself; the admin privileges let the failover
        // controller fence a master, promote the standby and repoint the replicas
        sql.add("GRANT REPLICATION CLIENT, SLAVE MONITOR, PROCESS, READ_ONLY ADMIN, REPLICATION SLAVE ADMIN,"
            + " REPLICATION MASTER ADMIN, BINLOG ADMIN ON *.* TO 'monitor'@'%'");
      }
      sql.add("GRANT ALL PRIVILEGES ON `tandem`.* TO 'monitor'@'%'");
      sql.add("CREATE DATABASE IF NOT EXISTS `" + SandboxUsers.APP_DATABASE + "`");
      sql.add("CREATE DATABASE IF NOT EXISTS `tandem`");
      return String.join(";\n", sql) + ";";
    }

    private static String user(String name, String password, boolean mysql) {
      return mysql
          ? "CREATE USER IF NOT EXISTS '" + name + "'@'%' IDENTIFIED WITH mysql_native_password BY '" + password + "'"
          : "CREATE USER IF NOT EXISTS '" + name + "'@'%' IDENTIFIED VIA mysql_native_password USING PASSWORD('"
              + password + "')";
    }

    /** Points {@code replica} at {@code source} (GTID, TLS verified with the sandbox certificate) and starts it. */
    static String replication(boolean mysql, SandboxServer source, Path caCertificate) {
      if (mysql) {
        return "CHANGE REPLICATION SOURCE TO SOURCE_HOST='127.0.0.1', SOURCE_PORT=" + source.port()
            + ", SOURCE_USER='" + SandboxUsers.REPLICATION_USER + "', SOURCE_PASSWORD='"
            + SandboxUsers.REPLICATION_PASSWORD + "', SOURCE_AUTO_POSITION=1, SOURCE_CONNECT_RETRY=1,"
            + " SOURCE_HEARTBEAT_PERIOD=1, SOURCE_SSL=1, SOURCE_SSL_CA='" + caCertificate + "';"
            + " START REPLICA;";
      }
      return "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=" + source.port()
          + ", MASTER_USER='" + SandboxUsers.REPLICATION_USER + "', MASTER_PASSWORD='"
          + SandboxUsers.REPLICATION_PASSWORD + "', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1,"
          + " MASTER_HEARTBEAT_PERIOD=1, MASTER_SSL=1, MASTER_SSL_CA='" + caCertificate + "',"
          + " MASTER_SSL_VERIFY_SERVER_CERT=1; START SLAVE;";
    }

    /** The value of {@code name} in tab-separated SHOW STATUS output, or -1. */
    static long statusValue(String output, String name) {
      for (String line : output.split("\n")) {
        String[] parts = line.split("\t");
        if (parts.length == 2 && parts[0].equalsIgnoreCase(name)) {
          try {
            return Long.parseLong(parts[1].trim());
          } catch (NumberFormatException e) {
            return -1;
          }
        }
      }
      return -1;
    }
  }
}
