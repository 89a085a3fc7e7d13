package io.tandem.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.tandem.proxy.config.ClientLimits;
import io.tandem.proxy.config.UserAccount;
import io.tandem.proxy.frontend.ClientLogin;
import io.tandem.proxy.frontend.LoginContext;
import io.tandem.proxy.frontend.ServerIdentity;
import io.tandem.proxy.frontend.SessionOpener;
import io.tandem.proxy.metrics.ProxyMetrics;
import io.tandem.proxy.protocol.Capabilities;
import io.tandem.proxy.protocol.PacketDecoder;
import io.tandem.proxy.transport.Transport;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin port (default 127.0.0.1:6032): the MySQL protocol, the same handshake and
 * authentication as the client port ({@link ClientLogin}, mysql_native_password and
 * caching_sha2_password) with its own accounts, then {@link AdminCommands} instead of a proxied
 * session. Any mysql client or JDBC driver connects. Commands run on two admin worker threads,
 * never on an event loop.
 */
public final class AdminServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
  /** What the admin port offers: no TLS, no multi-statements, no session tracking. */
  private static final int CAPABILITIES = Capabilities.LONG_PASSWORD | Capabilities.FOUND_ROWS | Capabilities.LONG_FLAG
      | Capabilities.CONNECT_WITH_DB | Capabilities.PROTOCOL_41 | Capabilities.TRANSACTIONS
      | Capabilities.SECURE_CONNECTION | Capabilities.PLUGIN_AUTH | Capabilities.PLUGIN_AUTH_LENENC_CLIENT_DATA
      | Capabilities.CONNECT_ATTRS | Capabilities.DEPRECATE_EOF | Capabilities.MULTI_RESULTS;
  /** Admin sessions at once. */
  public static final int MAX_CONNECTIONS = 64;

  private final LoginContext login;
  private final EventLoopGroup loop;
  private final ExecutorService workers;
  private final Channel channel;

  private AdminServer(LoginContext login, EventLoopGroup loop, ExecutorService workers, Channel channel) {
    this.login = login;
    this.loop = loop;
    this.workers = workers;
    this.channel = channel;
  }

  /** Binds {@code host:port} (0: a free port) and serves {@code users}. */
  public static AdminServer start(AdminContext admin, String host, int port, List<UserAccount> users,
      ClientLimits limits) throws InterruptedException {
    ServerIdentity identity = new ServerIdentity(admin.version() + "-tandem-admin", CAPABILITIES, 45);
    LoginContext login = new LoginContext(users, identity, null, false, limits, MAX_CONNECTIONS, ProxyMetrics.NONE);
    AdminCommands commands = new AdminCommands(admin);
    ExecutorService workers = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "tandem-admin");
      t.setDaemon(true);
      return t;
    });
    SessionOpener opener = client -> client.channel().eventLoop()
        .newSucceededFuture(new AdminSession(client, commands, workers, admin));
    EventLoopGroup loop = Transport.eventLoopGroup(1);
    try {
      Channel channel = new ServerBootstrap()
          .group(loop)
          .channel(Transport.serverChannel())
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
              ch.pipeline().addLast("frames", new PacketDecoder().maxPayload(ClientLogin.MAX_LOGIN_PACKET));
              ch.pipeline().addLast("login", new ClientLogin(login, opener));
            }
          })
          .bind(host, port).sync().channel();
      AdminServer server = new AdminServer(login, loop, workers, channel);
      log.info("admin interface on {}:{} ({} user(s))", host, server.port(), users.size());
      return server;
    } catch (InterruptedException e) {
      loop.shutdownGracefully();
      workers.shutdownNow();
      throw e;
    } catch (RuntimeException e) { // a bind failure arrives undeclared from Netty
      loop.shutdownGracefully();
      workers.shutdownNow();
      throw new IllegalStateException("admin: cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
    }
  }

  /** New admin accounts for logins from now on (a configuration reload). */
  public void reload(List<UserAccount> users, ClientLimits limits) {
    login.reload(users, limits);
  }

  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    loop.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    workers.shutdownNow();
  }
}
