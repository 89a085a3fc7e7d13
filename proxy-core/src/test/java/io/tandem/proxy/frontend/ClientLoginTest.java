package io.tandem.proxy.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.tandem.proxy.auth.NativePassword;
import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.config.BackendTls;
import io.tandem.proxy.config.FrontendTls;
import io.tandem.proxy.config.ProxySettings;
import io.tandem.proxy.config.UserAccount;
import io.tandem.proxy.protocol.Capabilities;
import io.tandem.proxy.protocol.HandshakeResponse;
import io.tandem.proxy.protocol.HandshakeV10;
import io.tandem.proxy.protocol.PacketDecoder;
import io.tandem.proxy.protocol.Packets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The login phase against bad and good input, without any backend. */
class ClientLoginTest {

  private static final BackendDefinition M1 = new BackendDefinition("m1", "127.0.0.1", 1, BackendDefinition.Role.MASTER, 1);

  private static ProxyContext context(int maxConnections) {
    return context(maxConnections, FrontendTls.disabled());
  }

  private static ProxyContext context(int maxConnections, FrontendTls tls) {
    ProxySettings settings = new ProxySettings("127.0.0.1", 0, maxConnections, 1024,
        List.of(new UserAccount("app", "app", null, UserAccount.AuthPlugin.MYSQL_NATIVE_PASSWORD)),
        List.of(M1), ProxySettings.defaultPool(), tls, BackendTls.disabled(), 1);
    return new ProxyContext(settings, ServerIdentity.fallback(), null, io.tandem.proxy.route.WriterRole.byPriority(settings), io.tandem.proxy.route.MasterOnlyRouter.factory(io.tandem.proxy.route.WriterRole.byPriority(settings)), io.tandem.proxy.metrics.ProxyMetrics.NONE);
  }

  private static EmbeddedChannel channel(ProxyContext ctx) {
    return new EmbeddedChannel(new PacketDecoder(), new ClientLogin(ctx.login, new ClientSessions(ctx)));
  }

  private static HandshakeV10 greeting(EmbeddedChannel ch) {
    ByteBuf out = ch.readOutbound();
    try {
      return HandshakeV10.decode(out.skipBytes(4));
    } finally {
      out.release();
    }
  }

  /** Reads an ERR packet; returns its code. */
  private static int errorCode(EmbeddedChannel ch) {
    ByteBuf out = ch.readOutbound();
    try {
      assertThat((int) out.getUnsignedByte(4)).isEqualTo(Packets.ERR);
      return out.getUnsignedShortLE(5);
    } finally {
      out.release();
    }
  }

  private static ByteBuf frame(int sequence, byte[] payload) {
    return Packets.of(Unpooled.buffer().alloc(), sequence, payload);
  }

