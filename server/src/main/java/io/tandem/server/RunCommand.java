package io.tandem.server;

import io.tandem.proxy.config.ProxySettings;
import io.tandem.server.config.ConfigException;
import io.tandem.server.config.ConfigLoader;
import io.tandem.server.config.TandemConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code tandem run}: the proxy with a config file, until Ctrl-C or SIGTERM. */
final class RunCommand {

  private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

  static final String USAGE = """
      Usage: tandem run [-c FILE]

      Starts the proxy with a configuration file and runs until Ctrl-C or SIGTERM.
      The whole file is checked first; every problem is listed and the exit status is 2.

      Options:
        -c, --config FILE   configuration file (default: conf/tandem.yaml of this Tandem)
        -h, --help          show this help
      """;

  private RunCommand() {}

  /** Returns the exit status; blocks while the proxy runs. */
  static int run(List<String> args, PrintStream out, PrintStream err) throws UsageException, InterruptedException {
    CommandOptions options = CommandOptions.parse(args, Set.of("--config"), Map.of("-c", "--config"));
    if (options.help()) {
      out.print(USAGE);
      return 0;
    }
    Path file = Path.of(options.value("--config", TandemHome.resolve("conf/tandem.yaml").toString()));
    TandemConfig config;
    try {
      config = ConfigLoader.load(file);
    } catch (ConfigException e) {
      printConfigErrors(err, file, e);
      return 2;
    }
    LoggingSetup.apply(config.logging());
    ProxySettings settings = config.proxy();
    ShutdownSignal shutdown = ShutdownSignal.install();
    ProxyStack stack;
    try {
      stack = ProxyStack.start(config, file); // logs "listening on host:port"
    } catch (Exception e) { // bind failures arrive undeclared from Netty
      log.error("cannot start the proxy on {}:{}: {}", settings.listenHost(), settings.listenPort(), e.toString());
      return 1;
    }
    shutdown.closeOnShutdown(stack);
    log.info("running with {}; Ctrl-C or SIGTERM stops it", file.toAbsolutePath().normalize());
    shutdown.await();
    return 0;
  }

  /** Every configuration problem, one per line, under a line naming the file. */
  static void printConfigErrors(PrintStream err, Path file, ConfigException e) {
    int n = e.errors().size();
    err.println("tandem: " + file + ": " + n + (n == 1 ? " problem" : " problems") + ":");
    for (String error : e.errors()) {
      err.println("  " + error);
    }
  }
}
