package io.tandem.router.classify;

import java.util.Locale;

/** A transaction isolation level, as named by {@code SET TRANSACTION ISOLATION LEVEL} or {@code tx_isolation}. */
public enum IsolationLevel {
  READ_UNCOMMITTED,
  READ_COMMITTED,
  REPEATABLE_READ,
  SERIALIZABLE;

  /**
   * Reads a level written as in {@code SET tx_isolation = 'READ-COMMITTED'} (dashes, underscores
   * or blanks between the words, any case); null when it names none.
   */
  static IsolationLevel fromText(String text) {
    if (text == null) {
      return null;
    }
    String s = text.trim().toUpperCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
    for (IsolationLevel level : values()) {
      if (level.name().equals(s)) {
        return level;
      }
    }
    return null;
  }
}
