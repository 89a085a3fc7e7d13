package io.tandem.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * Primitive encodings of the MySQL protocol: the 4-byte packet header, length-encoded integers
 * and strings, NUL-terminated strings, and the generic OK and ERR packets.
 */
public final class Packets {

  /** Length of the packet header: 3 bytes payload length, 1 byte sequence id. */
  public static final int HEADER_SIZE = 4;
  /** Largest payload of one physical packet; a payload of exactly this size continues. */
  public static final int MAX_PAYLOAD = 0xFFFFFF;

  public static final int OK = 0x00;
  public static final int EOF = 0xFE;
  public static final int ERR = 0xFF;
  public static final int LOCAL_INFILE = 0xFB;

  private Packets() {}

  public static int payloadLength(ByteBuf frame, int frameStart) {
    return frame.getUnsignedMediumLE(frameStart);
  }

  public static int sequenceId(ByteBuf frame, int frameStart) {
    return frame.getUnsignedByte(frameStart + 3);
  }

  /** Starts a packet: reserves the header, to be completed by {@link #finish}. */
  public static ByteBuf start(ByteBufAllocator alloc, int sizeHint) {
    ByteBuf buf = alloc.buffer(HEADER_SIZE + sizeHint);
    buf.writeZero(HEADER_SIZE);
    return buf;
  }

  /** Writes the header of a packet begun with {@link #start}; the payload must be < 16 MiB. */
  public static ByteBuf finish(ByteBuf buf, int sequenceId) {
    int length = buf.writerIndex() - HEADER_SIZE;
    if (length >= MAX_PAYLOAD) {
      throw new IllegalArgumentException("payload too large for one packet: " + length);
    }
    buf.setMediumLE(0, length);
    buf.setByte(3, sequenceId);
    return buf;
  }

  public static long readLenencInt(ByteBuf buf) {
    int first = buf.readUnsignedByte();
    if (first < 0xFB) {
      return first;
    }
    return switch (first) {
      case 0xFC -> buf.readUnsignedShortLE();
      case 0xFD -> buf.readUnsignedMediumLE();
      case 0xFE -> buf.readLongLE();
      default -> throw new IllegalArgumentException("not a length-encoded integer: 0x" + Integer.toHexString(first));
    };
  }

  /** Reads a length-encoded integer at an absolute index, without moving the reader index. */
  public static long getLenencInt(ByteBuf buf, int index) {
    int first = buf.getUnsignedByte(index);
    if (first < 0xFB) {
      return first;
    }
    return switch (first) {
      case 0xFC -> buf.getUnsignedShortLE(index + 1);
      case 0xFD -> buf.getUnsignedMediumLE(index + 1);
      case 0xFE -> buf.getLongLE(index + 1);
      default -> -1;
    };
  }

  /** Size in bytes of the length-encoded integer starting at {@code index}. */
  public static int lenencIntSize(ByteBuf buf, int index) {
    int first = buf.getUnsignedByte(index);
    return switch (first) {
      case 0xFC -> 3;
      case 0xFD -> 4;
      case 0xFE -> 9;
      default -> 1;
    };
  }

  public static void writeLenencInt(ByteBuf buf, long value) {
    if (value < 0xFB) {
      buf.writeByte((int) value);
    } else if (value < 1 << 16) {
      buf.writeByte(0xFC).writeShortLE((int) value);
    } else if (value < 1 << 24) {
      buf.writeByte(0xFD).writeMediumLE((int) value);
    } else {
      buf.writeByte(0xFE).writeLongLE(value);
    }
  }

  public static void writeLenencBytes(ByteBuf buf, byte[] bytes) {
    writeLenencInt(buf, bytes.length);
    buf.writeBytes(bytes);
  }

  public static byte[] readLenencBytes(ByteBuf buf) {
    long length = readLenencInt(buf);
    if (length > buf.readableBytes()) {
      throw new IllegalArgumentException("length-encoded string longer than the packet");
    }
    byte[] bytes = new byte[(int) length];
    buf.readBytes(bytes);
    return bytes;
  }

  public static void writeNulString(ByteBuf buf, String s) {
    buf.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    buf.writeByte(0);
  }

  /** Reads up to the next NUL (consumed) or to the end of the buffer. */
  public static String readNulString(ByteBuf buf) {
    return new String(readNulBytes(buf), StandardCharsets.UTF_8);
  }

  /**
   * Reads up to the next NUL as a byte string (each byte one char, ISO-8859-1): a schema name kept
   * as the client sent it, in whatever character set, and written back as the same bytes.
   */
  public static String readNulByteString(ByteBuf buf) {
    return new String(readNulBytes(buf), StandardCharsets.ISO_8859_1);
  }

