package io.tandem.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A text-protocol result set the proxy answers itself: the column count, one definition per
 * column, EOF (unless CLIENT_DEPRECATE_EOF), the rows, and EOF — or with CLIENT_DEPRECATE_EOF the
 * OK packet with header 0xFE — carrying the session's status. Sequence ids run from 1.
 */
public final class ResultSetWriter {

  /** MYSQL_TYPE_LONGLONG. */
  public static final int TYPE_LONGLONG = 0x08;
  /** MYSQL_TYPE_DOUBLE. */
  public static final int TYPE_DOUBLE = 0x05;
  /** MYSQL_TYPE_VAR_STRING. */
  public static final int TYPE_VAR_STRING = 0xFD;
  private static final int BINARY_COLLATION = 63;
  private static final int UTF8MB4_COLLATION = 45;
  private static final int NOT_NULL = 0x0001;
  private static final int UNSIGNED = 0x0020;
  private static final int BINARY = 0x0080;
  private static final int NUM = 0x8000;

  /**
   * One column: its name and type; a {@code nullable} number is signed and may be NULL (a
   * non-nullable LONGLONG is unsigned NOT NULL, like {@code CONNECTION_ID()}).
   */
  public record Column(String name, int type, boolean nullable) {

    public Column(String name, int type) {
      this(name, type, false);
    }

    /** A text column (may be NULL). */
    public static Column text(String name) {
      return new Column(name, TYPE_VAR_STRING, true);
    }

    /** A signed integer column that may be NULL. */
    public static Column integer(String name) {
      return new Column(name, TYPE_LONGLONG, true);
    }

    /** A floating-point column that may be NULL. */
    public static Column decimal(String name) {
      return new Column(name, TYPE_DOUBLE, true);
    }
  }

  private ResultSetWriter() {}

  /**
   * The packets of a result set with {@code columns} and {@code rows} (text values; null for
   * NULL), in order; the caller writes them (and owns them until then).
   */
  public static List<ByteBuf> encode(ByteBufAllocator alloc, List<Column> columns, List<List<String>> rows,
      boolean deprecateEof, int serverStatus) {
    List<ByteBuf> out = new ArrayList<>(columns.size() + rows.size() + 3);
    int seq = 1;
    ByteBuf count = Packets.start(alloc, 9);
    Packets.writeLenencInt(count, columns.size());
    out.add(Packets.finish(count, seq++));
    for (Column c : columns) {
      out.add(Packets.finish(definition(alloc, c), seq++));
    }
    if (!deprecateEof) {
      out.add(Packets.eof(alloc, seq++, serverStatus));
    }
    for (List<String> row : rows) {
      ByteBuf r = Packets.start(alloc, 16 * row.size());
      for (String v : row) {
        if (v == null) {
          r.writeByte(0xFB);
        } else {
          Packets.writeLenencBytes(r, v.getBytes(StandardCharsets.UTF_8));
        }
      }
      out.add(Packets.finish(r, seq++));
    }
    out.add(deprecateEof ? Packets.eofOk(alloc, seq, serverStatus) : Packets.eof(alloc, seq, serverStatus));
    return out;
  }

  private static ByteBuf definition(ByteBufAllocator alloc, Column c) {
    boolean number = c.type() == TYPE_LONGLONG || c.type() == TYPE_DOUBLE;
    ByteBuf d = Packets.start(alloc, 48 + c.name().length());
    Packets.writeLenencBytes(d, "def".getBytes(StandardCharsets.US_ASCII));
    Packets.writeLenencInt(d, 0); // schema
    Packets.writeLenencInt(d, 0); // table
    Packets.writeLenencInt(d, 0); // original table
    Packets.writeLenencBytes(d, c.name().getBytes(StandardCharsets.UTF_8));
    Packets.writeLenencInt(d, 0); // original name
    Packets.writeLenencInt(d, 0x0C); // length of the fixed fields
    d.writeShortLE(number ? BINARY_COLLATION : UTF8MB4_COLLATION);
    d.writeIntLE(c.type() == TYPE_DOUBLE ? 22 : number ? 21 : 1024);
    d.writeByte(c.type());
    d.writeShortLE(!number ? 0 : c.nullable() ? BINARY | NUM : NOT_NULL | UNSIGNED | BINARY | NUM);
    d.writeByte(c.type() == TYPE_DOUBLE ? 31 : 0); // decimals (31: not fixed)
    d.writeShortLE(0); // filler
    return d;
  }
}
