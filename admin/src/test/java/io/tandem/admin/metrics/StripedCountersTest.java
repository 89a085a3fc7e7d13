package io.tandem.admin.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StripedCountersTest {

  @Test
  void sumsWhatEveryThreadAddedAndKeepsItAfterTheThreadsEnd() throws InterruptedException {
    StripedCounters counters = new StripedCounters(3);
    List<Thread> threads = new ArrayList<>();
    // event loops run on Netty's FastThreadLocalThreads; other threads take FastThreadLocal's slow path
    DefaultThreadFactory loops = new DefaultThreadFactory("striped-test");
    for (int t = 0; t < 4; t++) {
      Runnable adds = () -> {
        for (int i = 0; i < 100_000; i++) {
          counters.add(1, 1);
          counters.add(2, -2);
        }
      };
      threads.add(t % 2 == 0 ? loops.newThread(adds) : new Thread(adds));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    assertThat(counters.sum(0)).isZero();
    assertThat(counters.sum(1)).isEqualTo(400_000);
    assertThat(counters.sum(2)).isEqualTo(-800_000);
  }

  @Test
  void countersOfOneSetAreIndependentOfAnother() {
    StripedCounters a = new StripedCounters(1);
    StripedCounters b = new StripedCounters(1);
    a.add(0, 5);
    b.add(0, 7);
    a.add(0, 1);
    assertThat(a.sum(0)).isEqualTo(6);
    assertThat(b.sum(0)).isEqualTo(7);
  }
}
