package io.tandem.proxy.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.tandem.proxy.backend.RowCollector;
import io.tandem.proxy.protocol.Packets;
import io.tandem.proxy.protocol.ResultSetWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConnectionIdQueryTest {

  @Test
  void aloneIsAnsweredByTheProxy() {
    assertThat(ConnectionIdQuery.isAlone("SELECT CONNECTION_ID()")).isTrue();
    assertThat(ConnectionIdQuery.isAlone("  select connection_id( ) ; ")).isTrue();
    assertThat(ConnectionIdQuery.isAlone("SELECT CONNECTION_ID() AS id")).isFalse();
    assertThat(ConnectionIdQuery.isAlone("SELECT CONNECTION_ID(), 1")).isFalse();
  }

  @Test
  void callsAreReplacedOutsideQuotesAndComments() {
    assertThat(ConnectionIdQuery.rewrite("SELECT CONNECTION_ID() AS id, NOW()", 42)).isEqualTo("SELECT 0000000042 AS id, NOW()");
    assertThat(ConnectionIdQuery.rewrite("KILL QUERY connection_id ( )", 7)).isEqualTo("KILL QUERY 0000000007");
    assertThat(ConnectionIdQuery.rewrite("SELECT * FROM t WHERE owner = CONNECTION_ID() OR x = 'CONNECTION_ID()'", 5))
        .isEqualTo("SELECT * FROM t WHERE owner = 0000000005 OR x = 'CONNECTION_ID()'");
    assertThat(ConnectionIdQuery.rewrite("SELECT 1 /* CONNECTION_ID() */ -- CONNECTION_ID()\n", 5)).isNull();
    assertThat(ConnectionIdQuery.rewrite("SELECT `connection_id()`, \"CONNECTION_ID()\", 'it''s CONNECTION_ID()'", 5))
        .isNull();
    assertThat(ConnectionIdQuery.rewrite("CREATE TABLE t (a INT DEFAULT CONNECTION_ID())", 5)).as("stored").isNull();
    assertThat(ConnectionIdQuery.rewrite("/* c */ alter view v AS SELECT connection_id()", 5)).as("stored").isNull();
    assertThat(ConnectionIdQuery.rewrite("SELECT my_connection_id(), db.connection_id()", 5)).as("other functions")
        .isNull();
    assertThat(ConnectionIdQuery.rewrite("SELECT CONNECTION_ID(), 'é' # \u00e9", 9)).isEqualTo("SELECT 0000000009, 'é' # \u00e9");
  }

  @Test
  void theAnswerIsAResultSetClientsDecode() {
    for (boolean deprecateEof : new boolean[] {true, false}) {
      List<ByteBuf> packets = ResultSetWriter.encode(ByteBufAllocator.DEFAULT,
          List.of(new ResultSetWriter.Column("CONNECTION_ID()", ResultSetWriter.TYPE_LONGLONG)),
          List.of(List.of("42")), deprecateEof, 2);
      ByteBuf all = Unpooled.buffer();
      for (int i = 0; i < packets.size(); i++) {
        assertThat(Packets.sequenceId(packets.get(i), 0)).isEqualTo(i + 1);
        all.writeBytes(packets.get(i));
        packets.get(i).release();
      }
      RowCollector.Rows rows = RowCollector.decode(all, deprecateEof);
      all.release();
      assertThat(rows.columns()).containsExactly("CONNECTION_ID()");
      assertThat(rows.rows()).containsExactly(List.of("42"));
    }
  }

  @Test
  void theByteScanFindsTheWordInAnyCase() {
    for (String sql : new String[] {"SELECT CONNECTION_ID()", "select Connection_Id()", "x connection_id"}) {
      byte[] text = sql.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      ByteBuf frame = Packets.start(ByteBufAllocator.DEFAULT, 1 + text.length);
      frame.writeByte(3).writeBytes(text);
      ClientCommand c = new ClientCommand(new java.util.ArrayList<>(List.of(Packets.finish(frame, 0))), 1 + text.length);
      assertThat(c.containsWord("connection_id")).as(sql).isTrue();
      assertThat(c.containsWord("connection_ids")).as(sql).isFalse();
      c.release();
    }
  }
}
