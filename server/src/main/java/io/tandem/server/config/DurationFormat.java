package io.tandem.server.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations in the config: a whole number and a unit, {@code 500ms}, {@code 5s}, {@code 10m},
 * {@code 1h}. A bare number is refused: whether {@code 5} meant seconds or milliseconds is exactly
 * the kind of question a config file should not leave open.
 */
public final class DurationFormat {

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

  private DurationFormat() {}

  /** The duration {@code text} spells, or null when it is not one. */
  public static Duration parse(String text) {
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      return null;
    }
    try {
      long amount = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        default -> Duration.ofHours(amount);
      };
    } catch (ArithmeticException | NumberFormatException tooLarge) {
      return null;
    }
  }

  /** The shortest text {@link #parse} reads back as {@code d} (whole milliseconds). */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms != 0 && ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms != 0 && ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms != 0 && ms % 1_000 == 0) {
      return ms / 1_000 + "s";
    }
    return ms + "ms";
  }
}
