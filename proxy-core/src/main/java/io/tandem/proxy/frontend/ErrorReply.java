package io.tandem.proxy.frontend;

import io.tandem.proxy.backend.BackendException;
import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.protocol.ErrorCode;

/** The ERR a client gets when its backend could not be used. */
record ErrorReply(ErrorCode error, String message) {

  /** Whether {@code cause} is the server's answer (e.g. 1049 unknown schema) rather than a connection failure. */
  static boolean isServerError(Throwable cause) {
    return cause instanceof BackendException e && e.serverError() != null;
  }

  static ErrorReply of(Throwable cause, BackendDefinition backend) {
    if (cause instanceof BackendException e && e.serverError() != null) {
      return new ErrorReply(e.serverError().error(), e.serverError().message());
    }
    return new ErrorReply(ErrorCode.CANNOT_CONNECT, "Unable to connect to foreign data source: backend '"
        + (backend == null ? "?" : backend.name() + "' (" + backend.address()) + "): " + cause.getMessage());
  }
}
