package io.tandem.admin.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

  @Test
  void countsEachObservationInItsBucketAndCumulatesUpwards() {
    LatencyHistogram h = new LatencyHistogram();
    h.observe(50_000);          // 50 µs: first bucket (≤ 100 µs)
    h.observe(100_000);         // exactly on the bound: still the first
    h.observe(300_000);         // 300 µs: ≤ 500 µs
    h.observe(20_000_000_000L); // 20 s: only +Inf
    long[] c = h.cumulative();
    assertThat(c).hasSize(LatencyHistogram.BOUNDS.length + 1);
    assertThat(c[0]).isEqualTo(2);
    assertThat(c[1]).isEqualTo(2);  // ≤ 250 µs
    assertThat(c[2]).isEqualTo(3);  // ≤ 500 µs
    assertThat(c[LatencyHistogram.BOUNDS.length - 1]).isEqualTo(3); // ≤ 10 s
    assertThat(c[LatencyHistogram.BOUNDS.length]).isEqualTo(4);     // +Inf: all
    assertThat(h.sumSeconds()).isCloseTo(20.00045, org.assertj.core.data.Offset.offset(1e-9));
  }
}
