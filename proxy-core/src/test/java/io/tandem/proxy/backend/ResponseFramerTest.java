package io.tandem.proxy.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.protocol.Capabilities;
import io.tandem.proxy.protocol.CommandCode;
import io.tandem.proxy.protocol.Packets;
import io.tandem.proxy.protocol.ServerStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The backend side of the relay: whatever way the bytes of a response are cut into reads, the
 * sink receives exactly those bytes, in order, and hears "done" once, at the end.
 */
class ResponseFramerTest {

  private static final BackendDefinition M1 = new BackendDefinition("m1", "127.0.0.1", 3306, BackendDefinition.Role.MASTER, 1);

  /** Collects what a command's sink receives. */
  private static class Collector implements ResponseSink {
    final ByteBuf received = Unpooled.buffer();
    int done;
    int status = -1;
    Packets.ErrorInfo error;

    @Override
    public void relay(ByteBuf bytes) {
      assertThat(done).as("no bytes after the response ended").isZero();
      received.writeBytes(bytes);
      bytes.release();
    }

    @Override
    public void responseDone(int serverStatus, Packets.ErrorInfo error) {
      done++;
      status = serverStatus;
      this.error = error;
    }

    @Override
    public void failed(Throwable cause) {
      throw new AssertionError(cause);
    }
  }

  private static void packet(ByteBuf out, int sequence, byte[] payload) {
    int offset = 0;
    do {
      int n = Math.min(Packets.MAX_PAYLOAD, payload.length - offset);
      out.writeMediumLE(n).writeByte(sequence++);
      out.writeBytes(payload, offset, n);
      offset += n;
      if (n < Packets.MAX_PAYLOAD) {
        return;
      }
    } while (true);
  }

  /** A text result set: one column, the given rows, DEPRECATE_EOF terminator. */
  private static ByteBuf resultSet(List<byte[]> rows) {
    ByteBuf out = Unpooled.buffer();
    packet(out, 1, new byte[] {1});
    packet(out, 2, new byte[] {3, 'd', 'e', 'f', 0, 0, 0});
    int seq = 3;
    for (byte[] value : rows) {
      ByteBuf row = Unpooled.buffer();
      Packets.writeLenencBytes(row, value);
      byte[] payload = new byte[row.readableBytes()];
      row.readBytes(payload);
      packet(out, seq, payload);
      seq += payload.length / Packets.MAX_PAYLOAD + 1;
    }
    packet(out, seq, new byte[] {(byte) 0xFE, 0, 0, (byte) ServerStatus.AUTOCOMMIT, 0, 0, 0});
    return out;
  }

  private static void feedInPieces(EmbeddedChannel ch, ByteBuf whole, long seed) {
    Random random = new Random(seed);
    while (whole.isReadable()) {
      int n = Math.min(whole.readableBytes(), 1 + random.nextInt(random.nextBoolean() ? 7 : 300_000));
      ch.writeInbound(whole.readRetainedSlice(n));
    }
    whole.release();
  }

  private static BackendConnection connection(EmbeddedChannel ch) {
    PoolKey key = new PoolKey("m1", "app", Capabilities.DEPRECATE_EOF, 45);
    BackendConnection c = new BackendConnection(ch, M1, key, 7, "test", null);
    ch.pipeline().addLast(new ResponseFramer(c));
    return c;
  }

  @Test
  void bytesArriveUnchangedWhateverTheReadBoundaries() {
    List<byte[]> rows = new ArrayList<>();
    Random random = new Random(1);
    for (int i = 0; i < 200; i++) {
      byte[] v = new byte[random.nextInt(i % 50 == 0 ? 100_000 : 300)];
      random.nextBytes(v);
      rows.add(v);
    }
    byte[] huge = new byte[Packets.MAX_PAYLOAD + 1000]; // a row split over two packets
    random.nextBytes(huge);
    huge[Packets.MAX_PAYLOAD - 3] = (byte) 0xFE; // data that looks like a terminator in a continuation
    rows.add(huge);
    rows.add(new byte[] {(byte) 0xFF, 1, 2});
    ByteBuf expected = resultSet(rows);
    for (long seed = 0; seed < 5; seed++) {
      EmbeddedChannel ch = new EmbeddedChannel();
      BackendConnection c = connection(ch);
      Collector sink = new Collector();
      c.send(Unpooled.wrappedBuffer(new byte[] {1, 0, 0, 0, CommandCode.QUERY}), CommandCode.QUERY, sink);
      ((ByteBuf) ch.readOutbound()).release();
      feedInPieces(ch, expected.retainedDuplicate(), seed);
      assertThat(sink.done).isEqualTo(1);
      assertThat(sink.status).isEqualTo(ServerStatus.AUTOCOMMIT);
      assertThat(sink.received.readableBytes()).isEqualTo(expected.readableBytes());
      assertThat(sink.received.equals(expected)).as("identical bytes, seed " + seed).isTrue();
      assertThat(c.busy()).isFalse();
      sink.received.release();
      ch.finishAndReleaseAll();
    }
    expected.release();
  }

  @Test
  void anAnswerInOneReadGoesToTheSinkAsThatRead() {
    EmbeddedChannel ch = new EmbeddedChannel();
    BackendConnection c = connection(ch);
    List<ByteBuf> relayed = new ArrayList<>();
    Collector sink = new Collector() {
      @Override
      public void relay(ByteBuf bytes) {
        relayed.add(bytes.retain());
        super.relay(bytes);
      }
    };
    c.send(Unpooled.wrappedBuffer(new byte[] {1, 0, 0, 0, CommandCode.QUERY}), CommandCode.QUERY, sink);
    ((ByteBuf) ch.readOutbound()).release();
    ByteBuf answer = resultSet(List.of(new byte[] {'a'}, new byte[] {'b'}));
    ch.writeInbound(answer);
    assertThat(sink.done).isEqualTo(1);
    assertThat(relayed).singleElement().isSameAs(answer);
    assertThat(answer.release()).as("no reference left but the test's").isTrue();
    sink.received.release();
    ch.finishAndReleaseAll();
  }

  @Test
  void errorAnswerIsDecodedForTheSink() {
    EmbeddedChannel ch = new EmbeddedChannel();
    BackendConnection c = connection(ch);
    Collector sink = new Collector();
    c.send(Unpooled.wrappedBuffer(new byte[] {1, 0, 0, 0, CommandCode.QUERY}), CommandCode.QUERY, sink);
    ((ByteBuf) ch.readOutbound()).release();
    ByteBuf err = Unpooled.buffer();
    packet(err, 1, new byte[] {(byte) 0xFF, 0x7A, 0x04, '#', '4', '2', 'S', '0', '2', 'n', 'o'});
    ch.writeInbound(err);
    assertThat(sink.done).isEqualTo(1);
    assertThat(sink.error.error().code()).isEqualTo(1146);
    assertThat(sink.error.message()).isEqualTo("no");
    sink.received.release();
    ch.finishAndReleaseAll();
  }

  @Test
  void dataFromAnIdleConnectionClosesIt() {
    EmbeddedChannel ch = new EmbeddedChannel();
    BackendConnection c = connection(ch);
    ByteBuf err = Unpooled.buffer();
    packet(err, 0, new byte[] {(byte) 0xFF, (byte) 0x87, 0x07, '#', '7', '0', '1', '0', '0', 'k'});
    ch.writeInbound(err);
    assertThat(c.isOpen()).isFalse();
    ch.finishAndReleaseAll();
  }
}
