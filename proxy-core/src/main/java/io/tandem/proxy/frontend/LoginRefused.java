package io.tandem.proxy.frontend;

import io.tandem.proxy.metrics.ProxyMetrics;
import io.tandem.proxy.protocol.ErrorCode;

/** Why a {@link SessionOpener} refused an authenticated client: the error the client gets. */
public final class LoginRefused extends Exception {

  private final ErrorCode error;
  private final ProxyMetrics.Refusal reason;

  public LoginRefused(ErrorCode error, String message, ProxyMetrics.Refusal reason) {
    super(message, null, false, false);
    this.error = error;
    this.reason = reason;
  }

  public ErrorCode error() {
    return error;
  }

  public ProxyMetrics.Refusal reason() {
    return reason;
  }
}
