package io.tandem.proxy.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.tandem.proxy.auth.Scramble;
import io.tandem.proxy.backend.BackendCredentials;
import io.tandem.proxy.config.UserAccount;
import io.tandem.proxy.metrics.ProxyMetrics;
import io.tandem.proxy.protocol.Capabilities;
import io.tandem.proxy.protocol.ErrorCode;
import io.tandem.proxy.protocol.FrameTooLongException;
import io.tandem.proxy.protocol.HandshakeResponse;
import io.tandem.proxy.protocol.HandshakeV10;
import io.tandem.proxy.protocol.PacketDecoder;
import io.tandem.proxy.protocol.Packets;
import io.tandem.proxy.protocol.ServerStatus;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection phase of a client on one listener: greeting, optional switch to TLS,
 * authentication by the proxy itself, then the listener's {@link SessionOpener} makes the handler
 * of the client's commands (on the client listener a {@link ClientSession}, after a first backend
 * connection in the schema the client named, so an unknown schema is refused with the server's
 * own 1049) and the channel's handler becomes it. Commands the client sends before the OK are
 * kept for the session.
 */
public final class ClientLogin extends ChannelInboundHandlerAdapter implements AuthExchange.Outcome {

  private static final Logger log = LoggerFactory.getLogger(ClientLogin.class);
  /** Largest packet accepted before authentication (handshake response, auth data). */
  public static final int MAX_LOGIN_PACKET = 64 * 1024;

  private final LoginContext context;
  private final SessionOpener opener;
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

  public ClientLogin(LoginContext context, SessionOpener opener) {
    this.context = context;
    this.opener = opener;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    InetAddress address = clientAddress();
    if (context.throttle.blocked(address)) {
      context.metrics.clientRefused(ProxyMetrics.Refusal.HOST_BLOCKED);
      ctx.writeAndFlush(Packets.error(ctx.alloc(), 0, ErrorCode.HOST_IS_BLOCKED, "Host '"
          + address.getHostAddress() + "' is blocked because of many failed logins"))
          .addListener(ChannelFutureListener.CLOSE);
      return;
    }
    Duration timeout = context.limits().loginTimeout();
    loginTimer = ctx.executor().schedule(() -> {
      log.debug("client {}: no login within {} ms; closing", ctx.channel().remoteAddress(), timeout.toMillis());
      context.metrics.clientRefused(ProxyMetrics.Refusal.LOGIN_TIMEOUT);
      refuse(ErrorCode.NET_READ_INTERRUPTED, "Got timeout reading communication packets", expectedSequence);
    }, timeout.toMillis(), TimeUnit.MILLISECONDS);
    connectionId = context.registry.open();
    if (connectionId < 0) {
      context.metrics.clientRefused(ProxyMetrics.Refusal.MAX_CONNECTIONS);
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
      context.metrics.clientRefused(ProxyMetrics.Refusal.BAD_HANDSHAKE);
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
    if (context.tlsRequired && !tls) {
      context.metrics.clientRefused(ProxyMetrics.Refusal.TLS_REQUIRED);
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
    pipelined = new ArrayList<>();
    ctx.pipeline().get(PacketDecoder.class).maxPayload(Packets.MAX_PAYLOAD);
    SessionOpener.Client client = new SessionOpener.Client(ctx.channel(), connectionId, capabilities, scramble,
        account, credentials, response.collationId(), response.database(), context.registry);
    opener.open(client).addListener(f -> {
      SessionOpener.Session session = (SessionOpener.Session) f.getNow();
      if (!ctx.channel().isActive()) {
        if (session != null) {
          session.abandoned();
        }
        return;
      }
      if (f.isSuccess()) {
        start(session, nextSequence);
      } else if (f.cause() instanceof LoginRefused r) {
        context.metrics.clientRefused(r.reason());
        refuse(r.error(), r.getMessage(), nextSequence);
      } else {
        context.metrics.clientRefused(ProxyMetrics.Refusal.NO_BACKEND);
        refuse(ErrorCode.HANDSHAKE_ERROR, "Bad handshake: " + f.cause().getMessage(), nextSequence);
      }
    });
  }

  private void start(SessionOpener.Session session, int okSequence) {
    loginTimer.cancel(false);
    context.throttle.succeeded(clientAddress());
    context.metrics.clientAccepted();
    ctx.pipeline().replace(this, "session", session);
    session.started(context.limits());
    ctx.writeAndFlush(Packets.ok(ctx.alloc(), okSequence, ServerStatus.AUTOCOMMIT));
    connectionId = -1; // the session owns the registry slot now
    List<ByteBuf> early = pipelined;
    pipelined = null;
    ChannelHandlerContext sessionContext = ctx.pipeline().context(session);
    for (ByteBuf frame : early) {
      try {
        session.channelRead(sessionContext, frame);
      } catch (Exception e) {
        sessionContext.fireExceptionCaught(e);
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
      context.throttle.failed(clientAddress());
      context.metrics.clientRefused(ProxyMetrics.Refusal.ACCESS_DENIED);
    } else {
      context.metrics.clientRefused(ProxyMetrics.Refusal.BAD_HANDSHAKE);
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
      context.metrics.clientRefused(ProxyMetrics.Refusal.BAD_HANDSHAKE);
      refuse(ErrorCode.HANDSHAKE_ERROR, "Bad handshake", expectedSequence);
      return;
    }
    log.info("client {} connection error during login: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }
}
