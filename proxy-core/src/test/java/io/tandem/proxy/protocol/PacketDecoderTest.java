package io.tandem.proxy.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The client side's framing: whatever way the bytes are cut into reads, the frames come out
 * whole, in order, each owned by its receiver; what is left when the decoder goes is not lost.
 */
class PacketDecoderTest {

  private static byte[] frame(int sequence, int payloadLength, int seed) {
    byte[] f = new byte[Packets.HEADER_SIZE + payloadLength];
    f[0] = (byte) payloadLength;
    f[1] = (byte) (payloadLength >> 8);
    f[2] = (byte) (payloadLength >> 16);
    f[3] = (byte) sequence;
    for (int i = Packets.HEADER_SIZE; i < f.length; i++) {
      f[i] = (byte) (seed + i);
    }
    return f;
  }

  private static List<byte[]> drain(EmbeddedChannel ch) {
    List<byte[]> out = new ArrayList<>();
    for (ByteBuf b; (b = ch.readInbound()) != null; ) {
      assertThat(b.readerIndex()).as("a frame starts at index 0").isZero();
      byte[] bytes = new byte[b.readableBytes()];
      b.readBytes(bytes);
      b.release();
      out.add(bytes);
    }
    return out;
  }

  @Test
  void framesComeOutWholeWhateverTheReadBoundaries() {
    Random random = new Random(3);
    List<byte[]> frames = new ArrayList<>();
    ByteBuf stream = Unpooled.buffer();
    for (int i = 0; i < 300; i++) {
      byte[] f = frame(i, i % 40 == 0 ? 70_000 + i : random.nextInt(200), i);
      frames.add(f);
      stream.writeBytes(f);
    }
    for (long seed = 0; seed < 5; seed++) {
      Random cuts = new Random(seed);
      EmbeddedChannel ch = new EmbeddedChannel(new PacketDecoder());
      ByteBuf in = stream.retainedDuplicate();
      List<ByteBuf> reads = new ArrayList<>();
      while (in.isReadable()) {
        int n = Math.min(in.readableBytes(), 1 + cuts.nextInt(cuts.nextBoolean() ? 5 : 20_000));
        ByteBuf read = Unpooled.directBuffer(n);
        in.readBytes(read, n);
        reads.add(read);
        ch.writeInbound(read);
      }
      in.release();
      List<byte[]> out = drain(ch);
      assertThat(out).hasSameSizeAs(frames);
      for (int i = 0; i < frames.size(); i++) {
        assertThat(out.get(i)).as("frame %d, seed %d", i, seed).isEqualTo(frames.get(i));
      }
      assertThat(reads).allSatisfy(r -> assertThat(r.refCnt()).as("every read released").isZero());
      assertThat(ch.finish()).isFalse();
    }
    stream.release();
  }

  @Test
  void aReadHoldingOneFrameIsPassedOnAsItIs() {
    EmbeddedChannel ch = new EmbeddedChannel(new PacketDecoder());
    ByteBuf read = Unpooled.wrappedBuffer(frame(0, 20, 1));
    ch.writeInbound(read);
    ByteBuf got = ch.readInbound();
    assertThat(got).isSameAs(read);
    assertThat(got.refCnt()).isOne();
    got.release();
    ByteBuf two = Unpooled.wrappedBuffer(frame(0, 5, 1), frame(1, 6, 2));
    ch.writeInbound(two);
    assertThat(drain(ch)).hasSize(2);
    assertThat(two.refCnt()).isZero();
    assertThat(ch.finish()).isFalse();
  }

  @Test
  void aFrameLongerThanTheLimitFailsWithoutWaitingForIt() {
    EmbeddedChannel ch = new EmbeddedChannel(new PacketDecoder().maxPayload(100));
    ByteBuf read = Unpooled.wrappedBuffer(frame(0, 101, 0), new byte[] {1, 2, 3});
    assertThatThrownBy(() -> ch.writeInbound(read))
        .isInstanceOf(FrameTooLongException.class);
    assertThat(read.refCnt()).isZero();
    assertThat((Object) ch.readInbound()).isNull();
  }

  @Test
  void bytesBehindTheLastFrameGoOnWhenTheDecoderIsRemoved() {
    List<ByteBuf> after = new ArrayList<>();
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.pipeline().addLast("frames", new PacketDecoder());
    ch.pipeline().addLast("first", new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ((ByteBuf) msg).release();
        ctx.pipeline().remove(this); // as a login handler does when its last packet came
        ctx.pipeline().remove("frames");
      }
    });
    ch.pipeline().addLast("raw", new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        after.add((ByteBuf) msg);
      }
    });
    ch.writeInbound(Unpooled.wrappedBuffer(frame(0, 3, 0), new byte[] {9, 8, 7}));
    assertThat(after).hasSize(1);
    assertThat(ByteBufUtil.getBytes(after.get(0))).containsExactly(9, 8, 7);
    after.get(0).release();
    assertThat(ch.finish()).isFalse();
  }

  @Test
  void theBytesBehindAFrameCanBeTaken() {
    PacketDecoder decoder = new PacketDecoder();
    List<ByteBuf> taken = new ArrayList<>();
    EmbeddedChannel ch = new EmbeddedChannel(decoder, new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ((ByteBuf) msg).release();
        taken.add(decoder.takeBuffered()); // as the login does with a TLS hello behind an SSLRequest
      }
    });
    ch.writeInbound(Unpooled.wrappedBuffer(frame(1, 32, 0), new byte[] {0x16, 3, 1}));
    assertThat(taken).hasSize(1);
    assertThat(ByteBufUtil.getBytes(taken.get(0))).containsExactly(0x16, 3, 1);
    taken.get(0).release();
    assertThat(decoder.hasPartialFrame()).isFalse();
    assertThat(ch.finish()).isFalse();
  }

  @Test
  void aPartialFrameIsHeldAndCounted() {
    PacketDecoder decoder = new PacketDecoder();
    EmbeddedChannel ch = new EmbeddedChannel(decoder);
    byte[] f = frame(0, 10, 0);
    int before = decoder.progress();
    ch.writeInbound(Unpooled.wrappedBuffer(f, 0, 6));
    assertThat(decoder.progress()).isNotEqualTo(before);
    assertThat(decoder.hasPartialFrame()).isTrue();
    assertThat((Object) ch.readInbound()).isNull();
    ch.writeInbound(Unpooled.wrappedBuffer(f, 6, f.length - 6));
    assertThat(drain(ch)).singleElement().isEqualTo(f);
    assertThat(decoder.hasPartialFrame()).isFalse();
    assertThat(ch.finish()).isFalse();
  }
}
