package io.tandem.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Cuts a byte stream into physical MySQL packets. Each emitted message is a {@link ByteBuf}
 * holding one whole frame, header included (so it can be forwarded unchanged); the receiver
 * owns it. A physical packet is at most 16 MiB + 4 bytes, so buffering stays bounded; logical
 * packets of 16 MiB and more are reassembled (or streamed) by the receiver.
 */
public final class PacketDecoder extends ByteToMessageDecoder {

  private int maxPayload = Packets.MAX_PAYLOAD;

  /** Frames announcing a longer payload fail with {@link FrameTooLongException} (e.g. at login). */
  public PacketDecoder maxPayload(int maxPayload) {
    this.maxPayload = maxPayload;
    return this;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (in.readableBytes() >= Packets.HEADER_SIZE) {
      int start = in.readerIndex();
      int payloadLength = in.getUnsignedMediumLE(start);
      if (payloadLength > maxPayload) {
        in.skipBytes(in.readableBytes());
        throw new FrameTooLongException(payloadLength, maxPayload);
      }
      int frameLength = Packets.HEADER_SIZE + payloadLength;
      if (in.readableBytes() < frameLength) {
        return;
      }
      out.add(in.readRetainedSlice(frameLength));
    }
  }
}

