package io.tandem.sandbox;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A freshly initialised MariaDB data directory, made once per server build in
 * {@code $TANDEM_HOME/datadir-<version>-<hash>} and copied for every sandbox server: copying
 * takes a fraction of the ~1.5 s {@code mariadb-install-db} needs per server. The data directory
 * is 95 MB of which about 8 MB are not zeros (redo log, system and undo tablespaces are
 * preallocated), so the template holds a list of the non-zero extents of every file
 * ({@value #EXTENTS}) and copies leave the rest as holes.
 */
final class DataDirTemplate {

  private static final Logger log = LoggerFactory.getLogger(DataDirTemplate.class);
  static final String EXTENTS = ".tandem-extents";
  private static final int BLOCK = 1 << 16;

  private final Path dir;
  private final List<FileExtents> files;

  private DataDirTemplate(Path dir, List<FileExtents> files) {
    this.dir = dir;
    this.files = files;
  }

  private record FileExtents(String path, long size, long[] extents) {}

  /** The template for these binaries (made if missing), or null if there can be none (then every server is initialised itself). */
  static DataDirTemplate get(ServerBinaries binaries) throws InterruptedException {
    if (binaries.mysql()) {
      return null; // mysqld --initialize-insecure per server: MySQL's server_uuid must differ per server
    }
    if (Boolean.getBoolean("tandem.sandbox.noTemplate")) {
      return null; // -Dtandem.sandbox.noTemplate=true: run mariadb-install-db for every server
    }
    Path cache = ServerBinaries.cacheRoot();
    Path target = cache.resolve("datadir-" + binaries.version() + "-" + binaries.fingerprint(
        "v2 install-db cross-bootstrap skip-test-db root-normal log=" + SandboxServer.INNODB_LOG_FILE_SIZE));
    try {
      if (!Files.exists(target.resolve(EXTENTS))) {
        create(binaries, cache, target);
      }
      return new DataDirTemplate(target, read(target.resolve(EXTENTS)));
    } catch (IOException | RuntimeException e) {
      log.warn("no data directory template in {} ({}); initialising every server with mariadb-install-db", cache,
          e.toString());
      return null;
    }
  }

  private static void create(ServerBinaries binaries, Path cache, Path target) throws IOException, InterruptedException {
    long began = System.nanoTime();
    Files.createDirectories(cache);
    Path temp = Files.createTempDirectory(cache, "datadir-init-");
    try {
      Path data = temp.resolve("data");
      Files.createDirectories(temp.resolve("tmp"));
      SandboxServer.run(SandboxServer.installCommand(binaries, "--no-defaults", data, temp.resolve("tmp")),
          temp.resolve("install.log"), "initialising a data directory template with mariadb-install-db");
      StringBuilder manifest = new StringBuilder();
      try (Stream<Path> walk = Files.walk(data)) {
        for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
          manifest.append(data.relativize(p)).append('\t').append(Files.size(p)).append('\t');
          long[] extents = scan(p);
          for (int i = 0; i < extents.length; i += 2) {
            manifest.append(i == 0 ? "" : ",").append(extents[i]).append(':').append(extents[i + 1]);
          }
          manifest.append('\n');
        }
      }
      Files.writeString(data.resolve(EXTENTS), manifest.toString(), StandardCharsets.UTF_8);
      ServerBinaries.publish(data, target);
    } finally {
      ServerBinaries.deleteTree(temp);
    }
    log.info("made the data directory template {} in {} ms", target, (System.nanoTime() - began) / 1_000_000);
  }

  /** Offsets and lengths (pairs) of the blocks of a file that are not all zeros. */
  private static long[] scan(Path file) throws IOException {
    List<Long> extents = new ArrayList<>();
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buffer = ByteBuffer.allocate(BLOCK);
      long position = 0;
      long start = -1;
      while (true) {
        buffer.clear();
        int n = in.read(buffer, position);
        if (n <= 0) {
          break;
        }
        buffer.flip();
        boolean data = !allZero(buffer);
        if (data && start < 0) {
          start = position;
        } else if (!data && start >= 0) {
          extents.add(start);
          extents.add(position - start);
          start = -1;
        }
        position += n;
      }
      if (start >= 0) {
        extents.add(start);
        extents.add(position - start);
      }
    }
    return extents.stream().mapToLong(Long::longValue).toArray();
  }

  private static boolean allZero(ByteBuffer b) {
    int i = b.position();
    int end = b.limit();
    for (; i + 8 <= end; i += 8) {
      if (b.getLong(i) != 0) {
        return false;
      }
    }
    for (; i < end; i++) {
      if (b.get(i) != 0) {
        return false;
      }
    }
    return true;
  }

  private static List<FileExtents> read(Path manifest) throws IOException {
    List<FileExtents> files = new ArrayList<>();
    for (String line : Files.readAllLines(manifest, StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      String[] parts = line.split("\t", -1);
      String[] pairs = parts[2].isEmpty() ? new String[0] : parts[2].split(",");
      long[] extents = new long[pairs.length * 2];
      for (int i = 0; i < pairs.length; i++) {
        int colon = pairs[i].indexOf(':');
        extents[2 * i] = Long.parseLong(pairs[i].substring(0, colon));
        extents[2 * i + 1] = Long.parseLong(pairs[i].substring(colon + 1));
      }
      files.add(new FileExtents(parts[0], Long.parseLong(parts[1]), extents));
    }
    return files;
  }

  /** Copies the template into the (new) directory {@code dataDir}. */
  void copyTo(Path dataDir) throws IOException {
    Files.createDirectories(dataDir);
    for (FileExtents f : files) {
      Path to = dataDir.resolve(f.path());
      Files.createDirectories(to.getParent());
      try (FileChannel in = FileChannel.open(dir.resolve(f.path()), StandardOpenOption.READ);
          FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        long[] e = f.extents();
        for (int i = 0; i < e.length; i += 2) {
          long done = 0;
          while (done < e[i + 1]) {
            out.position(e[i] + done);
            long n = in.transferTo(e[i] + done, e[i + 1] - done, out);
            if (n <= 0) {
              throw new IOException("short read copying " + dir.resolve(f.path()));
            }
            done += n;
          }
        }
        if (out.size() < f.size()) {
          out.write(ByteBuffer.allocate(1), f.size() - 1); // the rest stays a hole
        }
      }
    }
  }

  @Override
  public String toString() {
    return dir.toString();
  }
}
