package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.it.support.ExternalCommand;
import io.tandem.it.support.ExternalCommand.Result;
import io.tandem.it.support.Sql;
import io.tandem.it.support.TopologyTest;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * CONNECTION_ID() is the proxy's id — the one in the handshake and the one KILL takes — for the
 * mariadb CLI, PyMySQL and Connector/J.
 */
class ConnectionIdIT extends TopologyTest {

  @Test
  void connectorJReadsTheHandshakeIdAndASecondConnectionKillsItsQueryWithIt() throws Exception {
    try (Connection victim = topology.connect(""); Connection killer = topology.connect("")) {
      long handshakeId = ((com.mysql.cj.jdbc.JdbcConnection) victim).getId();
      String id = Sql.one(victim, "SELECT CONNECTION_ID()");
      assertThat(id).isEqualTo(Long.toString(handshakeId));
      assertThat(Sql.one(victim, "SELECT CONNECTION_ID() + 0 AS id, @@server_id > 0")).isEqualTo(id);
      CompletableFuture<Object> sleeper = CompletableFuture.supplyAsync(() -> {
        try (Statement s = victim.createStatement()) {
          return Sql.one(s, "SELECT SLEEP(20)");
        } catch (SQLException e) {
          return e;
        }
      });
      Thread.sleep(500);
      long began = System.nanoTime();
      Sql.exec(killer, "KILL QUERY " + id);
      Object outcome = sleeper.get();
      assertThat((System.nanoTime() - began) / 1_000_000_000.0).as("cut short").isLessThan(10);
      assertThat(outcome).as("SLEEP returns 1 when killed, or the statement fails as interrupted")
          .satisfiesAnyOf(o -> assertThat(o).isEqualTo("1"), o -> assertThat(o).isInstanceOf(SQLException.class));
      assertThat(Sql.one(victim, "SELECT 1")).isEqualTo("1");
    }
  }

  @Test
  void theMariadbCliAndPymysqlSeeTheProxyId() throws Exception {
    ExternalCommand.require("/usr/bin/mariadb", "apt-get install mariadb-client");
    Result cli = ExternalCommand.run(List.of("/usr/bin/mariadb", "--no-defaults", "-h127.0.0.1",
        "-P" + topology.port(), "-uapp", "-papp", "--skip-ssl", "-B", "-N", "-e",
        "status; SELECT CONNECTION_ID(); SELECT CONNECTION_ID() = CONNECTION_ID()", "app"),
        Duration.ofSeconds(30));
    assertThat(cli.exitCode()).as(cli.describe()).isZero();
    String handshakeId = cli.lines().stream().filter(l -> l.startsWith("Connection id:"))
        .map(l -> l.substring("Connection id:".length()).trim()).findFirst().orElseThrow();
    List<String> last = cli.lines().subList(cli.lines().size() - 2, cli.lines().size());
    assertThat(last).as(cli.describe()).containsExactly(handshakeId, "1");
    Result py = ExternalCommand.run(List.of("/usr/bin/python3", "-c", """
        import sys, pymysql
        c = pymysql.connect(host='127.0.0.1', port=int(sys.argv[1]), user='app', password='app', database='app')
        cur = c.cursor()
        cur.execute('SELECT CONNECTION_ID()')
        print(cur.fetchone()[0] == c.thread_id())
        """, String.valueOf(topology.port())), Duration.ofSeconds(30));
    assertThat(py.lines()).as(py.describe()).containsExactly("True");
    assertThatThrownBy(() -> Sql.exec(topology.connect(""), "KILL QUERY 999999"))
        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getErrorCode()).isEqualTo(1094));
  }
}
