package io.tandem.proxy.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.tandem.proxy.protocol.Packets;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One command from the client: its physical frames (headers included, one frame unless the
 * payload is 16 MiB or more), owned by this object until they are forwarded or released. The
 * common single-frame command keeps its frame in a field, without a list.
 */
final class ClientCommand {

  /** The first (usually the only) frame, or null once handed over or released. */
  private ByteBuf first;
  /** All the frames of a command of 16 MiB or more (the first one included), else null. */
  private List<ByteBuf> frames;
  private final int code;
  private int length;

  /** A command that came in one frame (owned from now on) of {@code length} payload bytes. */
  ClientCommand(ByteBuf frame, int length) {
    this.first = frame;
    this.length = length;
    this.code = length == 0 ? -1 : frame.getUnsignedByte(frame.readerIndex() + Packets.HEADER_SIZE);
  }

  /** A command in {@code frames} (owned from now on; at least one) of {@code length} payload bytes in all. */
  ClientCommand(List<ByteBuf> frames, int length) {
    this(frames.get(0), length);
    this.frames = frames.size() > 1 ? frames : null;
  }

  /** The command byte, or -1 for an empty packet. */
  int code() {
    return code;
  }

  /** Payload length over all frames. */
  int length() {
    return length;
  }

  /** The payload byte at {@code index} (0 is the command byte), within the first frame. */
  int byteAt(int index) {
    return first.getUnsignedByte(first.readerIndex() + Packets.HEADER_SIZE + index);
  }

  /**
   * Whether the argument starts with {@code word} (upper-case ASCII; matched in any case) followed
   * by a blank, {@code `} or {@code @}.
   */
  boolean startsWithWord(String word) {
    if (length < word.length() + 2) {
      return false;
    }
    for (int i = 0; i < word.length(); i++) {
      if ((byteAt(1 + i) & 0xDF) != word.charAt(i)) {
        return false;
      }
    }
    int next = byteAt(1 + word.length());
    return next == ' ' || next == '\t' || next == '\n' || next == '\r' || next == '`' || next == '@';
  }

  /** Whether the single frame's argument contains {@code word} (lower-case ASCII; matched in any case). */
  boolean containsWord(String word) {
    if (frames != null || length < word.length() + 1) {
      return false;
    }
    int start = first.readerIndex() + Packets.HEADER_SIZE + 1;
    int last = first.readerIndex() + Packets.HEADER_SIZE + length - word.length();
    char w0 = word.charAt(0);
    for (int i = start; i <= last; i++) {
      if (lowerAscii(first.getByte(i)) == w0) {
        int j = 1;
        while (j < word.length() && lowerAscii(first.getByte(i + j)) == word.charAt(j)) {
          j++;
        }
        if (j == word.length()) {
          return true;
        }
      }
    }
    return false;
  }

  private static int lowerAscii(byte b) {
    return b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b;
  }

  /** The first frame, header included (a view owned by the command). */
  ByteBuf firstFrame() {
    return first;
  }

  /** How many physical frames the command came in. */
  int frameCount() {
    return frames == null ? 1 : frames.size();
  }

  /** Replaces the (only) frame by {@code frame}, releasing the old one; the command owns the new one. */
  void replaceOnlyFrame(ByteBuf frame) {
    first.release();
    first = frame;
    length = Packets.payloadLength(frame, frame.readerIndex());
  }

  /** The first frame's payload (a view; valid while the command owns its frames). */
  ByteBuf firstPayload() {
    return first.slice(first.readerIndex() + Packets.HEADER_SIZE, first.readableBytes() - Packets.HEADER_SIZE);
  }

  /** The argument after the command byte, decoded as UTF-8 (joins frames when needed). */
  String text() {
    return argument(StandardCharsets.UTF_8);
  }

  /**
   * The argument as a byte string (each byte one char, ISO-8859-1), whatever character set the
   * client writes in: what the session's state keeps and replays, and what is rewritten and
   * encoded back, byte for byte.
   */
  String byteText() {
    return argument(StandardCharsets.ISO_8859_1);
  }

  /** A byte string ({@link #byteText()}) shown as UTF-8, for operators. */
  static String asUtf8(String byteString) {
    return new String(byteString.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
  }

  private String argument(Charset charset) {
    if (frames == null) {
      return first.toString(first.readerIndex() + Packets.HEADER_SIZE + 1, length - 1, charset);
    }
    ByteBuf joined = Unpooled.buffer(length);
    for (ByteBuf f : frames) {
      joined.writeBytes(f, f.readerIndex() + Packets.HEADER_SIZE, f.readableBytes() - Packets.HEADER_SIZE);
    }
    return joined.toString(1, length - 1, charset);
  }

  /** Hands the frames over (to a backend connection); this command no longer owns them. */
  List<ByteBuf> takeFrames() {
    List<ByteBuf> out = frames != null ? frames : List.of(first);
    first = null;
    frames = null;
    return out;
  }

  /** Hands the only frame over (a single-frame command); this command no longer owns it. */
  ByteBuf takeOnlyFrame() {
    if (frames != null) {
      throw new IllegalStateException("a command of " + frameCount() + " frames");
    }
    ByteBuf out = first;
    first = null;
    return out;
  }

  void release() {
    if (frames != null) {
      frames.forEach(ByteBuf::release);
    } else if (first != null) {
      first.release();
    }
    first = null;
    frames = null;
  }
}
