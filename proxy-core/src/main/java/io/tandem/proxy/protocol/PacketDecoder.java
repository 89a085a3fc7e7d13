package io.tandem.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;

/**
 * Cuts a byte stream into physical MySQL packets. Each emitted message is a {@link ByteBuf}
 * holding one whole frame, header included (so it can be forwarded unchanged); the receiver
 * owns it. A physical packet is at most 16 MiB + 4 bytes, so buffering stays bounded; logical
 * packets of 16 MiB and more are reassembled (or streamed) by the receiver.
 *
 * <p>A read that holds exactly one frame (the common case: a client sends a command and waits)
 * is passed on as the buffer it arrived in; frames that share a read are retained slices of it.
 * Either way the frame's reader index is 0 and its writer index its end. Bytes behind the last
 * whole frame wait for the next read. When the handler is removed, bytes it still holds go on to
 * the next handler, as {@link ByteToMessageDecoder} does.
 */
public final class PacketDecoder extends ChannelInboundHandlerAdapter {

  private int maxPayload = Packets.MAX_PAYLOAD;
  /** Bytes received and not yet emitted as frames (null when none). */
  private ByteBuf buffered;
  /** Reads so far: changes whenever bytes arrived. */
  private int reads;
  /** A frame went on since the last read-complete. */
  private boolean emitted;

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
    ByteBuf in = buffered;
    return in != null && in.isReadable() ? in.readRetainedSlice(in.readableBytes()) : Unpooled.EMPTY_BUFFER;
  }

  /** Part of a frame has arrived and the rest not yet (the client may have stopped mid-packet). */
  public boolean hasPartialFrame() {
    return buffered != null && buffered.isReadable();
  }

  /**
   * A counter that moves whenever bytes arrive, frame complete or not: a read timeout watches it
   * instead of a clock read on every read. Compare for change only (it wraps).
   */
  public int progress() {
    return reads;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf data)) {
      ctx.fireChannelRead(msg);
      return;
    }
    reads++;
    buffered = buffered == null ? data : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), buffered, data);
    try {
      emitFrames(ctx);
    } finally {
      if (buffered != null && !buffered.isReadable()) {
        buffered.release();
        buffered = null;
      }
    }
  }

  /**
   * Emits the whole frames buffered, one at a time: the receiver of one may take the bytes behind
   * it ({@link #takeBuffered()}) or remove this handler, and the loop sees either.
   */
  private void emitFrames(ChannelHandlerContext ctx) {
    while (!ctx.isRemoved()) {
      ByteBuf in = buffered;
      if (in == null || in.readableBytes() < Packets.HEADER_SIZE) {
        return;
      }
      int payloadLength = in.getUnsignedMediumLE(in.readerIndex());
      if (payloadLength > maxPayload) {
        in.skipBytes(in.readableBytes());
        ctx.fireExceptionCaught(new FrameTooLongException(payloadLength, maxPayload));
        return;
      }
      int frameLength = Packets.HEADER_SIZE + payloadLength;
      if (in.readableBytes() < frameLength) {
        return;
      }
      ByteBuf frame;
      if (in.readerIndex() == 0 && in.writerIndex() == frameLength) {
        frame = in;
        buffered = null;
      } else {
        frame = in.readRetainedSlice(frameLength);
      }
      emitted = true;
      ctx.fireChannelRead(frame);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (buffered != null && buffered.refCnt() == 1) {
      buffered.discardSomeReadBytes();
    }
    if (!emitted && !ctx.channel().config().isAutoRead()) {
      ctx.read(); // only part of a frame came: the receiver, reading by hand, has nothing to ask for more with
    }
    emitted = false;
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    releaseBuffered();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    ByteBuf left = buffered;
    buffered = null;
    if (left != null && left.isReadable()) {
      ctx.fireChannelRead(left);
      ctx.fireChannelReadComplete();
    } else if (left != null) {
      left.release();
    }
  }

  private void releaseBuffered() {
    if (buffered != null) {
      buffered.release();
      buffered = null;
    }
  }
}
