package io.tandem.proxy.config;

import java.nio.file.Path;

/**
 * TLS offered to clients.
 *
 * @param certificate PEM certificate chain file, or null when TLS is off
 * @param privateKey  PEM PKCS#8 private key file, or null when TLS is off
 * @param required    when true, a client that does not switch to TLS is refused (ERR 3159 / HY000)
 */
public record FrontendTls(Path certificate, Path privateKey, boolean required) {

  public static FrontendTls disabled() {
    return new FrontendTls(null, null, false);
  }

  public boolean enabled() {
    return certificate != null && privateKey != null;
  }
}
