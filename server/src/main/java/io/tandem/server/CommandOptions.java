package io.tandem.server;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The options of one subcommand, parsed by hand: {@code --name value}, {@code --name=value},
 * declared short forms ({@code -c value}) and {@code -h}/{@code --help}. Every option takes a
 * value; anything else is a {@link UsageException}.
 */
final class CommandOptions {

  private final Map<String, String> values;
  private final boolean help;

  private CommandOptions(Map<String, String> values, boolean help) {
    this.values = values;
    this.help = help;
  }

  /**
   * @param names       the long options this command accepts, e.g. {@code --config}
   * @param shortNames  short forms, e.g. {@code -c} → {@code --config}
   */
  static CommandOptions parse(List<String> args, Set<String> names, Map<String, String> shortNames)
      throws UsageException {
    if (args.contains("--help") || args.contains("-h")) {
      return new CommandOptions(Map.of(), true);
    }
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      String name;
      String value = null;
      if (arg.startsWith("--")) {
        int eq = arg.indexOf('=');
        name = eq < 0 ? arg : arg.substring(0, eq);
        value = eq < 0 ? null : arg.substring(eq + 1);
      } else if (shortNames.containsKey(arg)) {
        name = shortNames.get(arg);
      } else if (arg.startsWith("-")) {
        throw new UsageException("unknown option " + arg);
      } else {
        throw new UsageException("unexpected argument " + arg);
      }
      if (!names.contains(name)) {
        throw new UsageException("unknown option " + name);
      }
      if (value == null) {
        if (i + 1 >= args.size()) {
          throw new UsageException("option " + name + " needs a value");
        }
        value = args.get(++i);
      }
      if (values.put(name, value) != null) {
        throw new UsageException("option " + name + " given twice");
      }
    }
    return new CommandOptions(values, false);
  }

  /** Whether {@code --help} or {@code -h} was given (the other arguments are then ignored). */
  boolean help() {
    return help;
  }

  String value(String name, String defaultValue) {
    return values.getOrDefault(name, defaultValue);
  }

  /** A TCP port number; 0 means "pick a free one". */
  int port(String name, int defaultValue) throws UsageException {
    String text = values.get(name);
    if (text == null) {
      return defaultValue;
    }
    try {
      int port = Integer.parseInt(text);
      if (port >= 0 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException notANumber) {
      // reported below
    }
    throw new UsageException(name + ": expected a port number (0-65535), got " + text);
  }
}
