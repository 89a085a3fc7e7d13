package io.tandem.proxy.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HandshakeTest {

  @Test
  void greetingRoundTrip() {
    byte[] scramble = "abcdefghijklmnopqrst".getBytes();
    HandshakeV10 h = new HandshakeV10("11.4.5-MariaDB-log", 42, scramble, Capabilities.PROXY_OFFERED, 45, 2,
        "mysql_native_password");
    ByteBuf buf = h.encode(ByteBufAllocator.DEFAULT);
    try {
      assertThat(Packets.sequenceId(buf, 0)).isZero();
      assertThat(Packets.payloadLength(buf, 0)).isEqualTo(buf.readableBytes() - 4);
      HandshakeV10 back = HandshakeV10.decode(buf.skipBytes(4));
      assertThat(back.serverVersion()).isEqualTo("11.4.5-MariaDB-log");
      assertThat(back.connectionId()).isEqualTo(42);
      assertThat(back.scramble()).isEqualTo(scramble);
      assertThat(back.capabilities()).isEqualTo(Capabilities.PROXY_OFFERED);
      assertThat(back.authPlugin()).isEqualTo("mysql_native_password");
    } finally {
      buf.release();
    }
  }

  @Test
  void responseRoundTripWithAttributesAndSchema() {
    int caps = Capabilities.PROTOCOL_41 | Capabilities.SECURE_CONNECTION | Capabilities.PLUGIN_AUTH
        | Capabilities.CONNECT_WITH_DB | Capabilities.CONNECT_ATTRS | Capabilities.PLUGIN_AUTH_LENENC_CLIENT_DATA;
    HandshakeResponse r = new HandshakeResponse(caps, 1 << 24, 45, "app", new byte[] {1, 2, 3}, "app",
        "mysql_native_password", Map.of("_client_name", "test"));
    ByteBuf buf = r.encode(ByteBufAllocator.DEFAULT, 1);
    try {
      HandshakeResponse back = HandshakeResponse.decode(buf.skipBytes(4));
      assertThat(back.user()).isEqualTo("app");
      assertThat(back.authResponse()).containsExactly(1, 2, 3);
      assertThat(back.database()).isEqualTo("app");
      assertThat(back.attributes()).containsEntry("_client_name", "test");
      assertThat(back.isSslRequest()).isFalse();
    } finally {
      buf.release();
    }
  }

  @Test
  void sslRequestIsRecognized() {
    ByteBuf buf = Unpooled.buffer();
    buf.writeIntLE(Capabilities.PROTOCOL_41 | Capabilities.SSL).writeIntLE(0).writeByte(45).writeZero(23);
    assertThat(HandshakeResponse.decode(buf).isSslRequest()).isTrue();
  }

  @Test
  void pre41ClientIsRejected() {
    ByteBuf buf = Unpooled.buffer();
    buf.writeIntLE(0).writeIntLE(0).writeByte(45).writeZero(23);
    assertThatThrownBy(() -> HandshakeResponse.decode(buf)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void lenencIntegers() {
    ByteBuf buf = Unpooled.buffer();
    long[] values = {0, 250, 251, 65535, 65536, (1 << 24) - 1, 1 << 24, Long.MAX_VALUE};
    for (long v : values) {
      Packets.writeLenencInt(buf, v);
    }
    for (long v : values) {
      assertThat(Packets.readLenencInt(buf)).isEqualTo(v);
    }
  }
}
