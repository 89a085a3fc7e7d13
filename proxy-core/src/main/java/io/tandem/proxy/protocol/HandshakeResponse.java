package io.tandem.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The client's HandshakeResponse41 (or, when only 32 bytes long, an SSLRequest). The proxy
 * decodes the one each client sends and encodes one to log into each backend.
 *
 * @param capabilities   flags the client asks for
 * @param maxPacketSize  client's max packet size
 * @param collationId    client's character set / collation
 * @param user           user name (empty for an SSLRequest)
 * @param authResponse   auth plugin response
 * @param database       initial schema or null, as a byte string (ISO-8859-1: the client's bytes)
 * @param authPlugin     plugin the response was computed with, or null
 * @param attributes     connection attributes (empty when none)
 */
public record HandshakeResponse(
    int capabilities,
    int maxPacketSize,
    int collationId,
    String user,
    byte[] authResponse,
    String database,
    String authPlugin,
    Map<String, String> attributes) {

  /** Payload length of an SSLRequest: capabilities, max packet, collation, 23 filler bytes. */
  public static final int SSL_REQUEST_LENGTH = 32;

  public boolean isSslRequest() {
    return user == null;
  }

  /** Decodes a payload; an SSLRequest comes back with a null user. */
  public static HandshakeResponse decode(ByteBuf payload) {
    int caps = payload.readIntLE();
    if (!Capabilities.has(caps, Capabilities.PROTOCOL_41)) {
      throw new IllegalArgumentException("client does not speak protocol 4.1");
    }
    int maxPacket = payload.readIntLE();
    int collation = payload.readUnsignedByte();
    payload.skipBytes(23);
    if (!payload.isReadable()) {
      return new HandshakeResponse(caps, maxPacket, collation, null, new byte[0], null, null, Map.of());
    }
    String user = Packets.readNulString(payload);
    byte[] auth;
    if (Capabilities.has(caps, Capabilities.PLUGIN_AUTH_LENENC_CLIENT_DATA)) {
      auth = Packets.readLenencBytes(payload);
    } else if (Capabilities.has(caps, Capabilities.SECURE_CONNECTION)) {
      auth = new byte[payload.readUnsignedByte()];
      payload.readBytes(auth);
    } else {
      auth = Packets.readNulBytes(payload);
    }
    String database = null;
    if (Capabilities.has(caps, Capabilities.CONNECT_WITH_DB) && payload.isReadable()) {
      database = Packets.readNulByteString(payload);
      if (database.isEmpty()) {
        database = null;
      }
    }
    String plugin = null;
    if (Capabilities.has(caps, Capabilities.PLUGIN_AUTH) && payload.isReadable()) {
      plugin = Packets.readNulString(payload);
    }
    Map<String, String> attrs = Map.of();
    if (Capabilities.has(caps, Capabilities.CONNECT_ATTRS) && payload.isReadable()) {
      attrs = readAttributes(payload);
    }
    return new HandshakeResponse(caps, maxPacket, collation, user, auth, database, plugin, attrs);
  }

  private static Map<String, String> readAttributes(ByteBuf payload) {
    long length = Packets.readLenencInt(payload);
    if (length > payload.readableBytes()) {
      throw new IllegalArgumentException("connection attributes longer than the packet");
    }
    ByteBuf attrs = payload.readSlice((int) length);
    Map<String, String> map = new LinkedHashMap<>();
    while (attrs.isReadable()) {
      String key = new String(Packets.readLenencBytes(attrs), StandardCharsets.UTF_8);
      String value = new String(Packets.readLenencBytes(attrs), StandardCharsets.UTF_8);
      map.put(key, value);
    }
    return map;
  }

  /** Encodes this response as a packet with the given sequence id. */
  public ByteBuf encode(ByteBufAllocator alloc, int sequenceId) {
    ByteBuf buf = Packets.start(alloc, 128);
    buf.writeIntLE(capabilities);
    buf.writeIntLE(maxPacketSize);
    buf.writeByte(collationId);
    buf.writeZero(23);
    if (user == null) {
      return Packets.finish(buf, sequenceId);
    }
    Packets.writeNulString(buf, user);
    if (Capabilities.has(capabilities, Capabilities.PLUGIN_AUTH_LENENC_CLIENT_DATA)) {
      Packets.writeLenencBytes(buf, authResponse);
    } else {
      buf.writeByte(authResponse.length);
      buf.writeBytes(authResponse);
    }
    if (Capabilities.has(capabilities, Capabilities.CONNECT_WITH_DB)) {
      Packets.writeNulByteString(buf, database == null ? "" : database);
    }
    if (Capabilities.has(capabilities, Capabilities.PLUGIN_AUTH)) {
      Packets.writeNulString(buf, authPlugin == null ? "" : authPlugin);
    }
    if (Capabilities.has(capabilities, Capabilities.CONNECT_ATTRS)) {
      ByteBuf attrs = alloc.buffer();
      try {
        for (Map.Entry<String, String> e : attributes.entrySet()) {
          Packets.writeLenencBytes(attrs, e.getKey().getBytes(StandardCharsets.UTF_8));
          Packets.writeLenencBytes(attrs, e.getValue().getBytes(StandardCharsets.UTF_8));
        }
        Packets.writeLenencInt(buf, attrs.readableBytes());
        buf.writeBytes(attrs);
      } finally {
        attrs.release();
      }
    }
    return Packets.finish(buf, sequenceId);
  }
}
