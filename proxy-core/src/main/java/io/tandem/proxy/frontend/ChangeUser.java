package io.tandem.proxy.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.tandem.proxy.backend.BackendConnection;
import io.tandem.proxy.backend.BackendCredentials;
import io.tandem.proxy.config.UserAccount;
import io.tandem.proxy.protocol.ErrorCode;
import io.tandem.proxy.protocol.Packets;
import io.tandem.proxy.session.SessionState;

/**
 * One COM_CHANGE_USER: the proxy authenticates the client again ({@link AuthExchange}, which may
 * take further packets), then the session starts afresh as the new user — with a connection to
 * the writer in the new schema when the request names one, so that an unknown schema gets the
 * server's error. A client that fails to authenticate gets the error and is disconnected.
 */
final class ChangeUser implements AuthExchange.Outcome {

  private final ClientSession session;
  private final ProxyContext context;
  private final ChangeUserRequest request;
  private final AuthExchange exchange;

  ChangeUser(ClientSession session, ProxyContext context, byte[] scramble, ChangeUserRequest request) {
    this.session = session;
    this.context = context;
    this.request = request;
    Channel client = session.channel();
    this.exchange = new AuthExchange(context.login, client, scramble, client.pipeline().get("tls") != null, this);
  }

  /** Answers the request's authentication data. */
  void begin() {
    exchange.begin(request.user(), request.authPlugin(), request.authResponse(), 0);
  }

  /** A further packet of the exchange (the frame is released here). */
  void onFrame(ByteBuf frame) {
    try {
      int sequence = Packets.sequenceId(frame, frame.readerIndex());
      ByteBuf payload = frame.slice(frame.readerIndex() + Packets.HEADER_SIZE,
          frame.readableBytes() - Packets.HEADER_SIZE);
      exchange.onPacket(payload, sequence);
    } finally {
      frame.release();
    }
  }

  @Override
  public void authenticated(UserAccount account, BackendCredentials credentials, int nextSequence) {
    SessionState state = session.userChanged(account.name(), credentials, request.collationId(), request.schema());
    Channel client = session.channel();
    if (request.schema() == null) {
      client.writeAndFlush(Packets.ok(client.alloc(), nextSequence, state.serverStatus()));
      session.finishCommand();
      return;
    }
    SessionBackends backends = session.backends();
    SchemaCheck.acquire(client.eventLoop(), backends, session.router(), context.writerRole).addListener(f -> {
      if (session.closing()) {
        if (f.isSuccess()) {
          backends.release((BackendConnection) f.getNow()); // the client left meanwhile
        }
        return;
      }
      if (f.isSuccess()) {
        backends.adopt((BackendConnection) f.getNow());
        client.writeAndFlush(Packets.ok(client.alloc(), nextSequence, state.serverStatus()));
      } else {
        ErrorReply reply = ErrorReply.of(f.cause(), context.writerRole.writer());
        client.writeAndFlush(Packets.error(client.alloc(), nextSequence, reply.error(), reply.message()));
      }
      session.finishCommand();
    });
  }

  @Override
  public void denied(ErrorCode error, String message, int nextSequence) {
    session.changeUserDenied(error, message, nextSequence);
  }
}
