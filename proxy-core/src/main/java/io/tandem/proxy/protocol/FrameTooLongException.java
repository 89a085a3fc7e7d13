package io.tandem.proxy.protocol;

import io.netty.handler.codec.DecoderException;

/** A packet header announced more than the decoder accepts in the current phase. */
public final class FrameTooLongException extends DecoderException {

  public FrameTooLongException(int announced, int limit) {
    super("packet of " + announced + " bytes announced, at most " + limit + " accepted here");
  }
}
