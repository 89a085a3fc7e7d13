package io.tandem.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.tandem.proxy.protocol.Capabilities;
import io.tandem.proxy.protocol.CommandCode;
import io.tandem.proxy.protocol.Packets;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link ResponseSink} that decodes a small TEXT-protocol result set into strings, for the
 * proxy's own queries (replication status, heartbeat reads). Not for client traffic: the bytes
 * are accumulated (up to a cap) and decoded once the response is complete.
 *
 * <p>Both framings are understood: with {@code CLIENT_DEPRECATE_EOF} the column definitions are
 * followed directly by the rows and the result ends with an OK packet headed {@code 0xFE};
 * without it an EOF packet follows the column definitions and another ends the rows. Only the
 * first result of a multi-result response is decoded; a response that is a plain OK gives no
 * columns and no rows. SQL {@code NULL} becomes a Java {@code null}; values are decoded as UTF-8.
 *
 * <p>{@link #result()} completes with the {@link Rows}, or exceptionally with a
 * {@link BackendException} carrying the server's ERR, or with the connection's failure. It
 * completes on the connection's event loop.
 */
public final class RowCollector implements ResponseSink {

  /** Default cap on the response size; internal queries answer with a few kilobytes. */
  public static final int DEFAULT_MAX_BYTES = 1 << 20;

  private final String source;
  private final boolean deprecateEof;
  private final int maxBytes;
  private final CompletableFuture<Rows> result = new CompletableFuture<>();
  private ByteBuf bytes;
  private boolean tooLarge;

  /**
   * @param source       named in error messages (usually the backend's name)
   * @param deprecateEof whether the connection negotiated {@code CLIENT_DEPRECATE_EOF}
   */
  public RowCollector(String source, boolean deprecateEof) {
    this(source, deprecateEof, DEFAULT_MAX_BYTES);
  }

  public RowCollector(String source, boolean deprecateEof, int maxBytes) {
    this.source = source;
    this.deprecateEof = deprecateEof;
    this.maxBytes = maxBytes;
  }

  /** A collector for the framing {@code connection} negotiated. */
  public static RowCollector forConnection(BackendConnection connection) {
    return new RowCollector(connection.backend().name(),
        Capabilities.has(connection.key().capabilities(), Capabilities.DEPRECATE_EOF));
  }

  /**
   * Sends {@code sql} as COM_QUERY on {@code connection} and returns its decoded result. Call on
   * the connection's event loop, while it is not busy.
   */
  public static CompletableFuture<Rows> query(BackendConnection connection, String sql) {
    RowCollector collector = forConnection(connection);
    byte[] text = sql.getBytes(StandardCharsets.UTF_8);
    ByteBuf frame = Packets.start(connection.channel().alloc(), 1 + text.length);
    frame.writeByte(CommandCode.QUERY).writeBytes(text);
    Packets.finish(frame, 0);
    try {
      connection.send(frame, CommandCode.QUERY, collector);
    } catch (RuntimeException e) {
      collector.failed(e);
    }
    return collector.result();
  }

  /** The decoded result; see the class comment. */
  public CompletableFuture<Rows> result() {
    return result;
  }

  @Override
  public void relay(ByteBuf in) {
    try {
      if (tooLarge || result.isDone()) {
        return;
      }
      if (bytes == null) {
        bytes = Unpooled.buffer(Math.min(Math.max(in.readableBytes(), 256), maxBytes));
      }
      if (bytes.readableBytes() + in.readableBytes() > maxBytes) {
        tooLarge = true;
        bytes.release();
        bytes = null;
        return;
      }
      bytes.writeBytes(in);
    } finally {
      in.release();
    }
  }

  @Override
  public void responseDone(int serverStatus, Packets.ErrorInfo error) {
    ByteBuf whole = bytes;
    bytes = null;
    try {
      if (error != null) {
        result.completeExceptionally(new BackendException(source, error));
      } else if (tooLarge) {
        result.completeExceptionally(new BackendException(source + ": result larger than " + maxBytes + " bytes"));
      } else {
        result.complete(decode(whole == null ? Unpooled.EMPTY_BUFFER : whole, deprecateEof));
      }
    } catch (RuntimeException e) {
      result.completeExceptionally(new BackendException(source + ": malformed result: " + e.getMessage(), e));
    } finally {
      if (whole != null) {
        whole.release();
      }
    }
  }

  @Override
  public void failed(Throwable cause) {
    if (bytes != null) {
      bytes.release();
      bytes = null;
    }
    result.completeExceptionally(cause);
  }

  /**
   * Decodes the first result of a whole TEXT-protocol response (packets with their headers).
   * The buffer's reader index moves; it is not released.
   */
  public static Rows decode(ByteBuf in, boolean deprecateEof) {
    ByteBuf first = nextPacket(in);
    if (first == null) {
      throw new IllegalArgumentException("empty response");
    }
    int head = first.getUnsignedByte(first.readerIndex());
    if (head == Packets.OK || head == Packets.EOF) {
      return new Rows(List.of(), List.of());
    }
    if (head == Packets.ERR) {
      throw new IllegalArgumentException("error response: " + Packets.readError(first));
    }
    long columnCount = Packets.readLenencInt(first);
    if (columnCount <= 0 || columnCount > 4096) {
      throw new IllegalArgumentException("bad column count " + columnCount);
    }
    List<String> columns = new ArrayList<>((int) columnCount);
    for (int i = 0; i < columnCount; i++) {
      ByteBuf def = require(nextPacket(in), "column definition");
      for (int skip = 0; skip < 4; skip++) { // catalog, schema, table, org_table
        Packets.readLenencBytes(def);
      }
      columns.add(new String(Packets.readLenencBytes(def), StandardCharsets.UTF_8));
    }
    if (!deprecateEof) {
      ByteBuf eof = require(nextPacket(in), "EOF after column definitions");
      if (eof.getUnsignedByte(eof.readerIndex()) != Packets.EOF) {
        throw new IllegalArgumentException("expected EOF after column definitions");
      }
    }
    List<List<String>> rows = new ArrayList<>();
    while (true) {
      ByteBuf packet = require(nextPacket(in), "row or end of rows");
      int b = packet.isReadable() ? packet.getUnsignedByte(packet.readerIndex()) : -1;
      if (b == Packets.EOF && (deprecateEof || packet.readableBytes() < 9)) {
        break;
      }
      if (b == Packets.ERR) {
        throw new IllegalArgumentException("error inside result: " + Packets.readError(packet));
      }
      List<String> row = new ArrayList<>(columns.size());
      for (int i = 0; i < columns.size(); i++) {
        if (packet.getUnsignedByte(packet.readerIndex()) == 0xFB) {
          packet.skipBytes(1);
          row.add(null);
        } else {
          row.add(new String(Packets.readLenencBytes(packet), StandardCharsets.UTF_8));
        }
      }
      rows.add(Collections.unmodifiableList(row));
    }
    return new Rows(List.copyOf(columns), List.copyOf(rows));
  }

  private static ByteBuf require(ByteBuf packet, String what) {
    if (packet == null) {
      throw new IllegalArgumentException("response ended before " + what);
    }
    return packet;
  }

  /** The payload of the next packet as a slice, or null at the end of the buffer. */
  private static ByteBuf nextPacket(ByteBuf in) {
    if (!in.isReadable()) {
      return null;
    }
    if (in.readableBytes() < Packets.HEADER_SIZE) {
      throw new IllegalArgumentException("truncated packet header");
    }
    int length = in.getUnsignedMediumLE(in.readerIndex());
    if (length == Packets.MAX_PAYLOAD) {
      throw new IllegalArgumentException("packet of 16 MiB in an internal query's result");
    }
    if (in.readableBytes() < Packets.HEADER_SIZE + length) {
      throw new IllegalArgumentException("truncated packet");
    }
    in.skipBytes(Packets.HEADER_SIZE);
    return in.readSlice(length);
  }

  /**
   * A decoded result: column names (the {@code AS} names) and rows of values ({@code null} for
   * SQL NULL), all unmodifiable.
   */
  public record Rows(List<String> columns, List<List<String>> rows) {

    /** Index of the column named {@code name} (case-insensitive), or -1. */
    public int column(String name) {
      for (int i = 0; i < columns.size(); i++) {
        if (columns.get(i).equalsIgnoreCase(name)) {
          return i;
        }
      }
      return -1;
    }

    /** The value of column {@code name} in row {@code row}; null when NULL or no such column. */
    public String get(int row, String name) {
      int i = column(name);
      return i < 0 ? null : rows.get(row).get(i);
    }

    public boolean isEmpty() {
      return rows.isEmpty();
    }
  }
}
