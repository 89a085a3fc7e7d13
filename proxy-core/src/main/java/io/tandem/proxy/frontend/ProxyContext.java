package io.tandem.proxy.frontend;

import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslContext;
import io.tandem.proxy.auth.RsaKeys;
import io.tandem.proxy.backend.BackendConnector;
import io.tandem.proxy.backend.BackendPool;
import io.tandem.proxy.config.ProxySettings;
import io.tandem.proxy.route.RouterFactory;
import io.tandem.proxy.route.WriterRole;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** What every client connection of one proxy shares. Thread-safe. */
final class ProxyContext {

  final ProxySettings settings;
  final ServerIdentity identity;
  final BackendConnector connector;
  final RsaKeys rsaKeys;
  /** Null when TLS is not offered to clients. */
  final SslContext sslContext;
  final ConnectionRegistry registry;
  final LoginThrottle loginThrottle;
  final CredentialCache credentials = new CredentialCache();
  final RouterFactory routers;
  final WriterRole writerRole;
  private final Map<EventLoop, BackendPool> pools = new ConcurrentHashMap<>();

  ProxyContext(ProxySettings settings, ServerIdentity identity, SslContext sslContext,
      WriterRole writerRole, RouterFactory routers) {
    this.settings = settings;
    this.routers = routers;
    this.identity = identity;
    this.sslContext = sslContext;
    this.writerRole = writerRole;
    this.connector = new BackendConnector(settings.pool().connectTimeout(), settings.backendTls());
    this.rsaKeys = RsaKeys.generate();
    this.registry = new ConnectionRegistry(settings.maxConnections());
    this.loginThrottle = new LoginThrottle(settings.clientLimits());
  }

  /**
   * Closes every connection of the proxy to {@code backend}: idle ones in the pools and those the
   * sessions hold, busy or not (their clients get an error). Used when a writer is fenced.
   */
  void dropConnections(String backend) {
    pools.forEach((loop, pool) -> loop.execute(() -> pool.closeIdle(backend)));
    registry.sessions().forEach(s -> s.channel().eventLoop().execute(() -> s.backends().closeTo(backend)));
  }

  BackendPool pool(EventLoop loop) {
    return pools.computeIfAbsent(loop, l -> new BackendPool(l, connector, settings.pool()));
  }

  void closePools() {
    pools.forEach((loop, pool) -> loop.execute(pool::closeAll));
  }
}
