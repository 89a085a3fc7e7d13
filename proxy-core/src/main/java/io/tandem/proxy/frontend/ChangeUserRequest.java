package io.tandem.proxy.frontend;

import io.netty.buffer.ByteBuf;
import io.tandem.proxy.protocol.Capabilities;
import io.tandem.proxy.protocol.Packets;

/** A decoded COM_CHANGE_USER. */
record ChangeUserRequest(String user, byte[] authResponse, String schema, int collationId, String authPlugin) {

  static ChangeUserRequest decode(ByteBuf payload, int capabilities) {
    ByteBuf p = payload.duplicate();
    p.skipBytes(1);
    String user = Packets.readNulString(p);
    byte[] auth;
    if (Capabilities.has(capabilities, Capabilities.SECURE_CONNECTION)) {
      auth = new byte[p.readUnsignedByte()];
      p.readBytes(auth);
    } else {
      auth = Packets.readNulBytes(p);
    }
    String schema = Packets.readNulByteString(p);
    int collation = 0;
    if (p.readableBytes() >= 2) {
      collation = p.readUnsignedShortLE();
    }
    String plugin = "mysql_native_password";
    if (Capabilities.has(capabilities, Capabilities.PLUGIN_AUTH) && p.isReadable()) {
      plugin = Packets.readNulString(p);
    }
    return new ChangeUserRequest(user, auth, schema.isEmpty() ? null : schema, collation & 0xFF, plugin);
  }
}
