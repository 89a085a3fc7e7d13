package io.tandem.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The server's initial handshake packet (protocol version 10). The proxy encodes one for each
 * client and decodes the one each backend sends.
 *
 * @param serverVersion  version string shown to clients (the proxy mirrors its master's)
 * @param connectionId   thread id; for clients it is the proxy's own connection id
 * @param scramble       20 bytes of auth plugin data (nonce)
 * @param capabilities   capability flags the server offers
 * @param collationId    default collation (1 byte)
 * @param statusFlags    server status
 * @param authPlugin     default authentication plugin name
 */
public record HandshakeV10(
    String serverVersion,
    long connectionId,
    byte[] scramble,
    int capabilities,
    int collationId,
    int statusFlags,
    String authPlugin) {

  public ByteBuf encode(ByteBufAllocator alloc) {
    ByteBuf buf = Packets.start(alloc, 128);
    buf.writeByte(10);
    Packets.writeNulString(buf, serverVersion);
    buf.writeIntLE((int) connectionId);
    buf.writeBytes(scramble, 0, 8);
    buf.writeByte(0);
    buf.writeShortLE(capabilities & 0xFFFF);
    buf.writeByte(collationId);
    buf.writeShortLE(statusFlags);
    buf.writeShortLE(capabilities >>> 16);
    buf.writeByte(scramble.length + 1);
    buf.writeZero(10);
    buf.writeBytes(scramble, 8, scramble.length - 8);
    buf.writeByte(0);
    Packets.writeNulString(buf, authPlugin);
    return Packets.finish(buf, 0);
  }

  /** Decodes a handshake payload (after the 4-byte header). */
  public static HandshakeV10 decode(ByteBuf payload) {
    int protocol = payload.readUnsignedByte();
    if (protocol != 10) {
      throw new IllegalArgumentException("unsupported handshake protocol version " + protocol);
    }
    String version = Packets.readNulString(payload);
    long connectionId = payload.readUnsignedIntLE();
    byte[] part1 = new byte[8];
    payload.readBytes(part1);
    payload.skipBytes(1);
    int caps = payload.readUnsignedShortLE();
    int collation = payload.readUnsignedByte();
    int status = payload.readUnsignedShortLE();
    caps |= payload.readUnsignedShortLE() << 16;
    int authDataLength = payload.readUnsignedByte();
    payload.skipBytes(10);
    int part2Length = Math.max(13, authDataLength - 8);
    byte[] part2 = new byte[Math.min(part2Length, payload.readableBytes())];
    payload.readBytes(part2);
    // part 2 is NUL terminated: 12 bytes of scramble + NUL
    int scrambleLength = 8 + (part2.length > 0 && part2[part2.length - 1] == 0 ? part2.length - 1 : part2.length);
    byte[] scramble = new byte[scrambleLength];
    System.arraycopy(part1, 0, scramble, 0, 8);
    System.arraycopy(part2, 0, scramble, 8, scrambleLength - 8);
    String plugin = payload.isReadable() ? Packets.readNulString(payload) : "mysql_native_password";
    return new HandshakeV10(version, connectionId, scramble, caps, collation, status, plugin);
  }

  @Override
  public String toString() {
    return "HandshakeV10[" + serverVersion + ", id=" + connectionId + ", plugin=" + authPlugin + "]";
  }

}
