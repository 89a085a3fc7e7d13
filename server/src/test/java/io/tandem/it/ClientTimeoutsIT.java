package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.it.support.ProxyTopology;
import io.tandem.it.support.RawClient;
import io.tandem.it.support.Sql;
import io.tandem.proxy.config.ClientLimits;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Clients that stop talking cannot hold a connection: login_timeout, read_timeout and
 * idle_timeout (here 2 s, 2 s and 4 s), and failed-login throttling (5 failures, blocked 3 s).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClientTimeoutsIT {

  private static ProxyTopology topology;

  @BeforeAll
  static void start() throws Exception {
    topology = ProxyTopology.start(new ClientLimits(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(4),
        5, Duration.ofMinutes(1), Duration.ofSeconds(3)));
  }

  @AfterAll
  static void stop() {
    if (topology != null) {
      topology.close();
    }
  }

  /** Seconds until the proxy says 1159 and closes {@code c} (it must, within 10 s). */
  private static double secondsUntilClosed(RawClient c, long since) throws Exception {
    RawClient.Packet error = c.readPacket();
    double seconds = (System.nanoTime() - since) / 1e9;
    assertThat(error.errorCode()).isEqualTo(1159);
    assertThat(error.text()).endsWith("Got timeout reading communication packets");
    assertThat(c.closedByServer()).as("closed by the proxy").isTrue();
    return seconds;
  }

  @Test
  @Order(1)
  void halfAHandshakeResponseIsClosedAfterTheLoginTimeout() throws Exception {
    try (RawClient c = new RawClient(topology.port())) {
      c.greeting();
      long sent = System.nanoTime();
      c.sendRaw(new byte[] {100, 0, 0, 1, 1, 2, 3, 4, 5}); // announces 100 bytes, sends 5
      assertThat(secondsUntilClosed(c, sent)).isBetween(1.5, 10.0);
    }
    // the client sees the close as it is sent; the proxy counts the connection gone right after
    for (int i = 0; i < 100 && topology.proxy().openConnections() > 0; i++) {
      Thread.sleep(20);
    }
    assertThat(topology.proxy().openConnections()).isZero();
  }

  @Test
  @Order(2)
  void aClientStuckInThePacketAfterLoginIsClosedAfterTheReadTimeout() throws Exception {
    try (RawClient c = new RawClient(topology.port())) {
      assertThat(c.login("app", "app", "app").isOk()).isTrue();
      long sent = System.nanoTime();
      c.sendRaw(new byte[] {50, 0, 0, 0, 3, 'S', 'E', 'L'}); // COM_QUERY announcing 50 bytes, 4 sent
      double seconds = secondsUntilClosed(c, sent);
      assertThat(seconds).as("read_timeout, not idle_timeout").isBetween(1.5, 3.9);
    }
  }

  @Test
  @Order(2)
  void aSlowPacketThatKeepsComingIsNotCutByTheReadTimeout() throws Exception {
    try (RawClient c = new RawClient(topology.port())) {
      assertThat(c.login("app", "app", "app").isOk()).isTrue();
      byte[] sql = "SELECT 'slow'".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      c.sendRaw(new byte[] {(byte) (sql.length + 1), 0, 0, 0, 3});
      // a byte every 0.4 s: the packet takes 5 s to arrive, more than twice read_timeout (2 s)
      for (byte b : sql) {
        Thread.sleep(400);
        c.sendRaw(new byte[] {b});
      }
      RawClient.Packet answer = c.readPacket();
      assertThat(answer.isError()).as("answered, not cut: %s", answer).isFalse();
    }
  }

  @Test
  @Order(3)
  void anIdleClientIsClosedAfterTheIdleTimeoutButALongQueryIsNot() throws Exception {
    try (Connection c = DriverManager.getConnection(topology.mysqlUrl(""))) {
      assertThat(Sql.one(c, "SELECT SLEEP(6)")).as("6 s without a byte either way, inside a command").isEqualTo("0");
      Thread.sleep(6000);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> Sql.one(c, "SELECT 1"))
          .isInstanceOf(SQLException.class);
    }
  }

  @Test
  @Order(4)
  void bruteForceGetsTheAddressBlocked() throws Exception {
    for (int i = 0; i < 5; i++) {
      try (RawClient c = new RawClient(topology.port())) {
        assertThat(c.login("app", "wrong" + i, null).errorCode()).isEqualTo(1045);
      }
    }
    try (RawClient c = new RawClient(topology.port())) {
      RawClient.Packet first = c.readPacket();
      assertThat(first.isError()).as("refused before the greeting").isTrue();
      assertThat(first.errorCode()).isEqualTo(1129);
      assertThat(first.text()).contains("is blocked because of many failed logins");
    }
    Thread.sleep(3500);
    try (Connection c = DriverManager.getConnection(topology.mysqlUrl(""))) {
      assertThat(Sql.one(c, "SELECT 1")).as("served again once the block is over").isEqualTo("1");
    }
  }
}
