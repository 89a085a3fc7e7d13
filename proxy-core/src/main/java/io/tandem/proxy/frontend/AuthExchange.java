package io.tandem.proxy.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.tandem.proxy.auth.CachingSha2Password;
import io.tandem.proxy.auth.NativePassword;
import io.tandem.proxy.backend.BackendCredentials;
import io.tandem.proxy.config.UserAccount;
import io.tandem.proxy.config.UserAccount.AuthPlugin;
import io.tandem.proxy.protocol.ErrorCode;
import io.tandem.proxy.protocol.Packets;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The authentication conversation with one client, at login or COM_CHANGE_USER: auth switch to
 * the user's plugin, mysql_native_password check, caching_sha2_password fast path (user in the
 * cache), full authentication over TLS (cleartext) or without TLS (RSA public key exchange).
 * Like MySQL, the caching_sha2_password cache starts empty: a user's first login needs the
 * full authentication.
 */
final class AuthExchange {

  /** Where the conversation ends. */
  interface Outcome {
    void authenticated(UserAccount account, BackendCredentials credentials, int nextSequence);

    void denied(ErrorCode error, String message, int nextSequence);
  }

  private enum Phase { START, SWITCHED, FULL_AUTH, RSA, DONE }

  private final LoginContext context;
  private final Channel channel;
  private final byte[] scramble;
  private final boolean tls;
  private final Outcome outcome;
  private Phase phase = Phase.START;
  private UserAccount account;
  private String user;
  private boolean passwordGiven;

  AuthExchange(LoginContext context, Channel channel, byte[] scramble, boolean tls, Outcome outcome) {
    this.context = context;
    this.channel = channel;
    this.scramble = scramble;
    this.tls = tls;
    this.outcome = outcome;
  }

  boolean finished() {
    return phase == Phase.DONE;
  }

  /** The client's first answer (from the handshake response or COM_CHANGE_USER). */
  void begin(String user, String clientPlugin, byte[] response, int sequence) {
    this.user = user;
    this.account = context.user(user);
    this.passwordGiven = response.length > 0;
    if (account == null) {
      deny(sequence + 1);
      return;
    }
    String wanted = account.authPlugin().protocolName();
    if (!wanted.equals(clientPlugin)) {
      ByteBuf buf = Packets.start(alloc(), 64);
      buf.writeByte(Packets.EOF);
      Packets.writeNulString(buf, wanted);
      buf.writeBytes(scramble);
      buf.writeByte(0);
      channel.writeAndFlush(Packets.finish(buf, sequence + 1));
      phase = Phase.SWITCHED;
      return;
    }
    verify(response, sequence);
  }

  /** A further packet from the client during the conversation. */
  void onPacket(ByteBuf payload, int sequence) {
    byte[] data = new byte[payload.readableBytes()];
    payload.readBytes(data);
    switch (phase) {
      case SWITCHED -> {
        passwordGiven = data.length > 0;
        verify(data, sequence);
      }
      case FULL_AUTH -> {
        if (tls) {
          checkCleartext(CachingSha2Password.fromCleartext(data), sequence);
        } else if (data.length == 1 && data[0] == CachingSha2Password.REQUEST_PUBLIC_KEY) {
          byte[] pem = context.rsaKeys.publicKeyPem();
          ByteBuf buf = Packets.start(alloc(), pem.length + 1);
          buf.writeByte(0x01).writeBytes(pem);
          channel.writeAndFlush(Packets.finish(buf, sequence + 1));
          phase = Phase.RSA;
        } else {
          deny(sequence + 1); // a cleartext password without TLS is refused
        }
      }
      case RSA -> {
        try {
          checkCleartext(context.rsaKeys.decryptPassword(data, scramble), sequence);
        } catch (Exception e) {
          deny(sequence + 1);
        }
      }
      default -> outcome.denied(ErrorCode.MALFORMED_PACKET, "Malformed communication packet", sequence + 1);
    }
  }

  private void verify(byte[] response, int sequence) {
    String password = account.password();
    if (password != null && password.isEmpty()) {
      if (response.length == 0) {
        succeed(new BackendCredentials(user, "", null), sequence + 1);
      } else {
        deny(sequence + 1);
      }
      return;
    }
    if (account.authPlugin() == AuthPlugin.MYSQL_NATIVE_PASSWORD) {
      byte[] stage2 = password != null ? NativePassword.stage2(password) : NativePassword.parseHash(account.nativeHash());
      byte[] stage1 = NativePassword.verify(response, scramble, stage2);
      if (stage1 == null) {
        deny(sequence + 1);
        return;
      }
      if (password == null) {
        context.credentials.nativeStage1(user, stage1);
      }
      succeed(new BackendCredentials(user, password, stage1), sequence + 1);
      return;
    }
    byte[] digest = context.credentials.sha2Digest(user);
    if (digest != null && response.length > 0) {
      if (!CachingSha2Password.verify(response, scramble, digest)) {
        deny(sequence + 1);
        return;
      }
      channel.write(Packets.of(alloc(), sequence + 1, new byte[] {0x01, CachingSha2Password.FAST_AUTH_SUCCESS}));
      succeed(new BackendCredentials(user, password, context.credentials.nativeStage1(user)), sequence + 2);
      return;
    }
    if (response.length == 0) {
      deny(sequence + 1);
      return;
    }
    channel.writeAndFlush(Packets.of(alloc(), sequence + 1,
        new byte[] {0x01, CachingSha2Password.PERFORM_FULL_AUTHENTICATION}));
    phase = Phase.FULL_AUTH;
  }

  private void checkCleartext(String cleartext, int sequence) {
    passwordGiven = !cleartext.isEmpty();
    boolean ok;
    if (account.password() != null) {
      ok = MessageDigest.isEqual(account.password().getBytes(StandardCharsets.UTF_8),
          cleartext.getBytes(StandardCharsets.UTF_8));
    } else {
      ok = Arrays.equals(NativePassword.stage2(cleartext), NativePassword.parseHash(account.nativeHash()));
    }
    if (!ok) {
      deny(sequence + 1);
      return;
    }
    context.credentials.sha2Digest(user, CachingSha2Password.digest(cleartext));
    byte[] stage1 = NativePassword.stage1(cleartext);
    if (account.password() == null) {
      context.credentials.nativeStage1(user, stage1);
    }
    succeed(new BackendCredentials(user, cleartext, stage1), sequence + 1);
  }

  private void succeed(BackendCredentials credentials, int nextSequence) {
    phase = Phase.DONE;
    outcome.authenticated(account, credentials, nextSequence);
  }

  private void deny(int nextSequence) {
    phase = Phase.DONE;
    String host = channel.remoteAddress() instanceof java.net.InetSocketAddress a
        ? a.getAddress().getHostAddress() : "localhost";
    outcome.denied(ErrorCode.ACCESS_DENIED, "Access denied for user '" + user + "'@'" + host
        + "' (using password: " + (passwordGiven ? "YES" : "NO") + ")", nextSequence);
  }

  private ByteBufAllocator alloc() {
    return channel.alloc();
  }
}
