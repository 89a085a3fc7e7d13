package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.it.support.TopologyTest;
import io.tandem.it.support.RawClient;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Bad input over bare sockets: each case gets the proper ERR packet and/or a clean close, and
 * afterwards the proxy still serves a real client.
 */
class BadInputIT extends TopologyTest {

  @AfterEach
  void proxyStillServes() throws Exception {
    try (Connection c = topology.connect(""); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT @@server_id, 'alive'")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(2)).isEqualTo("alive");
    }
  }

  @Test
  void garbageInsteadOfHandshakeResponse() throws Exception {
    try (RawClient c = new RawClient(topology.port())) {
      c.greeting();
      c.sendRaw("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      // "GET" read as a header announces a 5.5 MB handshake response: refused at once
      RawClient.Packet p = c.readPacket();
      assertThat(p.errorCode()).isEqualTo(1043);
      assertThat(c.closedByServer()).isTrue();
    }
    try (RawClient c = new RawClient(topology.port())) {
      c.greeting();
      c.send(1, "not a handshake response at all".getBytes(StandardCharsets.US_ASCII));
      RawClient.Packet p = c.readPacket();
      assertThat(p.isError()).isTrue();
      assertThat(p.errorCode()).isEqualTo(1043);
      assertThat(p.sqlState()).isEqualTo("08S01");
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void wrongSequenceIdInHandshake() throws Exception {
    try (RawClient c = new RawClient(topology.port())) {
      c.greeting();
      c.send(7, new byte[40]);
      RawClient.Packet p = c.readPacket();
      assertThat(p.errorCode()).isEqualTo(1156);
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void wrongSequenceIdInCommand() throws Exception {
    try (RawClient c = new RawClient(topology.port())) {
      assertThat(c.login("app", "app", "app").isOk()).isTrue();
      c.send(3, new byte[] {0x03, 'S', 'E', 'L', 'E', 'C', 'T', ' ', '1'});
      RawClient.Packet p = c.readPacket();
      assertThat(p.errorCode()).isEqualTo(1156);
      assertThat(p.sqlState()).isEqualTo("08S01");
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void unknownCommandByteKeepsTheSession() throws Exception {
    try (RawClient c = new RawClient(topology.port())) {
      assertThat(c.login("app", "app", "app").isOk()).isTrue();
      c.command(0x99, new byte[0]);
      RawClient.Packet p = c.readPacket();
      assertThat(p.errorCode()).isEqualTo(1047);
      assertThat(p.sqlState()).isEqualTo("08S01");
      c.command(0x12, new byte[10]); // COM_BINLOG_DUMP is not proxied
      assertThat(c.readPacket().errorCode()).isEqualTo(1047);
      c.query("SELECT 42");
      assertThat(c.readPacket().payload()[0]).isEqualTo((byte) 1); // one column: the session lives on
    }
  }

  @Test
  void truncatedPacketThenCloseLeavesNothingBehind() throws Exception {
    // connections of earlier tests close asynchronously: start from a quiet proxy
    waitUntil(() -> topology.proxy().openConnections() == 0);
    int before = topology.proxy().openConnections();
    assertThat(before).isZero();
    try (RawClient c = new RawClient(topology.port())) {
      assertThat(c.login("app", "app", "app").isOk()).isTrue();
      assertThat(topology.proxy().openConnections()).isEqualTo(1);
      // header announces 1000 bytes, only 10 arrive, then the client goes away
      c.sendRaw(new byte[] {(byte) 0xE8, 0x03, 0x00, 0x00, 0x03, 'S', 'E', 'L', 'E', 'C', 'T', ' ', '1', ' '});
    }
    waitUntil(() -> topology.proxy().openConnections() == before);
    assertThat(topology.proxy().openConnections()).isEqualTo(before);
  }

  @Test
  void oversizedPacketIsRefused() throws Exception {
    try (RawClient c = new RawClient(topology.port())) {
      assertThat(c.login("app", "app", "app").isOk()).isTrue();
      // 16 MB - 1 continuation frames until past the 64 MiB limit
      byte[] chunk = new byte[0xFFFFFF];
      chunk[0] = 0x03;
      int sequence = 0;
      RawClient.Packet p = null;
      for (int i = 0; i < 5; i++) {
        try {
          c.send(sequence++, chunk);
          chunk[0] = 'x';
        } catch (java.io.IOException closed) {
          break;
        }
      }
      p = c.readPacket();
      assertThat(p.errorCode()).isEqualTo(1153);
      assertThat(p.sqlState()).isEqualTo("08S01");
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void emptyPacketIsAnUnknownCommand() throws Exception {
    try (RawClient c = new RawClient(topology.port())) {
      assertThat(c.login("app", "app", "app").isOk()).isTrue();
      c.send(0, new byte[0]);
      assertThat(c.readPacket().errorCode()).isEqualTo(1047);
    }
  }

  @Test
  void rareCommandsAreRelayed() throws Exception {
    try (RawClient c = new RawClient(topology.port())) {
      assertThat(c.login("app", "app", "app").isOk()).isTrue();
      c.command(0x09, new byte[0]); // COM_STATISTICS: one bare string
      assertThat(c.readPacket().text()).contains("Uptime");
      c.command(0x0e, new byte[0]); // COM_PING
      assertThat(c.readPacket().isOk()).isTrue();
      c.query("CREATE TABLE IF NOT EXISTS field_list_t (a INT, b VARCHAR(3))");
      assertThat(c.readPacket().isOk()).isTrue();
      c.command(0x04, "field_list_t\0".getBytes(StandardCharsets.US_ASCII)); // COM_FIELD_LIST
      int definitions = 0;
      RawClient.Packet p;
      while (!(p = c.readPacket()).isEof()) {
        definitions++;
      }
      assertThat(definitions).isEqualTo(2);
      c.command(0x1b, new byte[] {0, 0}); // COM_SET_OPTION multi-statements on
      RawClient.Packet option = c.readPacket();
      assertThat(option.isEof() || option.isOk()).isTrue();
      c.query("SELECT 1; SELECT 2");
      assertThat(c.readPacket().payload()[0]).isEqualTo((byte) 1);
    }
  }

  @Test
  void initDbToUnknownSchemaGets1049() throws Exception {
    try (RawClient c = new RawClient(topology.port())) {
      assertThat(c.login("app", "app", "app").isOk()).isTrue();
      c.command(0x02, "no_such_schema".getBytes(StandardCharsets.US_ASCII));
      RawClient.Packet p = c.readPacket();
      assertThat(p.errorCode()).isEqualTo(1049);
      assertThat(p.sqlState()).isEqualTo("42000");
      c.command(0x02, "mysql".getBytes(StandardCharsets.US_ASCII));
      assertThat(c.readPacket().isOk()).isTrue();
      c.query("SELECT DATABASE()");
      RawClient.Packet columns = c.readPacket();
      assertThat(columns.payload()[0]).isEqualTo((byte) 1);
      c.readPacket(); // column definition
      RawClient.Packet next = c.readPacket();
      if (next.isEof()) {
        next = c.readPacket();
      }
      assertThat(next.text()).contains("mysql");
    }
  }

  private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
    for (int i = 0; i < 100 && !condition.getAsBoolean(); i++) {
      Thread.sleep(50);
    }
  }
}
