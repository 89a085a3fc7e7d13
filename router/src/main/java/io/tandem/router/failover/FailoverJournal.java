package io.tandem.router.failover;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Properties;

/**
 * The controller's persisted decisions: the writer, its epoch, and how far the last promotion got.
 * Written (to a temporary file, synced, then moved into place) before each promotion step takes
 * effect, so a proxy restarted in the middle of a promotion finishes it from here instead of
 * promoting again or failing back. Without a path the journal lives in memory only.
 */
final class FailoverJournal {

  /** How far a promotion got. */
  enum Step {
    /** The writer is settled. */
    DONE,
    /** Writes are held; the old writer is being fenced and the new one checked. */
    SWITCHING,
    /** The new writer takes writes; the replicas are being repointed to it. */
    PROMOTED
  }

  /**
   * @param epoch  the writer epoch ({@code writer}'s, or the one the promotion publishes)
   * @param writer the writer (after a promotion reached PROMOTED: the new one)
   * @param from   the writer being replaced while a promotion is under way, else null
   * @param target the standby being promoted while a promotion is under way, else null
   * @param step   how far the last promotion got
   */
  record Entry(long epoch, String writer, String from, String target, Step step) {}

  private final Path file;
  private Entry last;

  FailoverJournal(Path file) {
    this.file = file;
  }

  /** The entry on disk, or null without a file (or a path). */
  Entry read() throws IOException {
    if (file == null || !Files.exists(file)) {
      return last;
    }
    Properties p = new Properties();
    p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
    try {
      last = new Entry(Long.parseLong(p.getProperty("epoch", "0")), p.getProperty("writer"),
          blankToNull(p.getProperty("from")), blankToNull(p.getProperty("target")),
          Step.valueOf(p.getProperty("step", "DONE")));
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": not a failover journal: " + e.getMessage());
    }
    return last;
  }

  void write(Entry entry) throws IOException {
    last = entry;
    if (file == null) {
      return;
    }
    Properties p = new Properties();
    p.setProperty("epoch", Long.toString(entry.epoch()));
    p.setProperty("writer", entry.writer());
    p.setProperty("from", entry.from() == null ? "" : entry.from());
    p.setProperty("target", entry.target() == null ? "" : entry.target());
    p.setProperty("step", entry.step().name());
    StringWriter text = new StringWriter();
    p.store(text, "Tandem failover journal: the writer and the last promotion step. Do not edit while the proxy runs.");
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path temp = dir.resolve(file.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(StandardCharsets.UTF_8.encode(text.toString()));
      ch.force(true);
    }
    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
