package io.tandem.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.util.StatusPrinter2;
import io.tandem.server.config.LoggingSettings;
import java.nio.file.Path;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the {@code logging} section to logback. The launcher starts the JVM with
 * {@code -Dlogback.configurationFile=conf/logback.xml}; {@code logging.config} replaces that file,
 * {@code logging.level} then sets the root level on top of whichever file is in force.
 */
final class LoggingSetup {

  private static final String CONFIG_PROPERTY = "logback.configurationFile";

  private LoggingSetup() {}

  /**
   * Without any logback file (a bare {@code java -cp … Main}), logback logs everything at DEBUG,
   * which buries the proxy's own lines under Netty's; start at INFO instead.
   */
  static void defaults() {
    LoggerContext context = logback();
    if (context != null && System.getProperty(CONFIG_PROPERTY) == null
        && Thread.currentThread().getContextClassLoader().getResource("logback.xml") == null
        && Thread.currentThread().getContextClassLoader().getResource("logback-test.xml") == null) {
      context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.INFO);
    }
  }

  static void apply(LoggingSettings settings) {
    LoggerContext context = logback();
    if (context == null) {
      return;
    }
    if (settings.config() != null && !settings.config().equals(startupConfig())) {
      context.reset();
      JoranConfigurator configurator = new JoranConfigurator();
      configurator.setContext(context);
      try {
        configurator.doConfigure(settings.config().toFile());
      } catch (JoranException e) {
        // logback records the details as status messages; show them, then go on with what loaded
        new StatusPrinter2().printInCaseOfErrorsOrWarnings(context);
      }
    }
    if (settings.level() != null) {
      context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(settings.level()));
    }
  }

  private static Path startupConfig() {
    String file = System.getProperty(CONFIG_PROPERTY);
    try {
      return file == null ? null : Path.of(file).toAbsolutePath().normalize();
    } catch (RuntimeException notAPath) {
      return null;
    }
  }

  private static LoggerContext logback() {
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    return factory instanceof LoggerContext context ? context : null;
  }
}
