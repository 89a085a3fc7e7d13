package io.tandem.it.support;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.tandem.proxy.auth.NativePassword;
import io.tandem.proxy.protocol.Capabilities;
import io.tandem.proxy.protocol.HandshakeResponse;
import io.tandem.proxy.protocol.HandshakeV10;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A bare-socket MySQL client for tests that must send what real drivers never send: garbage,
 * wrong sequence ids, truncated or oversized packets, unknown or rare commands.
 */
public final class RawClient implements AutoCloseable {

  public static final int CAPABILITIES = Capabilities.PROTOCOL_41 | Capabilities.SECURE_CONNECTION
      | Capabilities.PLUGIN_AUTH | Capabilities.LONG_PASSWORD | Capabilities.TRANSACTIONS
      | Capabilities.MULTI_RESULTS | Capabilities.CONNECT_WITH_DB;

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private HandshakeV10 greeting;

  public RawClient(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(10_000);
    in = new DataInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  /** Reads the greeting. */
  public HandshakeV10 greeting() throws IOException {
    if (greeting == null) {
      greeting = HandshakeV10.decode(Unpooled.wrappedBuffer(readPacket().payload()));
    }
    return greeting;
  }

  /** Logs in with mysql_native_password; returns the server's answer (OK or ERR). */
  public Packet login(String user, String password, String schema) throws IOException {
    HandshakeV10 g = greeting();
    HandshakeResponse r = new HandshakeResponse(CAPABILITIES, 1 << 24, 45, user,
        NativePassword.scramble(NativePassword.stage1(password), g.scramble()), schema,
        "mysql_native_password", Map.of());
    ByteBuf buf = r.encode(Unpooled.buffer().alloc(), 1);
    try {
      out.write(ByteBufUtil.getBytes(buf));
      out.flush();
    } finally {
      buf.release();
    }
    return readPacket();
  }

  /** Sends one packet with the given sequence id and payload. */
  public void send(int sequence, byte[] payload) throws IOException {
    byte[] header = {(byte) payload.length, (byte) (payload.length >> 8), (byte) (payload.length >> 16), (byte) sequence};
    out.write(header);
    out.write(payload);
    out.flush();
  }

  /** Sends raw bytes, header or not. */
  public void sendRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** Sends a command: its code and argument as one packet with sequence id 0. */
  public void command(int code, byte[] argument) throws IOException {
    byte[] payload = new byte[argument.length + 1];
    payload[0] = (byte) code;
    System.arraycopy(argument, 0, payload, 1, argument.length);
    send(0, payload);
  }

  public void query(String sql) throws IOException {
    command(0x03, sql.getBytes(StandardCharsets.UTF_8));
  }

  public Packet readPacket() throws IOException {
    byte[] header = new byte[4];
    in.readFully(header);
    int length = (header[0] & 0xFF) | (header[1] & 0xFF) << 8 | (header[2] & 0xFF) << 16;
    byte[] payload = new byte[length];
    in.readFully(payload);
    return new Packet(header[3] & 0xFF, payload);
  }

  /** True when the server has closed the connection (reads end of stream within the timeout). */
  public boolean closedByServer() {
    try {
      return in.read() == -1;
    } catch (IOException e) {
      return true;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /** One packet as received. */
  public record Packet(int sequence, byte[] payload) {
    public boolean isOk() {
      return payload.length > 0 && payload[0] == 0x00;
    }

    public boolean isError() {
      return payload.length > 0 && (payload[0] & 0xFF) == 0xFF;
    }

    public boolean isEof() {
      return payload.length > 0 && payload.length < 9 && (payload[0] & 0xFF) == 0xFE;
    }

    /** The error code of an ERR packet. */
    public int errorCode() {
      return (payload[1] & 0xFF) | (payload[2] & 0xFF) << 8;
    }

    public String sqlState() {
      return new String(payload, 4, 5, StandardCharsets.US_ASCII);
    }

    public String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }
  }
}
