package io.tandem.proxy.frontend;

import io.netty.buffer.Unpooled;
import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.protocol.Capabilities;
import io.tandem.proxy.protocol.HandshakeV10;
import io.tandem.proxy.protocol.Packets;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

/**
 * What the proxy presents itself as in its handshake: the master's version string, collation and
 * the capabilities both the proxy and the master support. Read once at start-up from the
 * master's greeting (no login); if the master cannot be reached, a conservative default is used
 * and capabilities the backend may lack (DEPRECATE_EOF, SESSION_TRACK) are not offered.
 */
public record ServerIdentity(String version, int capabilities, int collationId) {

  /** utf8mb4_general_ci */
  private static final int DEFAULT_COLLATION = 45;

  public static ServerIdentity fallback() {
    return new ServerIdentity("5.7.99-tandem",
        Capabilities.PROXY_OFFERED & ~(Capabilities.DEPRECATE_EOF | Capabilities.SESSION_TRACK),
        DEFAULT_COLLATION);
  }

  /** Reads the greeting of {@code backend} with a plain blocking socket (start-up only). */
  public static ServerIdentity probe(BackendDefinition backend, Duration timeout) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(backend.host(), backend.port()), (int) timeout.toMillis());
      socket.setSoTimeout((int) timeout.toMillis());
      DataInputStream in = new DataInputStream(socket.getInputStream());
      byte[] header = new byte[Packets.HEADER_SIZE];
      in.readFully(header);
      int length = (header[0] & 0xFF) | (header[1] & 0xFF) << 8 | (header[2] & 0xFF) << 16;
      byte[] payload = new byte[length];
      in.readFully(payload);
      if ((payload[0] & 0xFF) == Packets.ERR) {
        throw new IOException(Packets.readError(Unpooled.wrappedBuffer(payload)).toString());
      }
      HandshakeV10 greeting = HandshakeV10.decode(Unpooled.wrappedBuffer(payload));
      return new ServerIdentity(greeting.serverVersion(),
          Capabilities.PROXY_OFFERED & (greeting.capabilities() | ~Capabilities.SESSION_SHAPING),
          greeting.collationId());
    }
  }
}
