package io.tandem.proxy.backend;

import io.tandem.proxy.protocol.Packets;

/** A backend could not be reached, refused the login, or broke the protocol. */
public final class BackendException extends Exception {

  private final transient Packets.ErrorInfo serverError;

  public BackendException(String message) {
    this(message, (Throwable) null);
  }

  public BackendException(String message, Throwable cause) {
    super(message, cause);
    this.serverError = null;
  }

  /** The backend answered with an ERR packet (e.g. 1049 unknown database at login). */
  public BackendException(String backend, Packets.ErrorInfo serverError) {
    super(backend + ": " + serverError);
    this.serverError = serverError;
  }

  /** The server's ERR, when there was one; the client gets it as it is. */
  public Packets.ErrorInfo serverError() {
    return serverError;
  }
}
