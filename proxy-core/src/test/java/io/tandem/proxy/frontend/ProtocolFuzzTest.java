package io.tandem.proxy.frontend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.tandem.proxy.auth.NativePassword;
import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.config.BackendTls;
import io.tandem.proxy.config.FrontendTls;
import io.tandem.proxy.config.ProxySettings;
import io.tandem.proxy.config.UserAccount;
import io.tandem.proxy.protocol.Capabilities;
import io.tandem.proxy.protocol.CommandCode;
import io.tandem.proxy.protocol.HandshakeResponse;
import io.tandem.proxy.protocol.HandshakeV10;
import io.tandem.proxy.protocol.PacketDecoder;
import io.tandem.proxy.protocol.Packets;
import io.tandem.proxy.route.MasterOnlyRouter;
import io.tandem.proxy.route.WriterRole;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Generated hostile input against the client side of the proxy, without any backend: the login
 * phase (mutated handshake responses and auth answers, garbage, bad length headers and sequence
 * ids) and, after a real login, mutated COM_STMT_*, COM_SET_OPTION, COM_CHANGE_USER, unknown and
 * empty commands and multi-frame headers; and the COM_STMT_EXECUTE check alone with random
 * statements and packets. No exception may escape a handler or the check, and every buffer
 * allocated for a connection is released once it is closed (tracked by the test's allocator, so
 * the check is exact, not sampled).
 *
 * <p>The normal run is bounded (a few seconds); {@code -Dtandem.fuzz.inputs=N} sets the number
 * of inputs ({@code ./mvnw -Pfuzz -pl proxy-core test -Dtest=ProtocolFuzzTest} runs 10 M). The seed
 * is printed; {@code -Dtandem.fuzz.seed=S} repeats a run. A plain seeded generator rather than a
 * property-testing library: the inputs are protocol mutations we write anyway, and a failure is
 * reproduced by its seed.
 */
class ProtocolFuzzTest {

  private static final BackendDefinition M1 = new BackendDefinition("m1", "127.0.0.1", 1, BackendDefinition.Role.MASTER, 1);
  private static final long INPUTS = Long.getLong("tandem.fuzz.inputs", 60_000);
  private static final long SEED = Long.getLong("tandem.fuzz.seed", System.nanoTime());
  private static final int CAPS = Capabilities.PROTOCOL_41 | Capabilities.SECURE_CONNECTION | Capabilities.PLUGIN_AUTH
      | Capabilities.DEPRECATE_EOF | Capabilities.MULTI_RESULTS;

  /** Records every buffer it hands out, so that a connection's leftovers can be counted. */
  private static final class TrackingAllocator extends AbstractByteBufAllocator {
    private final List<ByteBuf> handedOut = new ArrayList<>();

    TrackingAllocator() {
      super(false);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
      ByteBuf b = UnpooledByteBufAllocator.DEFAULT.heapBuffer(initialCapacity, maxCapacity);
      handedOut.add(b);
      return b;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
      return newHeapBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
      return false;
    }

    long unreleased() {
      return handedOut.stream().filter(b -> b.refCnt() > 0).count();
    }
  }

  private static ProxyContext context() {
    ProxySettings settings = new ProxySettings("127.0.0.1", 0, 1_000_000, 1 << 20,
        List.of(new UserAccount("app", "app", null, UserAccount.AuthPlugin.MYSQL_NATIVE_PASSWORD)),
        List.of(M1), ProxySettings.defaultPool(), FrontendTls.disabled(), BackendTls.disabled(), 1);
    WriterRole writer = WriterRole.byPriority(settings);
    return new ProxyContext(settings, ServerIdentity.fallback(), null, writer, MasterOnlyRouter.factory(writer), io.tandem.proxy.metrics.ProxyMetrics.NONE);
  }

  @Test
  void hostileClientsNeverEscapeAHandlerNorLeakABuffer() {
    System.out.println("ProtocolFuzzTest seed " + SEED + ", " + INPUTS + " inputs");
    // a handler that throws ends in exceptionCaught, which logs "connection error" and closes:
    // without a network there is no other way to get there, so each such line is a bug
    // (only those lines are kept, and the per-refusal lines stay off the console: a long run logs
    // millions of them, which a busy build would buffer)
    List<String> handlerErrors = new java.util.concurrent.CopyOnWriteArrayList<>();
    ch.qos.logback.core.AppenderBase<ch.qos.logback.classic.spi.ILoggingEvent> errors =
        new ch.qos.logback.core.AppenderBase<>() {
          @Override
          protected void append(ch.qos.logback.classic.spi.ILoggingEvent event) {
            if (event.getFormattedMessage().contains("connection error") && handlerErrors.size() < 5) {
              handlerErrors.add(event.getFormattedMessage());
            }
          }
        };
    errors.start();
    List<ch.qos.logback.classic.Logger> loggers = List.of(
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(ClientSession.class),
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(ClientLogin.class),
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(LoginThrottle.class));
    loggers.forEach(l -> {
      l.addAppender(errors);
      l.setAdditive(false);
    });
    Random random = new Random(SEED);
    ProxyContext context = context();
    long inputs = 0;
    long connections = 0;
    try {
      while (inputs < INPUTS) {
        inputs += connection(context, random, connections++);
      }
    } finally {
      loggers.forEach(l -> {
        l.detachAppender(errors);
        l.setAdditive(true);
      });
    }
    assertThat(context.registry.openConnections()).as("connection slots given back").isZero();
    assertThat(handlerErrors).as("exceptions thrown by a handler (seed %d)", SEED).isEmpty();
    assertThat(sessions).as("connections that got past login").isGreaterThan(connections / 5);
  }

