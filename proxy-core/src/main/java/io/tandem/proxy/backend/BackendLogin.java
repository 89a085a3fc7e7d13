package io.tandem.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.Promise;
import io.tandem.proxy.auth.CachingSha2Password;
import io.tandem.proxy.auth.NativePassword;
import io.tandem.proxy.auth.RsaKeys;
import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.protocol.Capabilities;
import io.tandem.proxy.protocol.HandshakeResponse;
import io.tandem.proxy.protocol.HandshakeV10;
import io.tandem.proxy.protocol.PacketDecoder;
import io.tandem.proxy.protocol.Packets;
import java.util.Arrays;
import java.util.Map;

/**
 * Logs a fresh backend channel in: reads the server's handshake, optionally switches to TLS,
 * answers with the credentials (mysql_native_password or caching_sha2_password, following auth
 * switches), and on OK replaces itself with the {@link ResponseFramer}.
 */
final class BackendLogin extends ChannelInboundHandlerAdapter {

  private final BackendDefinition backend;
  private final BackendCredentials credentials;
  private final PoolKey key;
  private final String schema;
  private final SslContext sslContext;
  private final Map<String, String> attributes;
  private final Promise<BackendConnection> promise;

  private HandshakeV10 greeting;
  private int capabilities;
  private int sequence;
  private String plugin;
  private byte[] nonce;
  private boolean tls;

  BackendLogin(BackendDefinition backend, BackendCredentials credentials, PoolKey key,
      String schema, SslContext sslContext, Map<String, String> attributes,
      Promise<BackendConnection> promise) {
    this.backend = backend;
    this.credentials = credentials;
    this.key = key;
    this.schema = schema;
    this.sslContext = sslContext;
    this.attributes = attributes;
    this.promise = promise;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf frame = (ByteBuf) msg;
    try {
      sequence = Packets.sequenceId(frame, 0);
      ByteBuf payload = frame.slice(Packets.HEADER_SIZE, frame.readableBytes() - Packets.HEADER_SIZE);
      if (greeting == null) {
        onGreeting(ctx, payload);
      } else {
        onAuthPacket(ctx, payload);
      }
    } catch (Exception e) {
      fail(ctx, new BackendException(backend.name() + ": login failed: " + e.getMessage(), e));
    } finally {
      frame.release();
    }
  }

