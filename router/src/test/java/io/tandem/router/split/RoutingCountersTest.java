package io.tandem.router.split;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.proxy.config.BackendDefinition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RoutingCountersTest {

  private static BackendDefinition replica(String name) {
    return new BackendDefinition(name, "127.0.0.1", 3306, BackendDefinition.Role.REPLICA, 0);
  }

  @Test
  void countsByNameWhateverDefinitionObjectARouteCarries() {
    RoutingCounters counters = new RoutingCounters();
    BackendDefinition r1 = replica("r1");
    counters.ran(r1);
    counters.ran(r1);
    counters.ran(replica("r1")); // the same backend as defined again by a configuration reload
    counters.ran(replica("r2"));
    assertThat(counters.commands("r1")).isEqualTo(3);
    assertThat(counters.commandsByBackend()).containsExactly(Map.entry("r1", 3L), Map.entry("r2", 1L));
  }

  @Test
  void keepsCountingOnceManyDefinitionsWereSeen() {
    RoutingCounters counters = new RoutingCounters();
    for (int i = 0; i < 100; i++) {
      counters.ran(replica("r1"));
      counters.ran(replica("r" + i));
    }
    assertThat(counters.commands("r1")).isEqualTo(101);
    assertThat(counters.commands("r99")).isEqualTo(1);
    assertThat(counters.commandsByBackend()).hasSize(100);
  }

  @Test
  void threadsCountingTheSameBackendsLoseNothing() throws Exception {
    RoutingCounters counters = new RoutingCounters();
    List<BackendDefinition> backends = List.of(replica("r1"), replica("r2"), replica("r3"));
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> running = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        running.add(threads.submit(() -> {
          for (int i = 0; i < 30_000; i++) {
            counters.ran(backends.get(i % 3));
          }
        }));
      }
      for (Future<?> f : running) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }
    assertThat(counters.commandsByBackend())
        .containsExactly(Map.entry("r1", 40_000L), Map.entry("r2", 40_000L), Map.entry("r3", 40_000L));
  }
}