  /** Connections whose login succeeded (the session phase was fuzzed). */
  private static long sessions;

  /** One client connection with a burst of hostile input; returns how many inputs it sent. */
  private static int connection(ProxyContext context, Random random, long number) {
    TrackingAllocator alloc = new TrackingAllocator();
    EmbeddedChannel ch = new EmbeddedChannel(io.netty.channel.DefaultChannelId.newInstance(), false, false);
    ch.config().setAllocator(alloc);
    ch.pipeline().addLast("frames", new PacketDecoder().maxPayload(ClientLogin.MAX_LOGIN_PACKET));
    ch.pipeline().addLast("login", new ClientLogin(context.login, new ClientSessions(context)));
    try {
      ch.register();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    int sent = 0;
    try {
      HandshakeV10 greeting = greeting(ch);
      boolean login = random.nextInt(3) == 0;
      if (login) {
        HandshakeResponse r = new HandshakeResponse(CAPS, 1 << 24, 45, "app",
            NativePassword.scramble(NativePassword.stage1("app"), greeting.scramble()), null, "mysql_native_password",
            Map.of());
        ch.writeInbound(r.encode(alloc, 1));
        ByteBuf ok = ch.readOutbound();
        if (ok != null && ok.getUnsignedByte(4) == Packets.OK) {
          sessions++;
        }
        io.netty.util.ReferenceCountUtil.release(ok);
        drain(ch);
        int commands = 1 + random.nextInt(30);
        for (int i = 0; i < commands && ch.isOpen(); i++) {
          write(ch, command(alloc, random), number);
          sent++;
        }
      } else {
        int packets = 1 + random.nextInt(4);
        for (int i = 0; i < packets && ch.isOpen(); i++) {
          write(ch, loginInput(alloc, random, greeting), number);
          sent++;
        }
      }
      ch.runPendingTasks();
    } finally {
      ch.finishAndReleaseAll();
      ch.close();
      ch.runPendingTasks();
    }
    if (alloc.unreleased() != 0) {
      fail("connection " + number + " (seed " + SEED + ") left " + alloc.unreleased() + " buffer(s) unreleased");
    }
    return Math.max(1, sent);
  }

  private static void write(EmbeddedChannel ch, ByteBuf input, long number) {
    try {
      ch.writeInbound(input);
      ch.checkException();
    } catch (RuntimeException | Error e) {
      throw new AssertionError("connection " + number + " (seed " + SEED + "): " + e, e);
    }
    drain(ch);
  }

  private static HandshakeV10 greeting(EmbeddedChannel ch) {
    ByteBuf out = ch.readOutbound();
    try {
      return HandshakeV10.decode(out.skipBytes(4));
    } finally {
      out.release();
    }
  }

  private static void drain(EmbeddedChannel ch) {
    Object out;
    while ((out = ch.readOutbound()) != null) {
      io.netty.util.ReferenceCountUtil.release(out);
    }
  }

  /** Something a client might send before it is logged in. */
  private static ByteBuf loginInput(TrackingAllocator alloc, Random random, HandshakeV10 greeting) {
    switch (random.nextInt(5)) {
      case 0 -> {
        return randomBytes(alloc, random, random.nextInt(300));
      }
      case 1 -> {
        // a header announcing more than will come, or too much
        ByteBuf b = alloc.buffer();
        int announced = random.nextBoolean() ? random.nextInt(1 << 24) : random.nextInt(200);
        b.writeMediumLE(announced).writeByte(random.nextInt(4));
        b.writeBytes(bytes(random, random.nextInt(Math.min(announced + 1, 300))));
        return b;
      }
      default -> {
        String user = random.nextInt(4) == 0 ? "nobody" : "app";
        byte[] auth = NativePassword.scramble(NativePassword.stage1(random.nextBoolean() ? "app" : "x"),
            greeting.scramble());
        HandshakeResponse r = new HandshakeResponse(random.nextBoolean() ? CAPS : random.nextInt(), random.nextInt(),
            random.nextInt(256), user, auth, random.nextBoolean() ? null : "app",
            random.nextBoolean() ? "mysql_native_password" : "caching_sha2_password",
            random.nextBoolean() ? Map.of() : Map.of("_client_name", "fuzz"));
        ByteBuf b = r.encode(alloc, random.nextInt(3));
        mutate(b, random);
        return b;
      }
    }
  }

  /** A command after login, more often malformed than not. */
  private static ByteBuf command(TrackingAllocator alloc, Random random) {
    int[] codes = {CommandCode.STMT_EXECUTE, CommandCode.STMT_FETCH, CommandCode.STMT_RESET, CommandCode.STMT_CLOSE,
        CommandCode.STMT_SEND_LONG_DATA, CommandCode.SET_OPTION, CommandCode.CHANGE_USER, CommandCode.PING,
        random.nextInt(256), -1};
    int code = codes[random.nextInt(codes.length)];
    ByteBuf b = alloc.buffer();
    int sequence = random.nextInt(8) == 0 ? random.nextInt(256) : 0;
    if (random.nextInt(20) == 0) {
      // a full 16 MiB frame announced (a multi-frame command), followed by nothing or garbage
      b.writeMediumLE(Packets.MAX_PAYLOAD).writeByte(sequence).writeBytes(bytes(random, random.nextInt(100)));
      return b;
    }
    b.writeMedium(0).writeByte(sequence);
    if (code >= 0) {
      b.writeByte(code);
      int id = random.nextInt(4) == 0 ? -1 : random.nextInt(3);
      b.writeIntLE(id);
      b.writeBytes(bytes(random, random.nextInt(40)));
    }
    if (random.nextInt(3) == 0 && b.readableBytes() > 5) {
      b.writerIndex(4 + random.nextInt(b.readableBytes() - 4)); // truncated
    }
    b.setMediumLE(0, b.readableBytes() - 4);
    if (random.nextInt(15) == 0) {
      b.setMediumLE(0, random.nextInt(1 << 24)); // a lying length
    }
    return b;
  }

  /** Flips, overwrites or cuts a few bytes of an encoded packet (its header included). */
  private static void mutate(ByteBuf b, Random random) {
    int n = random.nextInt(4);
    for (int i = 0; i < n && b.readableBytes() > 0; i++) {
      int at = random.nextInt(b.readableBytes());
      switch (random.nextInt(3)) {
        case 0 -> b.setByte(at, b.getByte(at) ^ (1 << random.nextInt(8)));
        case 1 -> b.setByte(at, random.nextInt(256));
        default -> b.writerIndex(Math.max(4, at));
      }
    }
  }

  private static ByteBuf randomBytes(TrackingAllocator alloc, Random random, int n) {
    return alloc.buffer(Math.max(n, 1)).writeBytes(bytes(random, n));
  }

  private static byte[] bytes(Random random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  @Test
  void theExecuteCheckTakesAnyPacket() {
    Random random = new Random(SEED);
    TrackingAllocator alloc = new TrackingAllocator();
    for (long i = 0; i < INPUTS * 5; i++) {
      int params = random.nextInt(6);
      PreparedStatements.Statement s = random.nextInt(10) == 0 ? null
          : new PreparedStatements.Statement(1, "SELECT ?", params, null);
      if (s != null && random.nextBoolean()) {
        byte[] types = new byte[2 * params];
        for (int p = 0; p < params; p++) {
          types[2 * p] = (byte) (random.nextBoolean() ? random.nextInt(20) : 245 + random.nextInt(11));
        }
        s.types = types;
      }
      ByteBuf payload = alloc.buffer();
      payload.writeByte(CommandCode.STMT_EXECUTE).writeIntLE(1).writeByte(random.nextInt(8)).writeIntLE(1);
      if (params > 0) {
        payload.writeBytes(bytes(random, (params + 7) / 8)).writeByte(random.nextInt(3));
        for (int p = 0; p < params && random.nextInt(4) != 0; p++) {
          payload.writeByte(random.nextBoolean() ? 253 : random.nextInt(256)).writeByte(random.nextBoolean() ? 0 : 0x80);
        }
      }
      payload.writeBytes(bytes(random, random.nextInt(64)));
      if (random.nextInt(4) == 0) {
        payload.writerIndex(random.nextInt(payload.writerIndex() + 1));
      }
      try {
        CommandCheck.execute(s, payload, random.nextInt(8) != 0);
      } catch (RuntimeException e) {
        throw new AssertionError("input " + i + " (seed " + SEED + "): " + e, e);
      } finally {
        payload.release();
      }
      if (i % 100_000 == 0) {
        assertThat(alloc.unreleased()).isZero();
        alloc.handedOut.clear();
      }
    }
    assertThat(alloc.unreleased()).isZero();
  }
}
