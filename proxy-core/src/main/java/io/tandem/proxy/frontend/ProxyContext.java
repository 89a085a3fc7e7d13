package io.tandem.proxy.frontend;

import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslContext;
import io.tandem.proxy.backend.BackendConnector;
import io.tandem.proxy.backend.BackendPool;
import io.tandem.proxy.backend.GlobalChanges;
import io.tandem.proxy.config.ProxySettings;
import io.tandem.proxy.metrics.ProxyMetrics;
import io.tandem.proxy.route.RouterFactory;
import io.tandem.proxy.route.WriterRole;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** What every client connection of one proxy shares. Thread-safe. */
final class ProxyContext {

  /** The settings of the moment (replaced by a configuration reload: users, limits). */
  volatile ProxySettings settings;
  final ServerIdentity identity;
  final BackendConnector connector;
  final LoginContext login;
  final ConnectionRegistry registry;
  final ProxyMetrics metrics;
  final RouterFactory routers;
  final WriterRole writerRole;
  /** Changes of global variables made through this proxy: pooled connections older than the last are reset. */
  final GlobalChanges globals = new GlobalChanges();
  private final Map<EventLoop, BackendPool> pools = new ConcurrentHashMap<>();

  ProxyContext(ProxySettings settings, ServerIdentity identity, SslContext sslContext,
      WriterRole writerRole, RouterFactory routers, ProxyMetrics metrics) {
    this.settings = settings;
    this.routers = routers;
    this.identity = identity;
    this.writerRole = writerRole;
    this.metrics = metrics;
    this.connector = new BackendConnector(settings.pool().connectTimeout(), settings.backendTls(),
        metrics == ProxyMetrics.NONE ? null : b -> metrics.backend(b.name()));
    this.login = new LoginContext(settings.users(), identity, sslContext, settings.frontendTls().required(),
        settings.clientLimits(), settings.maxConnections(), metrics);
    this.registry = login.registry;
  }

  /** Users and client limits from {@code newSettings} apply to logins from now on. */
  void reload(ProxySettings newSettings) {
    login.reload(newSettings.users(), newSettings.clientLimits());
    this.settings = newSettings;
  }

  /**
   * Closes every connection of the proxy to {@code backend}: idle ones in the pools and those the
   * sessions hold, busy or not (their clients get an error). Used when a writer is fenced.
   */
  void dropConnections(String backend) {
    pools.forEach((loop, pool) -> loop.execute(() -> pool.closeIdle(backend)));
    registry.sessions().forEach(s -> s.channel().eventLoop().execute(() -> s.backends().closeTo(backend)));
  }

  /** Idle pooled connections per backend name, counted on each pool's event loop. */
  CompletableFuture<Map<String, Integer>> idleConnections() {
    List<CompletableFuture<Map<String, Integer>>> each = new ArrayList<>();
    pools.forEach((loop, pool) -> {
      CompletableFuture<Map<String, Integer>> counts = new CompletableFuture<>();
      loop.execute(() -> counts.complete(pool.idleByBackend()));
      each.add(counts);
    });
    return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(v -> {
      Map<String, Integer> total = new TreeMap<>();
      each.forEach(f -> f.join().forEach((name, n) -> total.merge(name, n, Integer::sum)));
      return total;
    });
  }

  BackendPool pool(EventLoop loop) {
    return pools.computeIfAbsent(loop, l -> new BackendPool(l, connector, settings.pool(), globals));
  }

  void closePools() {
    pools.forEach((loop, pool) -> loop.execute(pool::closeAll));
  }
}