  @Test
  void garbageInsteadOfHandshakeResponseGetsBadHandshakeAndClose() {
    EmbeddedChannel ch = channel(context(10));
    greeting(ch);
    ch.writeInbound(frame(1, "GET / HTTP/1.1\r\n\r\n".getBytes()));
    assertThat(errorCode(ch)).isEqualTo(1043);
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void wrongSequenceIdGetsPacketsOutOfOrder() {
    EmbeddedChannel ch = channel(context(10));
    greeting(ch);
    ch.writeInbound(frame(5, new byte[40]));
    assertThat(errorCode(ch)).isEqualTo(1156);
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void tooManyConnectionsGets1040() {
    ProxyContext ctx = context(1);
    EmbeddedChannel first = channel(ctx);
    greeting(first);
    EmbeddedChannel second = channel(ctx);
    assertThat(errorCode(second)).isEqualTo(1040);
    assertThat(second.isOpen()).isFalse();
    first.close();
    EmbeddedChannel third = channel(ctx);
    assertThat(greeting(third).connectionId()).isGreaterThan(0);
    third.close();
  }

  @Test
  void wrongPasswordGets1045() {
    EmbeddedChannel ch = channel(context(10));
    HandshakeV10 g = greeting(ch);
    int caps = Capabilities.PROTOCOL_41 | Capabilities.SECURE_CONNECTION | Capabilities.PLUGIN_AUTH;
    HandshakeResponse r = new HandshakeResponse(caps, 1 << 24, 45, "app",
        NativePassword.scramble(NativePassword.stage1("wrong"), g.scramble()), null, "mysql_native_password", Map.of());
    ch.writeInbound(r.encode(ch.alloc(), 1));
    assertThat(errorCode(ch)).isEqualTo(1045);
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void unknownUserGets1045() {
    EmbeddedChannel ch = channel(context(10));
    greeting(ch);
    int caps = Capabilities.PROTOCOL_41 | Capabilities.SECURE_CONNECTION | Capabilities.PLUGIN_AUTH;
    HandshakeResponse r = new HandshakeResponse(caps, 1 << 24, 45, "nobody", new byte[20], null, "mysql_native_password", Map.of());
    ch.writeInbound(r.encode(ch.alloc(), 1));
    assertThat(errorCode(ch)).isEqualTo(1045);
  }

  @Test
  void rightPasswordWithoutSchemaGetsOkAndUnknownCommandGets1047() {
    EmbeddedChannel ch = channel(context(10));
    HandshakeV10 g = greeting(ch);
    int caps = Capabilities.PROTOCOL_41 | Capabilities.SECURE_CONNECTION | Capabilities.PLUGIN_AUTH;
    HandshakeResponse r = new HandshakeResponse(caps, 1 << 24, 45, "app",
        NativePassword.scramble(NativePassword.stage1("app"), g.scramble()), null, "mysql_native_password", Map.of());
    ch.writeInbound(r.encode(ch.alloc(), 1));
    ByteBuf ok = ch.readOutbound();
    assertThat((int) ok.getUnsignedByte(4)).isEqualTo(Packets.OK);
    assertThat(Packets.sequenceId(ok, 0)).isEqualTo(2);
    ok.release();

    ch.writeInbound(frame(0, new byte[] {(byte) 0x99}));
    assertThat(errorCode(ch)).isEqualTo(1047);
    assertThat(ch.isOpen()).isTrue();

    ch.writeInbound(frame(0, new byte[] {0x0e})); // COM_PING without a backend: answered by the proxy
    ByteBuf pong = ch.readOutbound();
    assertThat((int) pong.getUnsignedByte(4)).isEqualTo(Packets.OK);
    pong.release();

    ch.writeInbound(frame(3, new byte[] {0x03, 'x'})); // a command must start at sequence 0
    assertThat(errorCode(ch)).isEqualTo(1156);
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void oversizedCommandGets1153AndClose() {
    EmbeddedChannel ch = channel(context(10));
    HandshakeV10 g = greeting(ch);
    int caps = Capabilities.PROTOCOL_41 | Capabilities.SECURE_CONNECTION | Capabilities.PLUGIN_AUTH;
    ch.writeInbound(new HandshakeResponse(caps, 1 << 24, 45, "app",
        NativePassword.scramble(NativePassword.stage1("app"), g.scramble()), null, "mysql_native_password", Map.of())
        .encode(ch.alloc(), 1));
    ((ByteBuf) ch.readOutbound()).release();
    byte[] big = new byte[2000];
    big[0] = 0x03;
    ch.writeInbound(frame(0, big));
    assertThat(errorCode(ch)).isEqualTo(1153);
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void plainLoginWhenTlsIsRequiredGets3159() {
    EmbeddedChannel ch = channel(context(10, new FrontendTls(java.nio.file.Path.of("c.pem"), java.nio.file.Path.of("k.pem"), true)));
    HandshakeV10 g = greeting(ch);
    int caps = Capabilities.PROTOCOL_41 | Capabilities.SECURE_CONNECTION | Capabilities.PLUGIN_AUTH;
    ch.writeInbound(new HandshakeResponse(caps, 1 << 24, 45, "app",
        NativePassword.scramble(NativePassword.stage1("app"), g.scramble()), null, "mysql_native_password", Map.of())
        .encode(ch.alloc(), 1));
    assertThat(errorCode(ch)).isEqualTo(3159);
    assertThat(ch.isOpen()).isFalse();
  }
}
