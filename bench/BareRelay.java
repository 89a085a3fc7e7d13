import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;

/**
 * The floor of relaying with Netty: a TCP forwarder that does nothing but pass bytes both ways,
 * each client and its server connection on the same event loop (one loop per core, epoll, no
 * decoding, no metrics), as Tandem's transport does. {@code bench/point-select.sh} runs it beside
 * Tandem and HAProxy (as netty-relay), so that the cost of Netty itself is measured apart from
 * Tandem's per-statement work.
 *
 * <p>Run: {@code java -cp 'server/target/dist/lib/*' bench/BareRelay.java LISTEN_PORT SERVER_PORT}
 */
public final class BareRelay {

  public static void main(String[] args) throws Exception {
    int listenPort = Integer.parseInt(args[0]);
    int serverPort = Integer.parseInt(args[1]);
    EpollEventLoopGroup boss = new EpollEventLoopGroup(1);
    EpollEventLoopGroup loops = new EpollEventLoopGroup(Runtime.getRuntime().availableProcessors());
    new ServerBootstrap().group(boss, loops).channel(EpollServerSocketChannel.class)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.AUTO_READ, false)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel client) {
            client.pipeline().addLast(new ChannelInboundHandlerAdapter() {
              @Override
              public void channelActive(ChannelHandlerContext ctx) {
                new Bootstrap().group(client.eventLoop()).channel(EpollSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new Forward(client))
                    .connect("127.0.0.1", serverPort).addListener((ChannelFutureListener) f -> {
                      if (f.isSuccess()) {
                        client.pipeline().addLast(new Forward(f.channel()));
                        client.read();
                        client.config().setAutoRead(true);
                      } else {
                        client.close();
                      }
                    });
              }
            });
          }
        }).bind("127.0.0.1", listenPort).sync().channel().closeFuture().sync();
  }

  /** Writes what its channel reads to {@code peer}, flushing once per batch of reads. */
  private static final class Forward extends ChannelInboundHandlerAdapter {
    private final Channel peer;

    Forward(Channel peer) {
      this.peer = peer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      peer.write(msg, peer.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      peer.flush();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      peer.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
