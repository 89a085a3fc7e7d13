package io.tandem.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.tandem.proxy.protocol.Packets;
import io.tandem.proxy.protocol.ResponseTracker;

/**
 * Streams a backend's response bytes to the current {@link ResponseSink} while cutting them into
 * packets for the {@link ResponseTracker}; counts them on the connection's meter (which the
 * {@link TrafficMeter} of the login hands over to it). Runs of whole packets are forwarded as one retained
 * slice of the buffer they arrived in, or as that buffer itself when the run is all of it (the
 * common case: a whole answer, or a whole read of a long one, in one read); a packet larger than
 * {@link #INSPECT_LIMIT} is forwarded piece by piece as it arrives (only its first byte is
 * inspected), so memory stays bounded however large rows are. Only a partial header or partial
 * small packet is ever copied.
 */
final class ResponseFramer extends ChannelInboundHandlerAdapter {

  /** Packets up to this payload size are buffered whole so the tracker can read them. */
  static final int INSPECT_LIMIT = 64 * 1024;

  private final BackendConnection connection;
  private ByteBuf pending;
  private long passThrough;
  /** The previous packet was 16 MiB - 1 long: this one continues it and is not a packet of its own. */
  private boolean continuation;
  /** The buffer being framed went to the sink whole: it is no longer this handler's to read or release. */
  private boolean handedOver;

  ResponseFramer(BackendConnection connection) {
    this.connection = connection;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf in = (ByteBuf) msg;
    connection.meter().received(in.readableBytes());
    if (pending != null) {
      ByteBuf merged = ctx.alloc().buffer(pending.readableBytes() + in.readableBytes());
      merged.writeBytes(pending).writeBytes(in);
      pending.release();
      in.release();
      pending = null;
      in = merged;
    }
    handedOver = false;
    try {
      frame(in);
    } catch (RuntimeException e) {
      connection.protocolError(e);
    } finally {
      if (!handedOver) {
        if (in.isReadable() && connection.isOpen()) {
          pending = ctx.alloc().buffer(in.readableBytes());
          pending.writeBytes(in);
        }
        in.release();
      }
    }
  }

  private void frame(ByteBuf in) {
    int first = in.readerIndex();
    int end = in.writerIndex();
    int runStart = first;
    while (in.isReadable()) {
      if (passThrough > 0) {
        int n = (int) Math.min(passThrough, in.readableBytes());
        in.skipBytes(n);
        passThrough -= n;
        continue;
      }
      int start = in.readerIndex();
      if (in.readableBytes() < Packets.HEADER_SIZE + 1) {
        if (in.readableBytes() >= Packets.HEADER_SIZE && in.getUnsignedMediumLE(start) == 0) {
          // an empty packet: nothing to inspect beyond the header
        } else {
          break;
        }
      }
      int length = in.getUnsignedMediumLE(start);
      int payload = start + Packets.HEADER_SIZE;
      int firstByte = length == 0 ? -1 : in.getUnsignedByte(payload);
      boolean complete = length <= INSPECT_LIMIT;
      if (complete && in.readableBytes() < Packets.HEADER_SIZE + length) {
        break;
      }
      int verdict = continuation
          ? ResponseTracker.MORE
          : connection.tracker().onPacket(firstByte, length, in, payload, complete);
      continuation = length == Packets.MAX_PAYLOAD;
      if (complete) {
        in.skipBytes(Packets.HEADER_SIZE + length);
      } else {
        int available = Math.min(in.readableBytes(), Packets.HEADER_SIZE + length);
        in.skipBytes(available);
        passThrough = Packets.HEADER_SIZE + length - available;
      }
      if (verdict != ResponseTracker.MORE) {
        if (passThrough > 0) {
          throw new IllegalStateException("response ended inside a large packet");
        }
        int runEnd = in.readerIndex();
        forward(in, first, end, runStart, runEnd);
        runStart = runEnd;
        if (verdict == ResponseTracker.DONE) {
          connection.responseDone();
        } else {
          connection.localInfileRequested();
        }
        if (handedOver) {
          return; // the sink owns it now (a flush may already have written and released it)
        }
      }
    }
    forward(in, first, end, runStart, in.readerIndex());
  }

  /**
   * Forwards bytes {@code from}..{@code to} of {@code in}, which holds {@code first}..{@code end}:
   * all of it is passed on as it is (ownership passes: {@link #handedOver}), a part as a retained slice.
   */
  private void forward(ByteBuf in, int first, int end, int from, int to) {
    if (from == first && to == end && to > from) {
      in.readerIndex(first);
      handedOver = true;
      connection.relay(in);
    } else if (to > from) {
      connection.relay(in.retainedSlice(from, to - from));
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    connection.flush();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    connection.writabilityChanged();
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    connection.meter().connections(-1);
    if (pending != null) {
      pending.release();
      pending = null;
    }
    connection.closed(null);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    connection.closed(cause);
    ctx.close();
  }
}
