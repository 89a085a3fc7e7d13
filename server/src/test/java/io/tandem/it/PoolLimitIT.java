package io.tandem.it;

import static io.tandem.it.support.Sql.exec;
import static io.tandem.it.support.Sql.one;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.it.support.TopologyTest;
import io.tandem.proxy.config.PoolSettings;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code pool.max_connections_per_backend}: the proxy never opens more server connections to a
 * backend than that (split evenly between its two event loops here); commands wait for one to
 * come back, and get ERR 1040 after {@code pool.connect_timeout}.
 */
class PoolLimitIT extends TopologyTest {

  private static final String COUNT = "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'app'";

  @BeforeAll
  static void limitTheProxy() throws Exception {
    topology.restartProxy(new PoolSettings(Duration.ofSeconds(2), Duration.ofMinutes(10), 64, 2, true, Map.of()));
  }

  private static Connection client() throws SQLException {
    return DriverManager.getConnection(topology.mariadbUrl(""));
  }

  @Test
  void twelveClientsShareTwoServerConnectionsAndAllAnswer() throws Exception {
    List<Connection> clients = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(12);
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger most = new AtomicInteger();
    try (Connection m1 = topology.root("m1")) {
      for (int i = 0; i < 12; i++) {
        clients.add(client());
      }
      Thread sampler = new Thread(() -> {
        try {
          while (running.get()) {
            most.accumulateAndGet(Integer.parseInt(one(m1, COUNT)), Math::max);
            Thread.sleep(20);
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      sampler.start();
      List<Future<String>> answers = new ArrayList<>();
      for (Connection c : clients) {
        answers.add(pool.submit(() -> one(c, "SELECT SLEEP(0.2) + COUNT(*) FROM information_schema.SCHEMATA")));
      }
      for (Future<String> a : answers) {
        assertThat(Double.parseDouble(a.get())).isPositive();
      }
      running.set(false);
      sampler.join();
      assertThat(most.get()).as("server connections of app on m1 while 12 clients ran").isBetween(1, 2);
    } finally {
      pool.shutdownNow();
      for (Connection c : clients) {
        c.close();
      }
    }
  }

  @Test
  void aCommandThatGetsNoConnectionInTimeIsRefusedWith1040() throws Exception {
    // two open transactions keep the two connections (one per event loop)
    try (Connection a = client(); Connection b = client()) {
      exec(a, "BEGIN", "SELECT COUNT(*) FROM information_schema.SCHEMATA");
      exec(b, "BEGIN", "SELECT COUNT(*) FROM information_schema.SCHEMATA");
      assertThatThrownBy(() -> {
        try (Connection c = client()) {
          one(c, "SELECT 1");
        }
      }).isInstanceOfSatisfying(SQLException.class, e -> {
        assertThat(e.getErrorCode()).isEqualTo(1040);
        assertThat(e.getMessage()).contains("pool.max_connections_per_backend");
      });
      exec(a, "COMMIT");
      exec(b, "COMMIT");
      try (Connection c = client()) {
        assertThat(one(c, "SELECT 1")).isEqualTo("1");
      }
    }
  }
}
