package io.tandem.server;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code tandem} command: {@code run} and {@code sandbox}. Exit status 0 on success (and after
 * a clean stop), 1 when something fails at run time, 2 for a wrong command line or config.
 */
public final class Main {

  static final String USAGE = """
      Usage: tandem <command> [options]

      Commands:
        run       start the proxy with a configuration file (conf/tandem.yaml)
        sandbox   start four local MariaDB servers (m1 <-> m2, r1, r2) and the proxy in front of them

      Run 'tandem <command> --help' for the options of a command.
      """;

  private Main() {}

  public static void main(String[] args) {
    LoggingSetup.defaults();
    int status = execute(Arrays.asList(args), System.out, System.err);
    // After Ctrl-C the JVM is already stopping: exit() would block, and returning ends the process.
    if (status != 0) {
      System.exit(status);
    }
  }

  /** Runs one command and returns its exit status (blocking while a proxy runs). */
  static int execute(List<String> args, PrintStream out, PrintStream err) {
    if (args.isEmpty()) {
      err.print(USAGE);
      return 2;
    }
    String command = args.get(0);
    List<String> rest = args.subList(1, args.size());
    try {
      switch (command) {
        case "-h", "--help", "help" -> {
          out.print(USAGE);
          return 0;
        }
        case "run" -> {
          return usageOnError(() -> RunCommand.run(rest, out, err), "run", RunCommand.USAGE, err);
        }
        case "sandbox" -> {
          return usageOnError(() -> SandboxCommand.run(rest, out, err), "sandbox", SandboxCommand.USAGE, err);
        }
        default -> {
          err.println("tandem: unknown command " + command);
          err.println();
          err.print(USAGE);
          return 2;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  private interface Command {
    int run() throws UsageException, InterruptedException;
  }

  private static int usageOnError(Command command, String name, String usage, PrintStream err)
      throws InterruptedException {
    try {
      return command.run();
    } catch (UsageException e) {
      err.println("tandem " + name + ": " + e.getMessage());
      err.println();
      err.print(usage);
      return 2;
    }
  }
}
