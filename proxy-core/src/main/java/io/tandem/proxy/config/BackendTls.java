package io.tandem.proxy.config;

/**
 * TLS on backend connections.
 *
 * @param enabled     connect to backends with TLS (the backend must offer it)
 * @param verifyPeer  verify the backend's certificate against the JDK trust store
 */
public record BackendTls(boolean enabled, boolean verifyPeer) {

  public static BackendTls disabled() {
    return new BackendTls(false, false);
  }
}
