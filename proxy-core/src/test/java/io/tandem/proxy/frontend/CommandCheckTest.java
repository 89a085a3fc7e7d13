package io.tandem.proxy.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.tandem.proxy.protocol.CommandCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The checks a COM_STMT_* command passes before it may reach a server. */
class CommandCheckTest {

  private static final int LONG = 3;
  private static final int VAR_STRING = 253;
  private static final int DATETIME = 12;

  private ByteBuf packet;

  @AfterEach
  void release() {
    if (packet != null) {
      packet.release();
      packet = null;
    }
  }

  private static PreparedStatements.Statement statement(int params) {
    return new PreparedStatements.Statement(1, "SELECT ?, ?", params, null);
  }

  /** COM_STMT_EXECUTE of statement 1: flags, then NULL bitmap, bound flag, types and values as given. */
  private ByteBuf execute(int flags, int... rest) {
    packet = Unpooled.buffer();
    packet.writeByte(CommandCode.STMT_EXECUTE).writeIntLE(1).writeByte(flags).writeIntLE(1);
    for (int b : rest) {
      packet.writeByte(b);
    }
    return packet;
  }

  private static String code(CommandCheck.Refusal r) {
    return r == null ? "relayed" : r.error().code() + " " + r.message();
  }

  @Test
  void firstExecutionWithoutTypesIsRefusedLikeMariadb1011() {
    // the packet that crashes MariaDB 11.4.5: two parameters, bound flag 0, a few value bytes
    ByteBuf p = execute(0, 0x00, 0, 1, 2, 3, 4);
    assertThat(code(CommandCheck.execute(statement(2), p, true)))
        .isEqualTo("1210 Incorrect arguments to mysqld_stmt_execute");
  }

  @Test
  void typesBoundOnceMayBeLeftOutLater() {
    PreparedStatements.Statement s = statement(2);
    ByteBuf first = execute(0, 0x00, 1, LONG, 0, LONG, 0x80, 1, 0, 0, 0, 2, 0, 0, 0);
    assertThat(CommandCheck.execute(s, first, true)).isNull();
    PreparedStatements.learnTypes(s, first);
    release();
    ByteBuf later = execute(0, 0x00, 0, 5, 0, 0, 0, 6, 0, 0, 0);
    assertThat(CommandCheck.execute(s, later, true)).isNull();
  }

  @Test
  void valuesMustLieInsideThePacket() {
    assertThat(code(CommandCheck.execute(statement(2), execute(0, 0x00, 1, LONG, 0, LONG, 0, 1, 0, 0, 0, 2),
        true))).startsWith("1210");
    release();
    // a string claiming 200 bytes with 3 present
    assertThat(code(CommandCheck.execute(statement(1), execute(0, 0x00, 1, VAR_STRING, 0, 200, 'a', 'b', 'c'),
        true))).startsWith("1210");
    release();
    // a length-encoded length of 2^64-1
    assertThat(code(CommandCheck.execute(statement(1), execute(0, 0x00, 1, VAR_STRING, 0, 0xFE,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF), true))).startsWith("1210");
    release();
    // a DATETIME of 7 bytes with 2 present
    assertThat(code(CommandCheck.execute(statement(1), execute(0, 0x00, 1, DATETIME, 0, 7, 0xE8, 0x07),
        true))).startsWith("1210");
  }

  @Test
  void nullParametersAndLongDataCarryNoValue() {
    PreparedStatements.Statement s = statement(2);
    assertThat(CommandCheck.execute(s, execute(0, 0x01, 1, VAR_STRING, 0, VAR_STRING, 0, 2, 'h', 'i'), true))
        .as("first NULL, second 'hi'").isNull();
    release();
    s.longDataParams.set(1);
    assertThat(CommandCheck.execute(s, execute(0, 0x01, 1, VAR_STRING, 0, VAR_STRING, 0), true))
        .as("second sent as long data").isNull();
  }

