package io.tandem.sandbox;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real replicated topology on 127.0.0.1: m1 ⇄ m2 dual masters (server ids 1 and 2,
 * auto_increment offsets 1 and 2, log_slave_updates, GTID replication, semisync both ways with a
 * 1 s timeout) and r1, r2 (ids 3, 4) replicating from m1; m2, r1 and r2 are read_only. Every
 * server has the users of {@link SandboxUsers} and the databases {@code app} and {@code tandem}.
 *
 * <p>{@link #start} always begins from fresh data directories: whatever an earlier run left in
 * the server directories under {@code baseDir} is deleted (the TLS files are kept).
 */
public final class SandboxTopology implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SandboxTopology.class);
  private static final String[] NAMES = {"m1", "m2", "r1", "r2"};
  private static final long REPLICATION_TIMEOUT_MS = 60_000;
  private static final Set<SandboxTopology> OPEN = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> OPEN.forEach(SandboxTopology::close),
        "sandbox-shutdown"));
  }

  private final SandboxOptions options;
  private final List<SandboxServer> servers;
  private final Path tlsDir;
  private final ServerBinaries binaries;
  private String serverVersion;
  private volatile boolean closed;

  private SandboxTopology(SandboxOptions options, List<SandboxServer> servers, Path tlsDir, ServerBinaries binaries) {
    this.options = options;
    this.servers = servers;
    this.tlsDir = tlsDir;
    this.binaries = binaries;
  }

  /** Starts the four servers and waits until every replication channel runs. */
  public static SandboxTopology start(SandboxOptions options) throws IOException, InterruptedException {
    long began = System.nanoTime();
    ServerBinaries binaries = ServerBinaries.locate();
    Path base = options.baseDir().toAbsolutePath();
    Files.createDirectories(base);
    Path tls = base.resolve("tls");
    SandboxCertificates.generate(tls);
    int[] ports = ports(options.basePort());
    List<SandboxServer> servers = new ArrayList<>();
    for (int i = 0; i < NAMES.length; i++) {
      Path dir = base.resolve(NAMES[i]);
      ServerBinaries.deleteTree(dir);
      String role = i == 0 ? "master" : i == 1 ? "standby" : "replica";
      servers.add(new SandboxServer(NAMES[i], i + 1, ports[i], role, dir, binaries,
          tls.resolve("cert.pem"), tls.resolve("key.pem")));
    }
    SandboxTopology topology = new SandboxTopology(options, servers, tls, binaries);
    OPEN.add(topology);
    try {
      topology.bringUp();
    } catch (IOException | InterruptedException | RuntimeException e) {
      topology.close();
      throw e;
    }
    log.info("sandbox topology up in {} ms: {}", (System.nanoTime() - began) / 1_000_000, servers);
    return topology;
  }

  private static int[] ports(int basePort) throws IOException {
    int[] ports = new int[NAMES.length];
    if (basePort > 0) {
      for (int i = 0; i < ports.length; i++) {
        ports[i] = basePort + i;
      }
      return ports;
    }
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < ports.length; i++) {
        ServerSocket s = new ServerSocket(0);
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

  private void bringUp() throws IOException, InterruptedException {
    ExecutorService pool = Executors.newFixedThreadPool(NAMES.length);
    try {
      all(pool, s -> {
        s.initialize();
        s.start();
        s.sql(accountsSql());
      });
      SandboxServer m1 = server("m1");
      SandboxServer m2 = server("m2");
      all(pool, s -> s.sql(replicationSql(s.name().equals("m1") ? m2 : m1)));
      all(pool, this::awaitReplication);
      awaitSemisync(m1);
      serverVersion = m1.sql("SELECT VERSION()").trim();
      writeServerList();
    } finally {
      pool.shutdownNow();
    }
  }

  private interface ServerTask {
    void run(SandboxServer s) throws IOException, InterruptedException;
  }

  private void all(ExecutorService pool, ServerTask task) throws IOException, InterruptedException {
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
        IOException io = cause instanceof IOException x ? x : new IOException(cause.getMessage(), cause);
        if (failure == null) {
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

  /** Users and schemas, written outside the binary log so every server starts with no GTIDs. */
  private String accountsSql() {
    boolean mysql = binaries.mysql();
    String replPrivileges = mysql ? "REPLICATION SLAVE, REPLICATION CLIENT" : "REPLICATION SLAVE, REPLICATION CLIENT, SLAVE MONITOR";
    String monitorPrivileges = mysql ? "REPLICATION CLIENT, PROCESS" : "REPLICATION CLIENT, SLAVE MONITOR, PROCESS, READ_ONLY ADMIN";
    return String.join("\n",
        "SET SESSION sql_log_bin = 0;",
        "CREATE USER IF NOT EXISTS '" + SandboxUsers.APP_USER + "'@'%' IDENTIFIED BY '" + SandboxUsers.APP_PASSWORD + "';",
        "GRANT ALL PRIVILEGES ON *.* TO '" + SandboxUsers.APP_USER + "'@'%';",
        mysql ? "REVOKE SUPER, CONNECTION_ADMIN, SYSTEM_VARIABLES_ADMIN ON *.* FROM 'app'@'%';"
            : "REVOKE READ_ONLY ADMIN ON *.* FROM 'app'@'%';",
        "CREATE USER IF NOT EXISTS '" + SandboxUsers.REPLICATION_USER + "'@'%' IDENTIFIED BY '" + SandboxUsers.REPLICATION_PASSWORD + "';",
        "GRANT " + replPrivileges + " ON *.* TO '" + SandboxUsers.REPLICATION_USER + "'@'%';",
        "CREATE USER IF NOT EXISTS '" + SandboxUsers.MONITOR_USER + "'@'%' IDENTIFIED BY '" + SandboxUsers.MONITOR_PASSWORD + "';",
        "GRANT " + monitorPrivileges + " ON *.* TO '" + SandboxUsers.MONITOR_USER + "'@'%';",
        "GRANT ALL PRIVILEGES ON tandem.* TO '" + SandboxUsers.MONITOR_USER + "'@'%';",
        "CREATE DATABASE IF NOT EXISTS " + SandboxUsers.APP_DATABASE + ";",
        "CREATE DATABASE IF NOT EXISTS tandem;");
  }

  private String replicationSql(SandboxServer source) {
    if (binaries.mysql()) {
      return "CHANGE REPLICATION SOURCE TO SOURCE_HOST='127.0.0.1', SOURCE_PORT=" + source.port()
          + ", SOURCE_USER='" + SandboxUsers.REPLICATION_USER + "', SOURCE_PASSWORD='"
          + SandboxUsers.REPLICATION_PASSWORD + "', SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1,"
          + " SOURCE_CONNECT_RETRY=1; START REPLICA;";
    }
    return "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=" + source.port()
        + ", MASTER_USER='" + SandboxUsers.REPLICATION_USER + "', MASTER_PASSWORD='"
        + SandboxUsers.REPLICATION_PASSWORD + "', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1,"
        + " MASTER_HEARTBEAT_PERIOD=1; START SLAVE;";
  }

  private void awaitReplication(SandboxServer s) throws IOException, InterruptedException {
    String query = binaries.mysql() ? "SHOW REPLICA STATUS\\G" : "SHOW SLAVE STATUS\\G";
    String io = binaries.mysql() ? "Replica_IO_Running: Yes" : "Slave_IO_Running: Yes";
    String sql = binaries.mysql() ? "Replica_SQL_Running: Yes" : "Slave_SQL_Running: Yes";
    long deadline = System.currentTimeMillis() + REPLICATION_TIMEOUT_MS;
    String status = "";
    while (System.currentTimeMillis() < deadline) {
      status = s.sql(query, true);
      if (status.contains(io) && status.contains(sql)) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IOException(s.name() + ": replication did not start:\n" + status);
  }

  private void awaitSemisync(SandboxServer master) throws IOException, InterruptedException {
    if (binaries.mysql()) {
      return; // semisync plugins are optional on MySQL
    }
    long deadline = System.currentTimeMillis() + REPLICATION_TIMEOUT_MS;
    String status = "";
    while (System.currentTimeMillis() < deadline) {
      status = master.sql("SHOW STATUS LIKE 'Rpl_semi_sync_master_status'");
      if (status.contains("ON")) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IOException(master.name() + ": semisync did not switch on: " + status);
  }

  private void writeServerList() throws IOException {
    StringBuilder s = new StringBuilder("# name role port pid data_dir error_log\n");
    for (SandboxServer server : servers) {
      s.append(server.name()).append(' ').append(server.role()).append(' ').append(server.port())
          .append(' ').append(server.pid()).append(' ').append(server.dataDir()).append(' ')
          .append(server.errorLog()).append('\n');
    }
    Files.writeString(baseDir().resolve("servers.txt"), s.toString());
  }

  public SandboxServer server(String name) {
    for (SandboxServer s : servers) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    throw new IllegalArgumentException("no sandbox server " + name + " (m1, m2, r1, r2)");
  }

  /** m1, m2, r1, r2. */
  public List<SandboxServer> servers() {
    return List.copyOf(servers);
  }

  public Path baseDir() {
    return options.baseDir().toAbsolutePath();
  }

  public Path tlsCertificate() {
    return tlsDir.resolve("cert.pem");
  }

  public Path tlsPrivateKey() {
    return tlsDir.resolve("key.pem");
  }

  /** Version string of the servers, e.g. {@code 11.4.5-MariaDB-log}. */
  public String serverVersion() {
    return serverVersion;
  }

  /** Stops every server; a topology made with {@link SandboxOptions#forTests()} also deletes its files. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    OPEN.remove(this);
    List<Thread> stoppers = new ArrayList<>();
    for (SandboxServer s : servers) {
      Thread t = new Thread(s::stop, "stop-" + s.name());
      t.start();
      stoppers.add(t);
    }
    for (Thread t : stoppers) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (options.temporary()) {
      try {
        ServerBinaries.deleteTree(baseDir());
      } catch (IOException e) {
        log.warn("could not delete {}: {}", baseDir(), e.toString());
      }
    }
  }
}
