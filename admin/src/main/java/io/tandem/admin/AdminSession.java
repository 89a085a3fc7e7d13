package io.tandem.admin;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.tandem.proxy.config.ClientLimits;
import io.tandem.proxy.frontend.SessionOpener;
import io.tandem.proxy.protocol.Capabilities;
import io.tandem.proxy.protocol.CommandCode;
import io.tandem.proxy.protocol.ErrorCode;
import io.tandem.proxy.protocol.PacketDecoder;
import io.tandem.proxy.protocol.Packets;
import io.tandem.proxy.protocol.ResultSetWriter;
import io.tandem.proxy.protocol.ServerStatus;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * One client of the admin port after login: COM_QUERY runs an admin command (on the admin
 * workers, one at a time per session: reading from the client pauses meanwhile), COM_PING and
 * COM_INIT_DB are answered OK, COM_QUIT closes; any other command gets ERR 1047.
 */
final class AdminSession extends ChannelInboundHandlerAdapter implements SessionOpener.Session {

  private final SessionOpener.Client client;
  private final AdminCommands commands;
  private final Executor workers;
  private final AdminContext admin;
  private final boolean deprecateEof;
  /** The session's last command on the workers (commands run one after the other). */
  private CompletableFuture<Void> running = CompletableFuture.completedFuture(null);

  AdminSession(SessionOpener.Client client, AdminCommands commands, Executor workers, AdminContext admin) {
    this.client = client;
    this.commands = commands;
    this.workers = workers;
    this.admin = admin;
    this.deprecateEof = Capabilities.has(client.capabilities(), Capabilities.DEPRECATE_EOF);
  }

  @Override
  public void started(ClientLimits limits) {
    ChannelPipeline pipeline = client.channel().pipeline();
    pipeline.addBefore(pipeline.context(PacketDecoder.class).name(), "timeouts",
        new IdleStateHandler(limits.readTimeout().toMillis(), 0, limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
  }

  @Override
  public void abandoned() { }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf frame = (ByteBuf) msg;
    Channel ch = ctx.channel();
    try {
      int length = Packets.payloadLength(frame, frame.readerIndex());
      if (length == 0 || length >= Packets.MAX_PAYLOAD) {
        ch.writeAndFlush(Packets.error(ch.alloc(), 1, ErrorCode.NET_PACKET_TOO_LARGE,
            "Got a packet bigger than 'max_allowed_packet' bytes")).addListener(ChannelFutureListener.CLOSE);
        return;
      }
      int code = frame.getUnsignedByte(frame.readerIndex() + Packets.HEADER_SIZE);
      switch (code) {
        case CommandCode.QUIT -> ch.close();
        case CommandCode.PING, CommandCode.INIT_DB, CommandCode.RESET_CONNECTION ->
            ch.writeAndFlush(Packets.ok(ch.alloc(), 1, ServerStatus.AUTOCOMMIT));
        case CommandCode.QUERY -> {
          String sql = frame.toString(frame.readerIndex() + Packets.HEADER_SIZE + 1, length - 1,
              StandardCharsets.UTF_8);
          ch.config().setAutoRead(false);
          // after the session's previous command: commands pipelined in one read are answered in order
          running = running.thenRunAsync(() -> {
            AdminResult result = commands.execute(sql, client.account().name());
            if (admin.metrics() != null) {
              admin.metrics().adminCommand(result instanceof AdminResult.Error);
            }
            ch.eventLoop().execute(() -> answer(ch, result));
          }, workers);
        }
        default -> ch.writeAndFlush(Packets.error(ch.alloc(), 1, ErrorCode.UNKNOWN_COM, "Unknown command"));
      }
    } finally {
      frame.release();
    }
  }

  private void answer(Channel ch, AdminResult result) {
    if (!ch.isActive()) {
      return;
    }
    if (result instanceof AdminResult.Rows rows) {
      List<ByteBuf> packets = ResultSetWriter.encode(ch.alloc(), rows.columns(), rows.rows(), deprecateEof,
          ServerStatus.AUTOCOMMIT);
      packets.forEach(p -> ch.write(p, ch.voidPromise()));
      ch.flush();
    } else if (result instanceof AdminResult.Ok ok) {
      ch.writeAndFlush(Packets.ok(ch.alloc(), 1, ServerStatus.AUTOCOMMIT, ok.affected(), ok.info()));
    } else if (result instanceof AdminResult.Error error) {
      ch.writeAndFlush(Packets.error(ch.alloc(), 1, error.code(), error.message()));
    }
    ch.config().setAutoRead(true);
  }

  /** {@code listen.read_timeout}: a client stopped in the middle of a packet is closed; an idle one may stay. */
  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof IdleStateEvent idle) {
      PacketDecoder decoder = ctx.pipeline().get(PacketDecoder.class);
      if (idle.state() == IdleState.READER_IDLE && decoder != null && decoder.hasPartialFrame()) {
        ctx.close();
      }
      return;
    }
    ctx.fireUserEventTriggered(event);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    client.registry().closed(client.connectionId());
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
