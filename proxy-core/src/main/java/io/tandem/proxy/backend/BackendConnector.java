package io.tandem.proxy.backend;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.config.BackendTls;
import io.tandem.proxy.metrics.BackendMeter;
import io.tandem.proxy.protocol.PacketDecoder;
import io.tandem.proxy.transport.Transport;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.SSLException;

/** Opens and logs in backend connections on a given event loop, within the connect timeout. */
public final class BackendConnector {

  /**
   * How much a read from a backend asks for: Netty's adaptive guess, but never under 1 KiB. Its
   * default floor of 64 bytes follows small answers down until a slightly larger one (a row of a
   * few hundred bytes) arrives in two reads, with a packet cut between them that the framer must
   * copy together; reading into a larger buffer costs the same.
   */
  private static final AdaptiveRecvByteBufAllocator RESPONSE_READS =
      new AdaptiveRecvByteBufAllocator(1024, 2048, 65536);
  private static final Map<String, String> ATTRIBUTES = Map.of("_client_name", "tandem", "program_name", "tandem");

  private final Duration connectTimeout;
  private final SslContext sslContext;
  private final Function<BackendDefinition, BackendMeter> meters;

  /** A connector whose connections are not metered (the monitor's, the failover controller's). */
  public BackendConnector(Duration connectTimeout, BackendTls tls) {
    this(connectTimeout, tls, null);
  }

  /** A connector that counts each connection's traffic on its backend's meter ({@code meters} null: none). */
  public BackendConnector(Duration connectTimeout, BackendTls tls, Function<BackendDefinition, BackendMeter> meters) {
    this.connectTimeout = connectTimeout;
    this.sslContext = tls.enabled() ? clientContext(tls) : null;
    this.meters = meters;
  }

  private static SslContext clientContext(BackendTls tls) {
    try {
      SslContextBuilder builder = SslContextBuilder.forClient();
      if (!tls.verifyPeer()) {
        builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
      }
      return builder.build();
    } catch (SSLException e) {
      throw new IllegalArgumentException("backend TLS: " + e.getMessage(), e);
    }
  }

  /** Connects and logs in; the connection's channel is registered on {@code loop}. */
  public Future<BackendConnection> connect(EventLoop loop, BackendDefinition backend,
      BackendCredentials credentials, PoolKey key, String schema) {
    Promise<BackendConnection> promise = loop.newPromise();
    Bootstrap bootstrap = new Bootstrap()
        .group(loop)
        .channel(Transport.socketChannel())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
        .option(ChannelOption.RCVBUF_ALLOCATOR, RESPONSE_READS)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            if (meters != null) {
              ch.pipeline().addLast("traffic", new TrafficMeter(meters.apply(backend)));
            }
            ch.pipeline().addLast("frames", new PacketDecoder());
            ch.pipeline().addLast("login", new BackendLogin(backend, credentials, key, schema,
                sslContext, ATTRIBUTES, promise));
          }
        });
    ChannelFuture connect = bootstrap.connect(backend.host(), backend.port());
    connect.addListener(f -> {
      if (!f.isSuccess()) {
        promise.tryFailure(new BackendException("cannot connect to " + backend.name() + " ("
            + backend.address() + "): " + f.cause().getMessage(), f.cause()));
      }
    });
    var timeout = loop.schedule(() -> {
      if (promise.tryFailure(new BackendException(backend.name() + ": login timed out after "
          + connectTimeout.toMillis() + " ms"))) {
        connect.channel().close();
      }
    }, connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
    promise.addListener(f -> timeout.cancel(false));
    return promise;
  }
}