  @Test
  void unknownTypesFlagsAndBoundFlagsAreRefused() {
    assertThat(code(CommandCheck.execute(statement(1), execute(0, 0x00, 1, 100, 0, 1), true)))
        .as("type 100").startsWith("1210");
    release();
    assertThat(code(CommandCheck.execute(statement(1), execute(0, 0x00, 1, LONG, 0x01, 1, 0, 0, 0), true)))
        .as("type flag other than unsigned").startsWith("1210");
    release();
    assertThat(code(CommandCheck.execute(statement(1), execute(0, 0x00, 2, LONG, 0, 1, 0, 0, 0), true)))
        .as("bound flag 2").startsWith("1210");
    release();
    assertThat(code(CommandCheck.execute(statement(0), execute(0x40), true))).as("flags 0x40").startsWith("1210");
    release();
    assertThat(CommandCheck.execute(statement(0), execute(0x01), true)).as("a read-only cursor").isNull();
  }

  @Test
  void shortPacketsAndUnknownStatements() {
    packet = Unpooled.buffer().writeByte(CommandCode.STMT_EXECUTE).writeIntLE(1);
    assertThat(code(CommandCheck.execute(statement(0), packet, true))).startsWith("1210");
    release();
    assertThat(code(CommandCheck.execute(null, execute(0), true)))
        .isEqualTo("1243 Unknown prepared statement handler (1) given to mysqld_stmt_execute");
    release();
    assertThat(code(CommandCheck.execute(statement(3), execute(0, 0x00), true)))
        .as("bitmap without bound flag").startsWith("1210");
  }

  @Test
  void longDataNeedsAKnownStatementAndParameter() {
    PreparedStatements.Statement s = statement(1);
    packet = Unpooled.buffer().writeByte(CommandCode.STMT_SEND_LONG_DATA).writeIntLE(1).writeShortLE(0).writeByte('x');
    assertThat(CommandCheck.longData(s, packet)).isTrue();
    assertThat(CommandCheck.longData(null, packet)).isFalse();
    release();
    packet = Unpooled.buffer().writeByte(CommandCode.STMT_SEND_LONG_DATA).writeIntLE(1).writeShortLE(7);
    assertThat(CommandCheck.longData(s, packet)).isFalse();
    release();
    assertThat(code(CommandCheck.execute(s, execute(0, 0x00, 1, LONG, 0, 1, 0, 0, 0), true)))
        .as("the dropped long data fails the next execution").isEqualTo("1210 Incorrect arguments to mysqld_stmt_send_long_data");
  }

  @Test
  void fetchNeedsAnOpenCursor() {
    PreparedStatements.Statement s = statement(0);
    packet = Unpooled.buffer().writeByte(CommandCode.STMT_FETCH).writeIntLE(1).writeIntLE(10);
    assertThat(code(CommandCheck.fetch(s, packet))).isEqualTo("1421 The statement (1) has no open cursor");
    s.cursorOpen = true;
    assertThat(CommandCheck.fetch(s, packet)).isNull();
    assertThat(code(CommandCheck.fetch(null, packet))).startsWith("1243");
  }

  @Test
  void fieldListNeedsATableNameOfAtMost64Bytes() {
    packet = Unpooled.buffer().writeByte(CommandCode.FIELD_LIST).writeBytes("t1".getBytes()).writeByte(0)
        .writeBytes("%".getBytes());
    assertThat(CommandCheck.fieldList(packet)).isNull();
    release();
    packet = Unpooled.buffer().writeByte(CommandCode.FIELD_LIST).writeByte(0);
    assertThat(code(CommandCheck.fieldList(packet))).isEqualTo("1047 Unknown command");
    release();
    packet = Unpooled.buffer().writeByte(CommandCode.FIELD_LIST).writeBytes(new byte[65]).writeByte(1);
    packet.setByte(1, 'x');
    assertThat(CommandCheck.fieldList(packet)).as("table 'x', then a wildcard of 64 bytes").isNull();
    release();
    byte[] long65 = new byte[65];
    java.util.Arrays.fill(long65, (byte) 'a');
    packet = Unpooled.buffer().writeByte(CommandCode.FIELD_LIST).writeBytes(long65);
    assertThat(code(CommandCheck.fieldList(packet))).isEqualTo("1047 Unknown command");
  }
}
