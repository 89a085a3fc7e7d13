package io.tandem.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.tandem.proxy.metrics.BackendMeter;

/**
 * First handler of a backend connection while it logs in: counts its bytes both ways and its
 * opening on the backend's meter. A connection that logged in takes over (its writes, its
 * {@link ResponseFramer}'s reads and close) and this handler leaves the pipeline: one handler less
 * on every command's way.
 */
final class TrafficMeter extends ChannelDuplexHandler {

  private final BackendMeter meter;

  TrafficMeter(BackendMeter meter) {
    this.meter = meter;
  }

  BackendMeter meter() {
    return meter;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    meter.connections(1);
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    meter.connections(-1);
    ctx.fireChannelInactive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf b) {
      meter.received(b.readableBytes());
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof ByteBuf b) {
      meter.sent(b.readableBytes());
    }
    ctx.write(msg, promise);
  }
}
