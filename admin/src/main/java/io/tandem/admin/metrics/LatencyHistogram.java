package io.tandem.admin.metrics;

/**
 * A latency histogram with fixed buckets, filled on the hot path without locks, atomic
 * instructions or allocation: one {@link StripedCounters} counter per bucket (not cumulative;
 * summed when read) and one for the sum.
 */
final class LatencyHistogram {

  /** Upper bounds in seconds, as exported ({@code le}). */
  static final double[] BOUNDS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
      0.5, 1, 2.5, 5, 10};
  private static final long[] BOUNDS_NANOS = new long[BOUNDS.length];

  static {
    for (int i = 0; i < BOUNDS.length; i++) {
      BOUNDS_NANOS[i] = Math.round(BOUNDS[i] * 1e9);
    }
  }

  /** Counts per bucket; the last one is +Inf. */
  private static final int BUCKETS = BOUNDS.length + 1;
  /** The buckets (0 .. BOUNDS.length, the last one +Inf), then the sum in nanoseconds. */
  private final StripedCounters counters = new StripedCounters(BUCKETS + 1);

  void observe(long nanos) {
    int i = 0;
    while (i < BOUNDS_NANOS.length && nanos > BOUNDS_NANOS[i]) {
      i++;
    }
    counters.add(i, 1);
    counters.add(BUCKETS, nanos);
  }

  /** Cumulative counts per bound, the last being +Inf (the total). */
  long[] cumulative() {
    long[] out = new long[BUCKETS];
    long running = 0;
    for (int i = 0; i < BUCKETS; i++) {
      running += counters.sum(i);
      out[i] = running;
    }
    return out;
  }

  double sumSeconds() {
    return counters.sum(BUCKETS) / 1e9;
  }
}
