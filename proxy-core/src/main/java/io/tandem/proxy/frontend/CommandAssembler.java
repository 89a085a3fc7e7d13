package io.tandem.proxy.frontend;

import io.netty.buffer.ByteBuf;
import io.tandem.proxy.protocol.ErrorCode;
import io.tandem.proxy.protocol.Packets;
import java.util.ArrayList;
import java.util.List;

/**
 * Joins the client's frames into commands: a payload of 16 MiB or more comes in several frames
 * (each full one followed by the next, the last shorter), numbered on from sequence id 0. A frame
 * out of sequence, or a command larger than {@code max_packet_size}, is a protocol violation: the
 * client is refused.
 */
final class CommandAssembler {

  /** What a client that breaks the framing gets: an ERR with {@code sequence}, then the connection closes. */
  interface Refusal {
    void refuse(ErrorCode error, String message, int sequence);
  }

  private final int maxPacketSize;
  private final Refusal refusal;
  /** The frames of the command coming in, or null between commands. */
  private List<ByteBuf> assembling;
  private int assembledLength;
  private int nextSequence;

  CommandAssembler(int maxPacketSize, Refusal refusal) {
    this.maxPacketSize = maxPacketSize;
    this.refusal = refusal;
  }

  /**
   * Takes a frame (owned from now on); returns the command it completes, owning its frames, or
   * null when more frames are to come or the client was refused.
   */
  ClientCommand add(ByteBuf frame) {
    int sequence = Packets.sequenceId(frame, frame.readerIndex());
    int length = Packets.payloadLength(frame, frame.readerIndex());
    if (sequence != (assembling == null ? 0 : nextSequence)) {
      frame.release();
      refusal.refuse(ErrorCode.NET_PACKETS_OUT_OF_ORDER, "Got packets out of order", sequence + 1);
      return null;
    }
    if (assembling == null && length < Packets.MAX_PAYLOAD && length <= maxPacketSize) {
      return new ClientCommand(frame, length); // the common case: a command in one frame
    }
    if (assembling == null) {
      assembling = new ArrayList<>(2);
    }
    assembling.add(frame);
    assembledLength += length;
    nextSequence = (sequence + 1) & 0xFF;
    if (assembledLength > maxPacketSize) {
      refusal.refuse(ErrorCode.NET_PACKET_TOO_LARGE, "Got a packet bigger than 'max_allowed_packet' bytes", nextSequence);
      return null;
    }
    if (length == Packets.MAX_PAYLOAD) {
      return null;
    }
    ClientCommand command = new ClientCommand(assembling, assembledLength);
    assembling = null;
    assembledLength = 0;
    return command;
  }

  /** Some frames of a multi-frame command arrived, not the last one yet. */
  boolean inProgress() {
    return assembling != null;
  }

  /** Releases the frames of a command not complete yet (the client leaves). */
  void release() {
    if (assembling != null) {
      assembling.forEach(ByteBuf::release);
      assembling = null;
    }
  }
}
