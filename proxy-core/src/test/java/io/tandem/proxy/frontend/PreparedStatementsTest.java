package io.tandem.proxy.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.tandem.proxy.protocol.Packets;
import org.junit.jupiter.api.Test;

/** COM_STMT_EXECUTE rewriting for a statement prepared again on another connection. */
class PreparedStatementsTest {

  private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

  /** An execution of statement 7 with two parameters (INT 5, VARCHAR "ab"), types bound or not. */
  private static ByteBuf execute(long id, boolean bindTypes) {
    ByteBuf frame = Packets.start(ALLOC, 32);
    frame.writeByte(0x17).writeIntLE((int) id).writeByte(0).writeIntLE(1);
    frame.writeByte(0); // null bitmap
    frame.writeByte(bindTypes ? 1 : 0);
    if (bindTypes) {
      frame.writeShortLE(3).writeShortLE(15); // LONG, VARCHAR
    }
    frame.writeIntLE(5).writeByte(2).writeByte('a').writeByte('b');
    return Packets.finish(frame, 0);
  }

  private static ByteBuf payload(ByteBuf frame) {
    return frame.slice(frame.readerIndex() + Packets.HEADER_SIZE, frame.readableBytes() - Packets.HEADER_SIZE);
  }

  @Test
  void typesAreLearnedAndTheIdIsRewrittenInPlace() {
    PreparedStatements.Statement s = new PreparedStatements.Statement(7, "SELECT ?, ?", 2, null);
    ByteBuf first = execute(7, true);
    assertThat(PreparedStatements.learnTypes(s, payload(first))).isTrue();
    assertThat(s.types).containsExactly(3, 0, 15, 0);
    PreparedStatements.Copy copy = new PreparedStatements.Copy(42);
    ByteBuf out = PreparedStatements.forCopy(first, s, copy, ALLOC);
    assertThat(out).isSameAs(first);
    assertThat(PreparedStatements.statementId(payload(out))).isEqualTo(42);
    assertThat(copy.typesSent).isTrue();
    first.release();
  }

  @Test
  void typesLeftOutAreAddedForACopyThatNeverGotThem() {
    PreparedStatements.Statement s = new PreparedStatements.Statement(7, "SELECT ?, ?", 2, null);
    ByteBuf bound = execute(7, true);
    PreparedStatements.learnTypes(s, payload(bound));
    ByteBuf later = execute(7, false);
    PreparedStatements.learnTypes(s, payload(later));
    PreparedStatements.Copy copy = new PreparedStatements.Copy(42);
    ByteBuf out = PreparedStatements.forCopy(later, s, copy, ALLOC);
    ByteBuf expected = execute(42, true);
    assertThat(ByteBufUtil.hexDump(out)).isEqualTo(ByteBufUtil.hexDump(expected));
    // once the copy has the types, later executions go as they are
    ByteBuf again = execute(7, false);
    assertThat(PreparedStatements.forCopy(again, s, copy, ALLOC)).isSameAs(again);
    for (ByteBuf b : new ByteBuf[] {bound, later, out, expected, again}) {
      b.release();
    }
  }

  @Test
  void unknownTypesCannotBeAdded() {
    PreparedStatements.Statement s = new PreparedStatements.Statement(7, "SELECT ?, ?", 2, null);
    ByteBuf later = execute(7, false);
    assertThat(PreparedStatements.forCopy(later, s, new PreparedStatements.Copy(42), ALLOC)).isNull();
    later.release();
  }

  @Test
  void lastPreparedAndShortPackets() {
    PreparedStatements statements = new PreparedStatements();
    statements.prepared(3, "SELECT 1", 0, null);
    assertThat(statements.find(PreparedStatements.LAST_PREPARED).id).isEqualTo(3);
    assertThat(PreparedStatements.statementId(Unpooled.wrappedBuffer(new byte[] {0x17, 1}))).isEqualTo(-1);
    PreparedStatements.Statement two = new PreparedStatements.Statement(9, "SELECT ?, ?", 2, null);
    assertThat(PreparedStatements.learnTypes(two, Unpooled.wrappedBuffer(new byte[] {0x17, 9, 0, 0, 0, 0, 1, 0, 0, 0})))
        .isFalse();
    assertThat(statements.closed(3)).isNotNull();
    assertThat(statements.find(3)).isNull();
  }

  @Test
  void statementsThatShareARecentSlotAreFoundAsThemselves() {
    PreparedStatements statements = new PreparedStatements();
    for (long id = 1; id <= 40; id++) {
      statements.prepared(id, "SELECT " + id, 0, null);
    }
    for (int round = 0; round < 2; round++) {
      for (long id : new long[] {1, 17, 33, 1, 2, 18, 34}) { // 1, 17, 33 (and 2, 18, 34) share a slot of 16
        assertThat(statements.find(id).sql).isEqualTo("SELECT " + id);
      }
    }
    assertThat(statements.closed(17).sql).isEqualTo("SELECT 17");
    assertThat(statements.find(17)).isNull();
    assertThat(statements.find(1).sql).isEqualTo("SELECT 1");
    assertThat(statements.find(33).sql).isEqualTo("SELECT 33");
    statements.prepared(17, "SELECT 'again'", 0, null); // a server may hand out a closed id again
    assertThat(statements.find(17).sql).isEqualTo("SELECT 'again'");
    assertThat(statements.find(41)).isNull();
    statements.clear();
    assertThat(statements.find(1)).isNull();
    assertThat(statements.find(PreparedStatements.LAST_PREPARED)).isNull();
  }

  @Test
  void typesBoundAgainAreKeptUnlessTheyChanged() {
    PreparedStatements.Statement s = new PreparedStatements.Statement(7, "SELECT ?, ?", 2, null);
    ByteBuf first = execute(7, true);
    assertThat(PreparedStatements.learnTypes(s, payload(first))).isTrue();
    byte[] learned = s.types;
    ByteBuf again = execute(7, true);
    assertThat(PreparedStatements.learnTypes(s, payload(again))).isTrue();
    assertThat(s.types).isSameAs(learned);
    ByteBuf changed = execute(7, true);
    changed.setShortLE(Packets.HEADER_SIZE + 12, 8); // the first parameter now LONGLONG
    assertThat(PreparedStatements.learnTypes(s, payload(changed))).isTrue();
    assertThat(s.types).isNotSameAs(learned).startsWith(8, 0, 15, 0);
    first.release();
    again.release();
    changed.release();
  }
}
