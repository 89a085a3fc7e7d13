package io.tandem.it;

import static io.tandem.it.support.Sql.one;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.tandem.it.support.TopologyTest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * HikariCP with its defaults on Connector/J through the proxy: many short transactions from
 * several threads, all committed, and a bounded number of backend connections on the master.
 */
class HikariIT extends TopologyTest {

  private static final int THREADS = 8;
  private static final int TRANSACTIONS_PER_THREAD = 500;

  @Test
  void manyShortTransactionsThroughThePool() throws Exception {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(topology.mysqlUrl("connectTimeout=10000&socketTimeout=60000"));
    config.setPoolName("tandem-hikari-it");
    int poolSize = 10;

    try (HikariDataSource pool = new HikariDataSource(config)) {
      assertThat(pool.getMaximumPoolSize()).as("HikariCP's default maximumPoolSize").isEqualTo(poolSize);
      try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE hk_tx (id INT AUTO_INCREMENT PRIMARY KEY, worker INT NOT NULL, n INT NOT NULL,"
            + " KEY (worker)) ENGINE=InnoDB");
      }
      ExecutorService workers = Executors.newFixedThreadPool(THREADS);
      try {
        List<Future<Integer>> results = new ArrayList<>();
        for (int w = 0; w < THREADS; w++) {
          int worker = w;
          results.add(workers.submit(() -> runTransactions(pool, worker)));
        }
        for (Future<Integer> r : results) {
          assertThat(r.get(120, TimeUnit.SECONDS)).isEqualTo(TRANSACTIONS_PER_THREAD);
        }
      } finally {
        workers.shutdownNow();
      }

      try (Connection c = pool.getConnection()) {
        assertThat(one(c, "SELECT COUNT(*) FROM hk_tx")).isEqualTo(String.valueOf(THREADS * TRANSACTIONS_PER_THREAD));
        assertThat(one(c, "SELECT COUNT(DISTINCT worker) FROM hk_tx")).isEqualTo(String.valueOf(THREADS));
        assertThat(one(c, "SELECT COUNT(*) FROM (SELECT worker FROM hk_tx GROUP BY worker"
            + " HAVING COUNT(*) = " + TRANSACTIONS_PER_THREAD + " AND SUM(n) = "
            + (TRANSACTIONS_PER_THREAD * (TRANSACTIONS_PER_THREAD - 1) / 2) + ") t"))
            .as("workers whose 500 transactions all committed").isEqualTo(String.valueOf(THREADS));
      }
      assertThat(pool.getHikariPoolMXBean().getTotalConnections()).isLessThanOrEqualTo(poolSize);

      // the master sees no more connections than the pool holds (plus replication and this one)
      try (Connection root = topology.root("m1")) {
        int appConnections = Integer.parseInt(one(root,
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'app'"));
        int threadsConnected = Integer.parseInt(one(root,
            "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'THREADS_CONNECTED'"));
        assertThat(appConnections).as("backend connections of app on m1").isBetween(1, poolSize);
        assertThat(threadsConnected).as("Threads_connected on m1").isLessThanOrEqualTo(poolSize + 8);
      }
    }
  }

  /** Each transaction inserts a row and reads its worker's count back inside the transaction. */
  private static int runTransactions(HikariDataSource pool, int worker) throws SQLException {
    int done = 0;
    for (int n = 0; n < TRANSACTIONS_PER_THREAD; n++) {
      try (Connection c = pool.getConnection()) {
        c.setAutoCommit(false);
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO hk_tx (worker, n) VALUES (?, ?)");
            PreparedStatement count = c.prepareStatement("SELECT COUNT(*), @@server_id FROM hk_tx WHERE worker = ?")) {
          insert.setInt(1, worker);
          insert.setInt(2, n);
          assertThat(insert.executeUpdate()).isEqualTo(1);
          count.setInt(1, worker);
          try (ResultSet rs = count.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).as("worker %d sees its own rows in transaction %d", worker, n).isEqualTo(n + 1);
            assertThat(rs.getInt(2)).isEqualTo(1);
          }
          c.commit();
          done++;
        } catch (SQLException | RuntimeException | Error e) {
          c.rollback();
          throw e;
        }
      }
    }
    return done;
  }
}
