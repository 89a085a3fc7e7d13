package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.it.support.RawClient;
import io.tandem.it.support.Sql;
import io.tandem.it.support.TopologyTest;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import org.junit.jupiter.api.Test;

/**
 * Malformed COM_STMT_* commands through the proxy, byte by byte: each gets the error a correct
 * server sends, is never forwarded (the servers stay up), and the session goes on.
 */
class PreparedCommandIT extends TopologyTest {

  private static final int STMT_PREPARE = 0x16;
  private static final int STMT_EXECUTE = 0x17;
  private static final int STMT_SEND_LONG_DATA = 0x18;
  private static final int STMT_FETCH = 0x1C;
  private static final int SET_OPTION = 0x1B;

  /** Logs in as app and prepares {@code sql}; returns the statement id (the client has no DEPRECATE_EOF). */
  private static long prepare(RawClient c, String sql) throws Exception {
    c.command(STMT_PREPARE, sql.getBytes(StandardCharsets.UTF_8));
    RawClient.Packet ok = c.readPacket();
    assertThat(ok.isOk()).as("prepare answer %s", ok.text()).isTrue();
    ByteBuffer b = ByteBuffer.wrap(ok.payload()).order(ByteOrder.LITTLE_ENDIAN);
    long id = b.getInt(1) & 0xFFFFFFFFL;
    int columns = b.getShort(5) & 0xFFFF;
    int params = b.getShort(7) & 0xFFFF;
    for (int i = 0; i < params + (params > 0 ? 1 : 0) + columns + (columns > 0 ? 1 : 0); i++) {
      c.readPacket();
    }
    return id;
  }

  private static byte[] bytes(long statement, int... rest) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer id = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) statement);
    out.writeBytes(id.array());
    for (int r : rest) {
      out.write(r);
    }
    return out.toByteArray();
  }

  private static void assertSessionGoesOn(RawClient c) throws Exception {
    c.query("SELECT 1");
    RawClient.Packet first = c.readPacket();
    assertThat(first.isError()).as("SELECT 1 after the refusal: %s", first.text()).isFalse();
    while (!c.readPacket().isEof()) {
      // column definitions, EOF, the row, EOF
    }
    while (!c.readPacket().isEof()) {
      // the row
    }
  }

  @Test
  void theExecutionThatCrashesMariadb1145IsAnswered1210AndNeverReachesTheServer() throws Exception {
    long before = topology.sandbox().server("m1").pid();
    try (RawClient c = new RawClient(topology.port())) {
      assertThat(c.login("app", "app", "app").isOk()).isTrue();
      long id = prepare(c, "select ?, ?");
      // first execution, new_params_bound_flag = 0 (no types ever sent), then a few value bytes
      c.command(STMT_EXECUTE, bytes(id, 0, 1, 0, 0, 0, 0x00, 0, 1, 2, 3, 4, 5, 6, 7, 8));
      RawClient.Packet p = c.readPacket();
      assertThat(p.isError()).isTrue();
      assertThat(p.errorCode()).isEqualTo(1210);
      assertThat(p.sqlState()).isEqualTo("HY000");
      assertThat(p.text()).contains("Incorrect arguments to mysqld_stmt_execute");
      assertSessionGoesOn(c);
      // the same statement executed properly: types bound, two LONGs
      c.command(STMT_EXECUTE, bytes(id, 0, 1, 0, 0, 0, 0x00, 1, 3, 0, 3, 0, 7, 0, 0, 0, 9, 0, 0, 0));
      RawClient.Packet result = c.readPacket();
      assertThat(result.isError()).as(result.text()).isFalse();
    }
    assertThat(topology.sandbox().server("m1").isRunning()).isTrue();
    assertThat(topology.sandbox().server("m1").pid()).isEqualTo(before);
    try (Connection m1 = topology.root("m1")) {
      assertThat(Sql.one(m1, "SELECT 1")).isEqualTo("1");
    }
  }

  @Test
  void valuesOutsideThePacketUnknownStatementsAndFetchesWithoutCursor() throws Exception {
    try (RawClient c = new RawClient(topology.port())) {
      assertThat(c.login("app", "app", "app").isOk()).isTrue();
      long id = prepare(c, "select ?");
      c.command(STMT_EXECUTE, bytes(id, 0, 1, 0, 0, 0, 0x00, 1, 253, 0, 200, 'a', 'b'));
      assertThat(c.readPacket().errorCode()).as("a string longer than the packet").isEqualTo(1210);
      c.command(STMT_EXECUTE, bytes(id, 0, 1, 0, 0, 0, 0x00, 1, 99, 0, 1));
      assertThat(c.readPacket().errorCode()).as("an unknown type").isEqualTo(1210);
      c.command(STMT_EXECUTE, bytes(4711, 0, 1, 0, 0, 0));
      RawClient.Packet unknown = c.readPacket();
      assertThat(unknown.errorCode()).isEqualTo(1243);
      assertThat(unknown.text()).contains("Unknown prepared statement handler (4711) given to mysqld_stmt_execute");
      c.command(STMT_FETCH, bytes(id, 10, 0, 0, 0));
      assertThat(c.readPacket().errorCode()).as("no open cursor").isEqualTo(1421);
      c.command(STMT_SEND_LONG_DATA, bytes(id, 9, 0, 'x'));
      c.command(STMT_EXECUTE, bytes(id, 0, 1, 0, 0, 0, 0x00, 1, 253, 0, 1, 'a'));
      RawClient.Packet afterLongData = c.readPacket();
      assertThat(afterLongData.errorCode()).as("long data for parameter 9 of 1").isEqualTo(1210);
      assertThat(afterLongData.text()).contains("mysqld_stmt_send_long_data");
      c.command(SET_OPTION, new byte[] {7, 0});
      assertThat(c.readPacket().errorCode()).as("COM_SET_OPTION 7").isEqualTo(1047);
      assertSessionGoesOn(c);
    }
  }
}