  private void onGreeting(ChannelHandlerContext ctx, ByteBuf payload) {
    if (payload.getUnsignedByte(payload.readerIndex()) == Packets.ERR) {
      fail(ctx, new BackendException(backend.name(), Packets.readError(payload)));
      return;
    }
    greeting = HandshakeV10.decode(payload);
    int server = greeting.capabilities();
    int shaping = key.capabilities() & Capabilities.SESSION_SHAPING;
    if ((shaping & ~server) != 0) {
      fail(ctx, new BackendException(backend.name() + " lacks capabilities 0x"
          + Integer.toHexString(shaping & ~server) + " the client negotiated"));
      return;
    }
    capabilities = shaping | Capabilities.LONG_PASSWORD | Capabilities.PROTOCOL_41
        | Capabilities.TRANSACTIONS | Capabilities.SECURE_CONNECTION | Capabilities.PLUGIN_AUTH
        | (server & (Capabilities.PLUGIN_AUTH_LENENC_CLIENT_DATA | Capabilities.CONNECT_ATTRS));
    if (schema != null) {
      capabilities |= Capabilities.CONNECT_WITH_DB;
    }
    plugin = greeting.authPlugin();
    nonce = greeting.scramble();
    if (sslContext != null) {
      if (!Capabilities.has(server, Capabilities.SSL)) {
        fail(ctx, new BackendException(backend.name() + " does not offer TLS"));
        return;
      }
      capabilities |= Capabilities.SSL;
      HandshakeResponse sslRequest = new HandshakeResponse(capabilities, Packets.MAX_PAYLOAD,
          key.collationId(), null, null, null, null, Map.of());
      ctx.writeAndFlush(sslRequest.encode(ctx.alloc(), ++sequence));
      SslHandler ssl = sslContext.newHandler(ctx.alloc(), backend.host(), backend.port());
      ctx.pipeline().addFirst("tls", ssl);
      tls = true;
      return;
    }
    sendLogin(ctx);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof SslHandshakeCompletionEvent done) {
      if (done.isSuccess()) {
        sendLogin(ctx);
      } else {
        fail(ctx, new BackendException(backend.name() + ": TLS handshake failed: " + done.cause().getMessage(), done.cause()));
      }
    }
    ctx.fireUserEventTriggered(evt);
  }

  private void sendLogin(ChannelHandlerContext ctx) {
    if (!plugin.equals(CachingSha2Password.NAME)) {
      plugin = NativePassword.NAME;
    }
    HandshakeResponse response = new HandshakeResponse(capabilities, Packets.MAX_PAYLOAD,
        key.collationId(), credentials.user(), authResponse(), schema, plugin, attributes);
    ctx.writeAndFlush(response.encode(ctx.alloc(), ++sequence));
  }

  private byte[] authResponse() {
    if (plugin.equals(CachingSha2Password.NAME)) {
      if (!credentials.hasPassword()) {
        throw new IllegalStateException("caching_sha2_password backend needs the cleartext password of "
            + credentials.user());
      }
      return CachingSha2Password.scramble(credentials.password(), nonce);
    }
    byte[] stage1 = credentials.hasPassword()
        ? (credentials.password().isEmpty() ? null : NativePassword.stage1(credentials.password()))
        : credentials.nativeStage1();
    return NativePassword.scramble(stage1, nonce);
  }

  private void onAuthPacket(ChannelHandlerContext ctx, ByteBuf payload) throws Exception {
    int first = payload.getUnsignedByte(payload.readerIndex());
    switch (first) {
      case Packets.OK -> succeed(ctx);
      case Packets.ERR -> fail(ctx, new BackendException(backend.name(), Packets.readError(payload)));
      case Packets.EOF -> {
        payload.skipBytes(1);
        plugin = Packets.readNulString(payload);
        byte[] data = Packets.readNulBytes(payload);
        nonce = data.length > 20 ? Arrays.copyOf(data, 20) : data;
        if (!plugin.equals(NativePassword.NAME) && !plugin.equals(CachingSha2Password.NAME)) {
          fail(ctx, new BackendException(backend.name() + ": unsupported auth plugin " + plugin));
          return;
        }
        ctx.writeAndFlush(Packets.of(ctx.alloc(), ++sequence, authResponse()));
      }
      case 0x01 -> {
        payload.skipBytes(1);
        if (payload.readableBytes() == 1) {
          int step = payload.readUnsignedByte();
          if (step == CachingSha2Password.PERFORM_FULL_AUTHENTICATION) {
            if (tls) {
              ctx.writeAndFlush(Packets.of(ctx.alloc(), ++sequence,
                  CachingSha2Password.cleartext(credentials.password())));
            } else {
              ctx.writeAndFlush(Packets.of(ctx.alloc(), ++sequence,
                  new byte[] {CachingSha2Password.REQUEST_PUBLIC_KEY}));
            }
          }
          // FAST_AUTH_SUCCESS: the OK follows
        } else {
          byte[] pem = new byte[payload.readableBytes()];
          payload.readBytes(pem);
          ctx.writeAndFlush(Packets.of(ctx.alloc(), ++sequence,
              RsaKeys.encryptPassword(credentials.password(), nonce, pem)));
        }
      }
      default -> fail(ctx, new BackendException(backend.name() + ": unexpected login packet 0x" + Integer.toHexString(first)));
    }
  }

  private void succeed(ChannelHandlerContext ctx) {
    BackendConnection connection = new BackendConnection(ctx.channel(), backend, key,
        greeting.connectionId(), greeting.serverVersion(), schema);
    ctx.pipeline().replace(this, "relay", new ResponseFramer(connection));
    ctx.pipeline().remove(PacketDecoder.class); // anything it still holds goes on to the relay
    if (ctx.pipeline().get(TrafficMeter.class) != null) {
      ctx.pipeline().remove(TrafficMeter.class); // from now on the connection counts its own traffic
    }
    if (!promise.trySuccess(connection)) {
      connection.close();
    }
  }

  private void fail(ChannelHandlerContext ctx, Throwable cause) {
    promise.tryFailure(cause);
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    promise.tryFailure(new BackendException(backend.name() + ": connection closed during login"));
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    fail(ctx, new BackendException(backend.name() + ": " + cause.getMessage(), cause));
  }
}
