package io.tandem.admin.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class QueryDigestsTest {

  @Test
  void keepsCountTimeRowsErrorsAndBackendsPerDigestLargestTotalFirst() {
    QueryDigests d = new QueryDigests();
    d.record("select ?", "r1", 1, false, 1_000_000);
    d.record("select ?", "r2", 1, false, 3_000_000);
    d.record("update t set a = ?", "m1", 0, true, 10_000_000);
    List<QueryDigests.Row> top = d.top(10);
    assertThat(top).extracting(QueryDigests.Row::digest).containsExactly("update t set a = ?", "select ?");
    QueryDigests.Row select = top.get(1);
    assertThat(select.count()).isEqualTo(2);
    assertThat(select.totalSeconds()).isEqualTo(0.004);
    assertThat(select.avgSeconds()).isEqualTo(0.002);
    assertThat(select.maxSeconds()).isEqualTo(0.003);
    assertThat(select.rows()).isEqualTo(2);
    assertThat(select.errors()).isZero();
    assertThat(select.backends()).containsEntry("r1", 1L).containsEntry("r2", 1L);
    assertThat(top.get(0).errors()).isEqualTo(1);
    assertThat(d.top(1)).hasSize(1);
  }

  @Test
  void countsDigestsBeyondTheLimitUnderOneRowAndForgetsAllOnReset() {
    QueryDigests d = new QueryDigests();
    for (int i = 0; i < QueryDigests.MAX_DIGESTS + 10; i++) {
      d.record("select " + i, "m1", 0, false, 1);
    }
    List<QueryDigests.Row> all = d.top(Integer.MAX_VALUE);
    assertThat(all).hasSize(QueryDigests.MAX_DIGESTS + 1);
    assertThat(all).filteredOn(r -> r.digest().equals(QueryDigests.OVERFLOW)).singleElement()
        .extracting(QueryDigests.Row::count).isEqualTo(10L);
    assertThat(d.reset()).isEqualTo(QueryDigests.MAX_DIGESTS + 1);
    assertThat(d.top(10)).isEmpty();
    d.record("select 1", "m1", 0, false, 1);
    assertThat(d.top(10)).hasSize(1);
  }

  @Test
  void addsUpWhatEachThreadCountedOfTheSameDigest() throws Exception {
    QueryDigests d = new QueryDigests();
    ExecutorService loops = Executors.newFixedThreadPool(2);
    try {
      for (String backend : List.of("r1", "r2")) {
        loops.submit(() -> {
          for (int i = 1; i <= 1000; i++) {
            d.record("select ?", backend, 2, i % 100 == 0, backend.equals("r1") ? 1_000 : 7_000_000);
          }
        }).get(10, TimeUnit.SECONDS);
      }
      d.record("select ?", "m1", 0, false, 5_000); // a third thread, with a shard of its own
      QueryDigests.Row select = d.top(10).get(0);
      assertThat(select.count()).isEqualTo(2001);
      assertThat(select.rows()).isEqualTo(4000);
      assertThat(select.errors()).isEqualTo(20);
      assertThat(select.maxSeconds()).isEqualTo(0.007);
      assertThat(select.totalSeconds()).isCloseTo(7.001005, offset(1e-9));
      assertThat(select.backends()).containsExactly(
          Map.entry("m1", 1L), Map.entry("r1", 1000L), Map.entry("r2", 1000L));

      assertThat(d.reset()).isEqualTo(1);
      loops.submit(() -> d.record("select ?", "r1", 1, false, 1)).get(10, TimeUnit.SECONDS);
      assertThat(d.top(10)).singleElement().extracting(QueryDigests.Row::count).isEqualTo(1L);
    } finally {
      loops.shutdownNow();
    }
  }
}
