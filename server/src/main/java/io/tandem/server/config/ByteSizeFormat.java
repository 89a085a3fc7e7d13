package io.tandem.server.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes in the config: a number of bytes, or a whole number with a unit. Binary units
 * ({@code KiB}, {@code MiB}, {@code GiB}) are powers of 1024, decimal ones ({@code KB}, {@code MB},
 * {@code GB}) powers of 1000. MySQL's bare {@code 16M} (which means MiB there) is refused rather
 * than guessed at.
 */
public final class ByteSizeFormat {

  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|MB|GB|KiB|MiB|GiB)?");
  private static final long KIB = 1024;
  private static final long MIB = KIB * 1024;
  private static final long GIB = MIB * 1024;

  private ByteSizeFormat() {}

  /** The number of bytes {@code text} spells, or -1 when it is not a size. */
  public static long parse(String text) {
    Matcher m = SIZE.matcher(text.trim());
    if (!m.matches()) {
      return -1;
    }
    try {
      long amount = Long.parseLong(m.group(1));
      String unit = m.group(2) == null ? "B" : m.group(2);
      long factor = switch (unit) {
        case "KB" -> 1_000L;
        case "MB" -> 1_000_000L;
        case "GB" -> 1_000_000_000L;
        case "KiB" -> KIB;
        case "MiB" -> MIB;
        case "GiB" -> GIB;
        default -> 1L;
      };
      return Math.multiplyExact(amount, factor);
    } catch (ArithmeticException | NumberFormatException tooLarge) {
      return -1;
    }
  }

  /** The shortest binary-unit text {@link #parse} reads back as {@code bytes}. */
  public static String format(long bytes) {
    if (bytes != 0 && bytes % GIB == 0) {
      return bytes / GIB + "GiB";
    }
    if (bytes != 0 && bytes % MIB == 0) {
      return bytes / MIB + "MiB";
    }
    if (bytes != 0 && bytes % KIB == 0) {
      return bytes / KIB + "KiB";
    }
    return Long.toString(bytes);
  }
}
