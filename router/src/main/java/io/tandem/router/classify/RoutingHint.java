package io.tandem.router.classify;

import java.time.Duration;
import java.util.Locale;

/**
 * A routing hint from a leading comment: {@code /* tandem:master *}{@code /},
 * {@code /* tandem:replica *}{@code /}, {@code /* tandem:max_lag=500ms *}{@code /}, or a combination
 * such as {@code /* tandem:replica max_lag=2s *}{@code /} (words separated by blanks or commas, any
 * case). Lag units: {@code ms}, {@code s}, {@code m}; a bare number is seconds.
 *
 * <p>Only a comment before the statement's first token counts (the first one that starts with
 * {@code tandem:}). A hint with an unknown word, a malformed lag, or both {@code master} and
 * {@code replica} is ignored as a whole (the statement routes as if it had none): a typo must not
 * silently send a write-sensitive read somewhere unexpected.
 *
 * @param target where to send the statement, null when the hint only sets a lag
 * @param maxLag the largest replication lag acceptable for this statement, null when not given
 */
public record RoutingHint(Target target, Duration maxLag) {

  /** Where a hint sends a statement. */
  public enum Target { MASTER, REPLICA }

  public static final RoutingHint MASTER = new RoutingHint(Target.MASTER, null);
  public static final RoutingHint REPLICA = new RoutingHint(Target.REPLICA, null);

  private static final String PREFIX = "tandem:";

  /** The hint sends the statement to the master. */
  public boolean master() {
    return target == Target.MASTER;
  }

  /** The hint sends the statement to a replica (within {@link #maxLag()} when given). */
  public boolean replica() {
    return target == Target.REPLICA;
  }

  /**
   * Parses the body of a comment (the text between {@code /*} and {@code *}{@code /}); null when
   * it is not a tandem hint or is malformed.
   */
  public static RoutingHint parse(String commentBody) {
    if (commentBody == null) {
      return null;
    }
    String s = commentBody.strip();
    if (!s.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      return null;
    }
    Target target = null;
    Duration lag = null;
    for (String word : s.substring(PREFIX.length()).split("[\\s,]+")) {
      if (word.isEmpty()) {
        continue;
      }
      String w = word.toLowerCase(Locale.ROOT);
      Target t = null;
      if (w.equals("master") || w.equals("primary")) {
        t = Target.MASTER;
      } else if (w.equals("replica") || w.equals("slave")) {
        t = Target.REPLICA;
      } else if (w.startsWith("max_lag=") && lag == null) {
        lag = duration(w.substring("max_lag=".length()));
        if (lag == null) {
          return null;
        }
        continue;
      } else {
        return null;
      }
      if (target != null && target != t) {
        return null;
      }
      target = t;
    }
    if (target == null && lag == null) {
      return null;
    }
    if (target == Target.MASTER && lag != null) {
      return null;
    }
    if (lag == null) {
      return target == Target.MASTER ? MASTER : REPLICA;
    }
    return new RoutingHint(target, lag);
  }

  private static Duration duration(String text) {
    int i = 0;
    while (i < text.length() && Character.isDigit(text.charAt(i))) {
      i++;
    }
    if (i == 0 || i > 12) {
      return null;
    }
    long n = Long.parseLong(text.substring(0, i));
    switch (text.substring(i)) {
      case "ms":
        return Duration.ofMillis(n);
      case "":
      case "s":
        return Duration.ofSeconds(n);
      case "m":
      case "min":
        return Duration.ofMinutes(n);
      default:
        return null;
    }
  }
}
