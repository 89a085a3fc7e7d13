package io.tandem.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
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
  /** Calls of {@link #decode}: changes whenever bytes arrived. */
  private int decodes;

  /** Frames announcing a longer payload fail with {@link FrameTooLongException} (e.g. at login). */
  public PacketDecoder maxPayload(int maxPayload) {
    this.maxPayload = maxPayload;
    return this;
  }

  /**
   * Bytes received but not decoded yet; ownership passes to the caller. Used when the stream
   * switches to TLS: a client may send its TLS hello right behind the SSLRequest, in the same read,
   * and those bytes must go through the TLS handler, not through this decoder.
   */
  public ByteBuf takeBuffered() {
    ByteBuf in = internalBuffer();
    return in.isReadable() ? in.readRetainedSlice(in.readableBytes()) : Unpooled.EMPTY_BUFFER;
  }

  /** Part of a frame has arrived and the rest not yet (the client may have stopped mid-packet). */
  public boolean hasPartialFrame() {
    ByteBuf in = internalBuffer();
    return in != null && in.isReadable();
  }

  /**
   * A counter that moves whenever bytes arrive, frame complete or not: a read timeout watches it
   * instead of a clock read on every read. Compare for change only (it wraps).
   */
  public int progress() {
    return decodes;
  }

  /**
   * Decodes one frame per call (the base class calls again while bytes remain), so a handler
   * that sees a frame can still take the bytes behind it ({@link #takeBuffered()}).
   */
  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    decodes++;
    if (in.readableBytes() < Packets.HEADER_SIZE) {
      return;
    }
    int start = in.readerIndex();
    int payloadLength = in.getUnsignedMediumLE(start);
    if (payloadLength > maxPayload) {
      in.skipBytes(in.readableBytes());
      throw new FrameTooLongException(payloadLength, maxPayload);
    }
    int frameLength = Packets.HEADER_SIZE + payloadLength;
    if (in.readableBytes() >= frameLength) {
      out.add(in.readRetainedSlice(frameLength));
    }
  }
}
