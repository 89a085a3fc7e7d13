package io.tandem.server.config;

import java.util.Collection;
import java.util.Locale;

/** Finds the known key an unknown one was most likely meant to be ({@code idle_timout} → {@code idle_timeout}). */
final class KeySuggestion {

  /** Typos further than this many single-character edits away get no suggestion. */
  private static final int MAX_EDITS = 2;

  private KeySuggestion() {}

  /** The closest of {@code known} to {@code key}, or null when none is close. */
  static String closest(String key, Collection<String> known) {
    String best = null;
    int bestDistance = MAX_EDITS + 1;
    for (String candidate : known) {
      int d = editDistance(key.toLowerCase(Locale.ROOT), candidate);
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return best;
  }

  /** Levenshtein distance: insertions, deletions and substitutions. */
  static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] t = previous;
      previous = current;
      current = t;
    }
    return previous[b.length()];
  }
}
