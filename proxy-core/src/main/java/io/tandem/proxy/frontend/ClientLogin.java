package io.tandem.proxy.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.tandem.proxy.auth.Scramble;
import io.tandem.proxy.backend.BackendConnection;
import io.tandem.proxy.backend.BackendCredentials;
import io.tandem.proxy.config.ClientLimits;
import io.tandem.proxy.config.UserAccount;
import io.tandem.proxy.protocol.Capabilities;
import io.tandem.proxy.protocol.ErrorCode;
import io.tandem.proxy.protocol.FrameTooLongException;
import io.tandem.proxy.protocol.HandshakeResponse;
import io.tandem.proxy.protocol.HandshakeV10;
import io.tandem.proxy.protocol.PacketDecoder;
import io.tandem.proxy.protocol.Packets;
import io.tandem.proxy.protocol.ServerStatus;
import io.tandem.proxy.session.SessionState;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection phase of a client: greeting, optional switch to TLS, authentication by the
 * proxy itself, and — when the client names a schema — a first backend connection in that
 * schema (so an unknown schema is refused with the server's own 1049). Then the channel's
 * handler becomes a {@link ClientSession}.
 */
final class ClientLogin extends ChannelInboundHandlerAdapter implements AuthExchange.Outcome {

  private static final Logger log = LoggerFactory.getLogger(ClientLogin.class);
  /** Largest packet accepted before authentication (handshake response, auth data). */
  static final int MAX_LOGIN_PACKET = 64 * 1024;

  private final ProxyContext context;
  private final byte[] scramble = Scramble.generate();
  private ChannelHandlerContext ctx;
  private long connectionId = -1;
  private int offered;
  private int expectedSequence = 1;
  private boolean tls;
  private HandshakeResponse response;
  private AuthExchange exchange;
  /**
   * Frames that arrive after authentication while the schema is being checked (clients may send
   * their first command without waiting for the OK); null before authentication.
   */
  private List<ByteBuf> pipelined;
  /** Closes the connection when login takes longer than {@code listen.login_timeout}. */
  private ScheduledFuture<?> loginTimer;

  ClientLogin(ProxyContext context) {
    this.context = context;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    InetAddress address = clientAddress();
    if (context.loginThrottle.blocked(address)) {
      ctx.writeAndFlush(Packets.error(ctx.alloc(), 0, ErrorCode.HOST_IS_BLOCKED, "Host '"
          + address.getHostAddress() + "' is blocked because of many failed logins"))
          .addListener(ChannelFutureListener.CLOSE);
      return;
    }
    Duration timeout = context.settings.clientLimits().loginTimeout();
    loginTimer = ctx.executor().schedule(() -> {
      log.debug("client {}: no login within {} ms; closing", ctx.channel().remoteAddress(), timeout.toMillis());
      refuse(ErrorCode.NET_READ_INTERRUPTED, "Got timeout reading communication packets", expectedSequence);
    }, timeout.toMillis(), TimeUnit.MILLISECONDS);
    connectionId = context.registry.open();
    if (connectionId < 0) {
      ctx.writeAndFlush(Packets.error(ctx.alloc(), 0, ErrorCode.CON_COUNT_ERROR, "Too many connections"))
          .addListener(ChannelFutureListener.CLOSE);
      return;
    }
    offered = context.identity.capabilities() | (context.sslContext != null ? Capabilities.SSL : 0);
    HandshakeV10 greeting = new HandshakeV10(context.identity.version(), connectionId, scramble,
        offered, context.identity.collationId(), ServerStatus.AUTOCOMMIT, "mysql_native_password");
    ctx.writeAndFlush(greeting.encode(ctx.alloc()));
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf frame = (ByteBuf) msg;
    if (pipelined != null) {
      pipelined.add(frame); // a command sent right behind the login: the session takes it once it starts
      return;
    }
    try {
      int sequence = Packets.sequenceId(frame, frame.readerIndex());
      if (sequence != expectedSequence) {
        refuse(ErrorCode.NET_PACKETS_OUT_OF_ORDER, "Got packets out of order", expectedSequence);
        return;
      }
      expectedSequence = sequence + 2;
      ByteBuf payload = frame.slice(frame.readerIndex() + Packets.HEADER_SIZE,
          frame.readableBytes() - Packets.HEADER_SIZE);
      if (exchange != null) {
        if (!exchange.finished()) {
          exchange.onPacket(payload, sequence);
        }
        return;
      }
      onHandshakeResponse(payload, sequence);
    } catch (RuntimeException e) {
      refuse(ErrorCode.HANDSHAKE_ERROR, "Bad handshake", expectedSequence);
    } finally {
      frame.release();
    }
  }

  private void onHandshakeResponse(ByteBuf payload, int sequence) {
    HandshakeResponse r = HandshakeResponse.decode(payload);
    if (r.isSslRequest()) {
      if (context.sslContext == null || tls || !Capabilities.has(r.capabilities(), Capabilities.SSL)) {
        refuse(ErrorCode.HANDSHAKE_ERROR, "Bad handshake", sequence + 1);
        return;
      }
      tls = true;
      expectedSequence = sequence + 1;
      SslHandler ssl = context.sslContext.newHandler(ctx.alloc());
      ctx.pipeline().addFirst("tls", ssl);
      ByteBuf early = ctx.pipeline().get(PacketDecoder.class).takeBuffered();
      if (early.isReadable()) {
        ctx.pipeline().fireChannelRead(early); // the TLS hello came with the SSLRequest
      } else {
        early.release();
      }
      return;
    }
    if (context.settings.frontendTls().required() && !tls) {
      refuse(ErrorCode.SECURE_TRANSPORT_REQUIRED,
          "Connections using insecure transport are prohibited while the proxy requires TLS", sequence + 1);
      return;
    }
    response = r;
    exchange = new AuthExchange(context, ctx.channel(), scramble, tls, this);
    String plugin = Capabilities.has(r.capabilities(), Capabilities.PLUGIN_AUTH) ? r.authPlugin() : "mysql_native_password";
    exchange.begin(r.user(), plugin, r.authResponse(), sequence);
  }

  @Override
  public void authenticated(UserAccount account, BackendCredentials credentials, int nextSequence) {
    int capabilities = response.capabilities() & offered;
    SessionState state = new SessionState(account.name(), response.collationId(), response.database());
    ClientSession session = new ClientSession(context, ctx.channel(), connectionId, capabilities,
        scramble, credentials, state);
    if (response.database() == null) {
      start(session, null, nextSequence);
      return;
    }
    pipelined = new ArrayList<>();
    ctx.pipeline().get(PacketDecoder.class).maxPayload(Packets.MAX_PAYLOAD);
    SchemaCheck.acquire(ctx.channel().eventLoop(), session.backends(), session.router(), context.writerRole)
        .addListener(f -> {
      if (!ctx.channel().isActive()) {
        if (f.isSuccess()) {
          session.backends().release((BackendConnection) f.getNow());
        }
        return;
      }
      if (f.isSuccess()) {
        start(session, (BackendConnection) f.getNow(), nextSequence);
      } else {
        ErrorReply reply = ErrorReply.of(f.cause(), context.writerRole.writer());
        refuse(reply.error(), reply.message(), nextSequence);
      }
    });
  }

  private void start(ClientSession session, BackendConnection backend, int okSequence) {
    loginTimer.cancel(false);
    context.loginThrottle.succeeded(clientAddress());
    context.registry.register(connectionId, session);
    ctx.pipeline().get(PacketDecoder.class).maxPayload(Packets.MAX_PAYLOAD);
    ClientLimits limits = context.settings.clientLimits();
    ctx.pipeline().addBefore(ctx.pipeline().context(PacketDecoder.class).name(), "timeouts", new IdleStateHandler(limits.readTimeout().toMillis(), 0,
        limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
    ctx.pipeline().replace(this, "session", session);
    session.started(backend);
    ctx.writeAndFlush(Packets.ok(ctx.alloc(), okSequence, ServerStatus.AUTOCOMMIT));
    connectionId = -1; // the session owns the registry slot now
    if (pipelined != null) {
      List<ByteBuf> early = pipelined;
      pipelined = null;
      ChannelHandlerContext sessionContext = ctx.pipeline().context(session);
      for (ByteBuf frame : early) {
        session.channelRead(sessionContext, frame);
      }
    }
  }

  private void releasePipelined() {
    if (pipelined != null) {
      pipelined.forEach(ByteBuf::release);
      pipelined = null;
    }
  }

  @Override
  public void denied(ErrorCode error, String message, int nextSequence) {
    if (error.equals(ErrorCode.ACCESS_DENIED)) {
      context.loginThrottle.failed(clientAddress());
    }
    refuse(error, message, nextSequence);
  }

  private InetAddress clientAddress() {
    return ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
  }

  private void refuse(ErrorCode error, String message, int sequence) {
    releasePipelined();
    log.info("client {} refused: {} {}", ctx.channel().remoteAddress(), error.code(), message);
    ctx.writeAndFlush(Packets.error(ctx.alloc(), sequence & 0xFF, error, message))
        .addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    releasePipelined();
    if (loginTimer != null) {
      loginTimer.cancel(false);
    }
    context.registry.closed(connectionId);
    connectionId = -1;
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof FrameTooLongException) {
      refuse(ErrorCode.HANDSHAKE_ERROR, "Bad handshake", expectedSequence);
      return;
    }
    log.info("client {} connection error during login: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }
}
