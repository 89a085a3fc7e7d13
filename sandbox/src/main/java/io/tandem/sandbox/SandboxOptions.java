package io.tandem.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a sandbox topology lives and which ports it takes.
 *
 * @param baseDir  directory for the servers' data, option files, logs and TLS files; whatever
 *                 server directories an earlier run left there are deleted by
 *                 {@link SandboxTopology#start}
 * @param basePort m1 listens on P, m2 on P+1, r1 on P+2, r2 on P+3; 0 picks four free ports
 */
public record SandboxOptions(Path baseDir, int basePort) {

  public static final int DEFAULT_BASE_PORT = 23306;

  /** Directories made by {@link #forTests()}: deleted when their topology closes. */
  private static final Set<Path> TEMPORARY = ConcurrentHashMap.newKeySet();

  public SandboxOptions {
    Objects.requireNonNull(baseDir, "baseDir");
    if (basePort < 0 || basePort > 65535 - 3) {
      throw new IllegalArgumentException("basePort must be 0 (random free ports) or 1..65532: " + basePort);
    }
  }

  /** A fresh temporary directory (deleted again on close) and random free ports: what integration tests use. */
  public static SandboxOptions forTests() {
    try {
      Path dir = Files.createTempDirectory("tandem-sandbox-").toAbsolutePath();
      TEMPORARY.add(dir);
      return new SandboxOptions(dir, 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** True for a directory made by {@link #forTests()}. */
  boolean temporary() {
    return TEMPORARY.contains(baseDir.toAbsolutePath());
  }
}
