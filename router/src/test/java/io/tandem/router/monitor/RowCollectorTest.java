package io.tandem.router.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.tandem.proxy.backend.BackendException;
import io.tandem.proxy.backend.RowCollector;
import io.tandem.proxy.protocol.ErrorCode;
import io.tandem.proxy.protocol.Packets;
import io.tandem.proxy.protocol.ServerStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * {@link RowCollector} (proxy-core) as the monitor uses it: small text results in both EOF
 * framings, whatever way the bytes are cut, NULLs, errors, and buffers always released.
 */
class RowCollectorTest {

  private static final class Packets2 {
    final ByteBuf out = Unpooled.buffer();
    int seq = 1;

    Packets2 packet(byte[] payload) {
      out.writeMediumLE(payload.length).writeByte(seq++).writeBytes(payload);
      return this;
    }

    Packets2 packet(ByteBuf payload) {
      byte[] b = new byte[payload.readableBytes()];
      payload.readBytes(b);
      payload.release();
      return packet(b);
    }
  }

  private static byte[] columnDefinition(String name) {
    ByteBuf b = Unpooled.buffer();
    for (String s : new String[] {"def", "", "", "", name, name}) {
      Packets.writeLenencBytes(b, s.getBytes(StandardCharsets.UTF_8));
    }
    b.writeByte(0x0c).writeShortLE(45).writeIntLE(1024).writeByte(253).writeShortLE(0).writeByte(0).writeShortLE(0);
    byte[] out = new byte[b.readableBytes()];
    b.readBytes(out);
    b.release();
    return out;
  }

  private static byte[] row(String... values) {
    ByteBuf b = Unpooled.buffer();
    for (String v : values) {
      if (v == null) {
        b.writeByte(0xFB);
      } else {
        Packets.writeLenencBytes(b, v.getBytes(StandardCharsets.UTF_8));
      }
    }
    byte[] out = new byte[b.readableBytes()];
    b.readBytes(out);
    b.release();
    return out;
  }

  private static final byte[] EOF = {(byte) 0xFE, 0, 0, (byte) ServerStatus.AUTOCOMMIT, 0};
  private static final byte[] EOF_OK = {(byte) 0xFE, 0, 0, (byte) ServerStatus.AUTOCOMMIT, 0, 0, 0};

  private static ByteBuf result(boolean deprecateEof, List<String> columns, List<String[]> rows) {
    Packets2 p = new Packets2();
    p.packet(new byte[] {(byte) columns.size()});
    for (String c : columns) {
      p.packet(columnDefinition(c));
    }
    if (!deprecateEof) {
      p.packet(EOF);
    }
    for (String[] r : rows) {
      p.packet(row(r));
    }
    p.packet(deprecateEof ? EOF_OK : EOF);
    return p.out;
  }

  /** Feeds {@code whole} to the collector in random pieces, then ends the response. */
  private static RowCollector.Rows collect(boolean deprecateEof, ByteBuf whole, long seed) throws Exception {
    RowCollector c = new RowCollector("r1", deprecateEof);
    Random random = new Random(seed);
    List<ByteBuf> pieces = new ArrayList<>();
    while (whole.isReadable()) {
      ByteBuf piece = whole.readRetainedSlice(Math.min(whole.readableBytes(), 1 + random.nextInt(40)));
      pieces.add(piece);
      c.relay(piece);
    }
    whole.release();
    c.responseDone(ServerStatus.AUTOCOMMIT, null);
    for (ByteBuf piece : pieces) {
      assertThat(piece.refCnt()).as("the collector released what it was given").isZero();
    }
    return c.result().get();
  }

