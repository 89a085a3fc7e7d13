package io.tandem.proxy.frontend;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.config.ProxySettings;
import io.tandem.proxy.metrics.ProxyMetrics;
import io.tandem.proxy.protocol.PacketDecoder;
import io.tandem.proxy.route.MasterOnlyRouter;
import io.tandem.proxy.route.RouterFactory;
import io.tandem.proxy.route.WriterRole;
import io.tandem.proxy.transport.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The MySQL-protocol frontend: accepts clients, authenticates them, relays their commands. */
public final class ProxyServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

  private final ProxySettings settings;
  private final RouterFactory routers;
  private final WriterRole writerRole;
  private final ProxyMetrics metrics;
  private EventLoopGroup boss;
  private EventLoopGroup workers;
  private Channel serverChannel;
  private ProxyContext context;

  /** A proxy that sends every statement to the master with the highest priority, which never changes. */
  public ProxyServer(ProxySettings settings) {
    this(settings, WriterRole.byPriority(settings));
  }

  private ProxyServer(ProxySettings settings, WriterRole writerRole) {
    this(settings, MasterOnlyRouter.factory(writerRole), writerRole);
  }

  /**
   * A proxy whose sessions route statements with {@code routers}, writing to the writer of
   * {@code writerRole} of the moment.
   */
  public ProxyServer(ProxySettings settings, RouterFactory routers, WriterRole writerRole) {
    this(settings, routers, writerRole, ProxyMetrics.NONE);
  }

  /** A proxy as above that reports what it does to {@code metrics}. */
  public ProxyServer(ProxySettings settings, RouterFactory routers, WriterRole writerRole, ProxyMetrics metrics) {
    this.settings = settings;
    this.routers = routers;
    this.writerRole = writerRole;
    this.metrics = metrics;
  }

  /** Binds the listen address and starts serving; returns the bound port. */
  public int start() throws InterruptedException {
    BackendDefinition writer = writerRole.writer() != null ? writerRole.writer()
        : WriterRole.highestPriorityMaster(settings);
    ServerIdentity identity;
    try {
      identity = ServerIdentity.probe(writer, settings.pool().connectTimeout());
    } catch (IOException e) {
      identity = ServerIdentity.fallback();
      log.warn("master {} ({}) not reachable at start ({}); presenting as {}", writer.name(),
          writer.address(), e.getMessage(), identity.version());
    }
    context = new ProxyContext(settings, identity, serverSslContext(settings), writerRole, routers, metrics);
    boss = Transport.eventLoopGroup(1);
    int threads = workerThreads(settings);
    workers = Transport.eventLoopGroup(threads);
    ProxyContext ctx = context;
    ClientSessions sessions = new ClientSessions(ctx);
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(boss, workers)
        .channel(Transport.serverChannel())
        .option(ChannelOption.SO_BACKLOG, 1024)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast("frames", new PacketDecoder().maxPayload(ClientLogin.MAX_LOGIN_PACKET));
            ch.pipeline().addLast("login", new ClientLogin(ctx.login, sessions));
          }
        });
    serverChannel = bootstrap.bind(settings.listenHost(), settings.listenPort()).sync().channel();
    int port = port();
    log.info("listening on {}:{} ({}, {} threads), writes to {} ({}), presenting as {}", settings.listenHost(), port,
        Transport.name(), threads, writer.name(), writer.address(), identity.version());
    return port;
  }

  /**
   * The event-loop threads clients are served on: {@code worker_threads}, or one per core when
   * it is 0. (Netty's own default would be two per core: on a proxy whose loops spend most of
   * their time in system calls, the second loop per core only adds wake-ups and context switches;
   * bench/point-select.sh measured 59 µs of proxy CPU per query with 4 loops on 2 cores, 47 µs
   * with 2.)
   */
  static int workerThreads(ProxySettings settings) {
    return settings.workerThreads() > 0 ? settings.workerThreads() : Runtime.getRuntime().availableProcessors();
  }

  private static SslContext serverSslContext(ProxySettings settings) {
    if (!settings.frontendTls().enabled()) {
      return null;
    }
    try {
      return SslContextBuilder.forServer(settings.frontendTls().certificate().toFile(),
          settings.frontendTls().privateKey().toFile()).build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalArgumentException("tls.frontend: cannot load certificate/key: " + e.getMessage(), e);
    }
  }

  /** The port the server is bound to (after {@link #start()}). */
  public int port() {
    return serverChannel == null ? settings.listenPort()
        : ((InetSocketAddress) serverChannel.localAddress()).getPort();
  }

  /**
   * Closes every connection of the proxy to the backend named {@code backend}, idle or busy (the
   * failover controller fences a failed writer with it). Returns at once; the connections close
   * on their event loops.
   */
  public void dropConnections(String backend) {
    if (context != null) {
      context.dropConnections(backend);
    }
  }

  /**
   * Every logged-in client session as it is now, each read on its own event loop. Completes when
   * all answered (sessions that end meanwhile are left out).
   */
  public CompletableFuture<List<SessionInfo>> sessions() {
    if (context == null) {
      return CompletableFuture.completedFuture(List.of());
    }
    List<CompletableFuture<SessionInfo>> each = new ArrayList<>();
    for (ClientSession s : context.registry.sessions()) {
      CompletableFuture<SessionInfo> info = new CompletableFuture<>();
      s.channel().eventLoop().execute(() -> info.complete(s.closing() ? null : s.info()));
      each.add(info);
    }
    return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(v -> each.stream()
        .map(CompletableFuture::join).filter(Objects::nonNull)
        .sorted(Comparator.comparingLong(SessionInfo::id)).toList());
  }

  /** Closes the client connection with proxy id {@code id} (its running command is cut); false if there is none. */
  public boolean killSession(long id) {
    ClientSession s = context == null ? null : context.registry.get(id);
    if (s == null) {
      return false;
    }
    log.info("client {} ({}) killed by an operator", id, s.channel().remoteAddress());
    s.channel().eventLoop().execute(s::close);
    return true;
  }

  /** Idle pooled connections per backend name, counted on each event loop. */
  public CompletableFuture<Map<String, Integer>> idleConnections() {
    if (context == null) {
      return CompletableFuture.completedFuture(Map.of());
    }
    return context.idleConnections();
  }

  /**
   * The settings a configuration reload produced: users and client limits apply to logins from now
   * on; connected sessions keep going. Listen address, backends and pool are not changed here.
   */
  public void reload(ProxySettings newSettings) {
    if (context != null) {
      context.reload(newSettings);
    }
  }

  /** The settings of the moment. */
  public ProxySettings settings() {
    return context == null ? settings : context.settings;
  }

  /** Client connections open right now. */
  public int openConnections() {
    return context == null ? 0 : context.registry.openConnections();
  }

  /** Stops accepting, closes every client and backend connection. */
  @Override
  public void close() {
    if (serverChannel != null) {
      serverChannel.close().syncUninterruptibly();
      serverChannel = null;
    }
    if (context != null) {
      context.registry.sessions().forEach(s -> s.channel().close());
      context.closePools();
    }
    if (workers != null) {
      workers.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
      boss.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
      workers = null;
    }
  }
}