  /** Writes a byte string ({@link #readNulByteString}) and a NUL. */
  public static void writeNulByteString(ByteBuf buf, String s) {
    buf.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
    buf.writeByte(0);
  }

  public static byte[] readNulBytes(ByteBuf buf) {
    int end = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) 0);
    int length = (end < 0 ? buf.writerIndex() : end) - buf.readerIndex();
    byte[] bytes = new byte[length];
    buf.readBytes(bytes);
    if (end >= 0) {
      buf.skipBytes(1);
    }
    return bytes;
  }

  public static String readRestString(ByteBuf buf) {
    String s = buf.toString(buf.readerIndex(), buf.readableBytes(), StandardCharsets.UTF_8);
    buf.skipBytes(buf.readableBytes());
    return s;
  }

  /** An ERR packet with SQLSTATE marker (CLIENT_PROTOCOL_41 is always negotiated). */
  public static ByteBuf error(ByteBufAllocator alloc, int sequenceId, ErrorCode error, String message) {
    byte[] msg = message.getBytes(StandardCharsets.UTF_8);
    ByteBuf buf = start(alloc, 9 + msg.length);
    buf.writeByte(ERR);
    buf.writeShortLE(error.code());
    buf.writeByte('#');
    buf.writeBytes(error.sqlState().getBytes(StandardCharsets.US_ASCII), 0, 5);
    buf.writeBytes(msg);
    return finish(buf, sequenceId);
  }

  /** A plain OK packet: no rows affected, no insert id, the given status, no warnings. */
  public static ByteBuf ok(ByteBufAllocator alloc, int sequenceId, int serverStatus) {
    ByteBuf buf = start(alloc, 7);
    buf.writeByte(OK);
    buf.writeByte(0);
    buf.writeByte(0);
    buf.writeShortLE(serverStatus);
    buf.writeShortLE(0);
    return finish(buf, sequenceId);
  }

  /**
   * An OK packet with {@code affectedRows} and a human-readable {@code info} (what the mysql client
   * prints after "Query OK"), the given status, no warnings.
   */
  public static ByteBuf ok(ByteBufAllocator alloc, int sequenceId, int serverStatus, long affectedRows, String info) {
    byte[] text = info.getBytes(StandardCharsets.UTF_8);
    ByteBuf buf = start(alloc, 16 + text.length);
    buf.writeByte(OK);
    writeLenencInt(buf, affectedRows);
    buf.writeByte(0);
    buf.writeShortLE(serverStatus);
    buf.writeShortLE(0);
    writeLenencBytes(buf, text); // as servers send it: clients read a length-prefixed info
    return finish(buf, sequenceId);
  }

  /** The OK packet that ends a result set when CLIENT_DEPRECATE_EOF is on (header 0xFE). */
  public static ByteBuf eofOk(ByteBufAllocator alloc, int sequenceId, int serverStatus) {
    ByteBuf buf = ok(alloc, sequenceId, serverStatus);
    buf.setByte(HEADER_SIZE, EOF);
    return buf;
  }

  /** A classic EOF packet. */
  public static ByteBuf eof(ByteBufAllocator alloc, int sequenceId, int serverStatus) {
    ByteBuf buf = start(alloc, 5);
    buf.writeByte(EOF);
    buf.writeShortLE(0);
    buf.writeShortLE(serverStatus);
    return finish(buf, sequenceId);
  }

  /** A packet whose payload is the given bytes. */
  public static ByteBuf of(ByteBufAllocator alloc, int sequenceId, byte[] payload) {
    ByteBuf buf = start(alloc, payload.length);
    buf.writeBytes(payload);
    return finish(buf, sequenceId);
  }

  /** Decodes an ERR payload (starting at its 0xFF byte) to "code (state): message". */
  public static ErrorInfo readError(ByteBuf payload) {
    payload.skipBytes(1);
    int code = payload.readUnsignedShortLE();
    String state = "HY000";
    if (payload.isReadable() && payload.getByte(payload.readerIndex()) == '#') {
      payload.skipBytes(1);
      state = payload.readCharSequence(5, StandardCharsets.US_ASCII).toString();
    }
    return new ErrorInfo(new ErrorCode(code, state), readRestString(payload));
  }

  /** A decoded ERR packet. */
  public record ErrorInfo(ErrorCode error, String message) {
    @Override
    public String toString() {
      return error.code() + " (" + error.sqlState() + "): " + message;
    }
  }
}
