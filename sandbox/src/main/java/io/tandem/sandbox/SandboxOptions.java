package io.tandem.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a sandbox topology lives and which ports it takes.
 *
 * @param baseDir   directory for the servers' data, config, logs and TLS files
 * @param basePort  m1 listens on P, m2 on P+1, r1 on P+2, r2 on P+3; 0 picks four free ports
 */
public record SandboxOptions(Path baseDir, int basePort) {

  public static final int DEFAULT_BASE_PORT = 23306;

  /** A fresh temporary directory (deleted on close) and random free ports: for tests. */
  public static SandboxOptions forTests() {
    try {
      return new SandboxOptions(Files.createTempDirectory("tandem-sandbox-"), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  boolean temporary() {
    return baseDir.getFileName().toString().startsWith("tandem-sandbox-");
  }
}
