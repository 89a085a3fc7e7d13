package io.tandem.proxy.frontend;

import io.tandem.proxy.config.ProxySettings;

/** The MySQL-protocol frontend: accepts clients, authenticates them, relays their commands. */
public final class ProxyServer implements AutoCloseable {

  private final ProxySettings settings;

  public ProxyServer(ProxySettings settings) {
    this.settings = settings;
  }

  /** Binds the listen address and starts serving; returns the bound port. */
  public int start() throws InterruptedException {
    throw new UnsupportedOperationException("not yet");
  }

  /** The port the server is bound to (after {@link #start()}). */
  public int port() {
    return settings.listenPort();
  }

  /** Stops accepting, closes every client and backend connection. */
  @Override
  public void close() {}
}