  @Test
  void decodesRowsWithBothFramingsWhateverTheCuts() throws Exception {
    List<String> columns = List.of("Slave_IO_Running", "Slave_SQL_Running", "Seconds_Behind_Master", "Last_IO_Error");
    List<String[]> rows = List.of(new String[] {"Yes", "No", null, "error connecting to master 'repl@127.0.0.1:3306' ä"},
        new String[] {"Connecting", "Yes", "12", ""});
    for (boolean deprecateEof : new boolean[] {true, false}) {
      for (long seed = 0; seed < 20; seed++) {
        RowCollector.Rows r = collect(deprecateEof, result(deprecateEof, columns, rows), seed);
        assertThat(r.columns()).containsExactlyElementsOf(columns);
        assertThat(r.rows()).hasSize(2);
        assertThat(r.rows().get(0)).containsExactly(rows.get(0));
        assertThat(r.rows().get(1)).containsExactly(rows.get(1));
        assertThat(r.get(0, "seconds_behind_master")).isNull();
        assertThat(r.get(1, "Seconds_Behind_Master")).isEqualTo("12");
        assertThat(r.column("nope")).isEqualTo(-1);
      }
    }
  }

  @Test
  void emptyResultAndPlainOk() throws Exception {
    for (boolean deprecateEof : new boolean[] {true, false}) {
      RowCollector.Rows empty = collect(deprecateEof, result(deprecateEof, List.of("a", "b"), List.of()), 1);
      assertThat(empty.columns()).containsExactly("a", "b");
      assertThat(empty.isEmpty()).isTrue();
    }
    ByteBuf ok = Packets.ok(UnpooledByteBufAllocator.DEFAULT, 1, ServerStatus.AUTOCOMMIT);
    RowCollector.Rows none = collect(true, ok, 2);
    assertThat(none.columns()).isEmpty();
    assertThat(none.rows()).isEmpty();
  }

  @Test
  void serverErrorFailsTheResult() {
    RowCollector c = new RowCollector("r1", true);
    ByteBuf err = Packets.error(UnpooledByteBufAllocator.DEFAULT, 1, new ErrorCode(1064, "42000"), "You have an error");
    c.relay(err);
    Packets.ErrorInfo info = new Packets.ErrorInfo(new ErrorCode(1064, "42000"), "You have an error");
    c.responseDone(0, info);
    assertThat(err.refCnt()).isZero();
    assertThatThrownBy(() -> c.result().get()).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(BackendException.class)
        .satisfies(e -> assertThat(((BackendException) e).serverError().error().code()).isEqualTo(1064))
        .hasMessageContaining("r1").hasMessageContaining("1064");
  }

  @Test
  void connectionFailureMidResponseReleasesAndFails() {
    RowCollector c = new RowCollector("r1", false);
    ByteBuf whole = result(false, List.of("x"), List.<String[]>of(new String[] {"1"}));
    ByteBuf half = whole.readRetainedSlice(whole.readableBytes() / 2);
    whole.release();
    c.relay(half);
    c.failed(new IllegalStateException("backend connection closed"));
    assertThat(half.refCnt()).isZero();
    assertThatThrownBy(() -> c.result().get()).hasCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void oversizedResultFailsWithoutHoldingTheBytes() {
    RowCollector c = new RowCollector("r1", true, 64);
    String[] big = new String[1];
    Arrays.fill(big, "x".repeat(100));
    ByteBuf whole = result(true, List.of("x"), List.<String[]>of(big));
    c.relay(whole);
    c.responseDone(0, null);
    assertThat(whole.refCnt()).isZero();
    assertThatThrownBy(() -> c.result().get()).hasMessageContaining("larger than 64 bytes");
  }

  @Test
  void truncatedResultFailsCleanly() {
    RowCollector c = new RowCollector("r1", true);
    ByteBuf whole = result(true, List.of("x"), List.<String[]>of(new String[] {"1"}));
    c.relay(whole.retainedSlice(0, whole.readableBytes() - 3));
    whole.release();
    c.responseDone(0, null);
    assertThatThrownBy(() -> c.result().get()).hasMessageContaining("malformed result");
  }
}
