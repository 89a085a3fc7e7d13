package io.tandem.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.tandem.proxy.protocol.Packets;

/** Where a backend connection delivers the response to the command it is running. */
public interface ResponseSink {

  /** Raw response bytes (whole or partial packets, headers included); the sink owns them. */
  void relay(ByteBuf bytes);

  /** The backend finished a read burst: a good moment to flush. */
  default void flush() {}

  /** The response is complete. */
  void responseDone(int serverStatus, Packets.ErrorInfo error);

  /** The server asked for a LOCAL INFILE file; the request packet has been relayed. */
  default void localInfileRequested() {}

  /** The connection broke (closed, protocol violation) before the response completed. */
  void failed(Throwable cause);
}
