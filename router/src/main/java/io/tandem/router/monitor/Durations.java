package io.tandem.router.monitor;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;

/** Durations as short seconds for log lines: {@code 3.2}, {@code 1}, {@code 0.012}. */
final class Durations {

  private Durations() {}

  static String seconds(Duration d) {
    BigDecimal s = BigDecimal.valueOf(d.toNanos(), 9).setScale(3, RoundingMode.HALF_UP).stripTrailingZeros();
    return s.scale() < 0 ? s.setScale(0).toPlainString() : s.toPlainString();
  }
}
