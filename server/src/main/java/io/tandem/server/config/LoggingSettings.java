package io.tandem.server.config;

import java.nio.file.Path;
import java.util.List;

/**
 * The {@code logging} section.
 *
 * @param config  a logback configuration file to (re)configure logging with, or null to keep the
 *                one logback started with (the launcher passes {@code conf/logback.xml})
 * @param level   level for the root logger (one of {@link #LEVELS}), or null to keep the level
 *                the logback configuration sets
 */
public record LoggingSettings(Path config, String level) {

  /** Values the {@code level} key accepts, most verbose first. */
  public static final List<String> LEVELS = List.of("trace", "debug", "info", "warn", "error", "off");

  /** Leaves logging as logback configured it. */
  public static LoggingSettings unchanged() {
    return new LoggingSettings(null, null);
  }
}
