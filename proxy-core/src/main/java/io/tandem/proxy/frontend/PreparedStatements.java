package io.tandem.proxy.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.tandem.proxy.backend.BackendConnection;
import io.tandem.proxy.protocol.Packets;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A session's binary-protocol prepared statements, so that an execution can run on another
 * backend connection than the one that prepared it.
 *
 * <p>A statement is prepared on the master connection first; the client knows it by the id the
 * master gave (the proxy's id for it). When an execution is routed to a replica, the statement is
 * prepared there on first use and the COM_STMT_EXECUTE is sent with that connection's id. The
 * parameter types a client binds once (new-params-bound flag 1) and then leaves out are kept, and
 * put back into the first execution a connection sees without them. Executions that need the
 * preparing connection's own state run there: with a cursor, after COM_STMT_SEND_LONG_DATA, or
 * arriving in several frames (16 MiB or more).
 */
final class PreparedStatements {

  /** MariaDB's statement id meaning "the statement prepared last" (pipelined prepare + execute). */
  static final long LAST_PREPARED = 0xFFFFFFFFL;

  /** COM_STMT_EXECUTE payload: command, statement id (4), flags (1), iteration count (4). */
  private static final int EXECUTE_HEADER = 10;
  private static final int FLAGS_OFFSET = 5;

  private final Map<Long, Statement> byId = new HashMap<>();
  private long lastPrepared = -1;
  /**
   * The statements {@link #find} found last, by the low bits of their ids (a server numbers a
   * connection's statements 1, 2, 3 …): a client executes a few statements again and again, and
   * finds them here without boxing its id for the map.
   */
  private final Statement[] recent = new Statement[16];

  /** One prepared statement and where else it has been prepared. */
  static final class Statement {
    final long id;
    final String sql;
    final int params;
    /** The connection that prepared it under {@link #id} (the client's id). */
    final BackendConnection home;
    /** Parameter types from the last execution that bound them (2 bytes each), or null. */
    byte[] types;
    /** COM_STMT_SEND_LONG_DATA arrived since the last execution or reset. */
    boolean longData;
    /** The parameters that got long data since the last execution or reset (their values are not in the execution). */
    final BitSet longDataParams = new BitSet();
    /** A malformed COM_STMT_SEND_LONG_DATA was dropped: the next execution gets 1210, as from a server. */
    boolean longDataError;
    /** An execution asked for a cursor and no reset or close came since: COM_STMT_FETCH may follow. */
    boolean cursorOpen;
    private final Map<BackendConnection, Copy> copies = new IdentityHashMap<>();

    Statement(long id, String sql, int params, BackendConnection home) {
      this.id = id;
      this.sql = sql;
      this.params = params;
      this.home = home;
    }

    /** The statement as prepared on {@code c}, or null. */
    Copy on(BackendConnection c) {
      return copies.get(c);
    }

    Copy preparedOn(BackendConnection c, long backendId) {
      Copy copy = new Copy(backendId);
      copies.put(c, copy);
      return copy;
    }

    Map<BackendConnection, Copy> copies() {
      return copies;
    }

    /** COM_STMT_RESET, or an execution, ended what long data and cursors the statement had. */
    void resetLongData() {
      longData = false;
      longDataParams.clear();
      longDataError = false;
    }
  }

  /** The statement on another connection: its id there and whether that connection has its parameter types. */
  static final class Copy {
    final long id;
    boolean typesSent;

    Copy(long id) {
      this.id = id;
    }
  }

  /**
   * A COM_STMT_PREPARE of {@code sql} succeeded on {@code home} under {@code id}. The home
   * connection is tracked like any copy: whether it has been sent the parameter types is as much
   * a question there as elsewhere (a statement executed first on a replica binds its types there).
   */
  void prepared(long id, String sql, int params, BackendConnection home) {
    Statement s = new Statement(id, sql, params, home);
    s.preparedOn(home, id);
    byId.put(id, s);
    lastPrepared = id;
    recent[slot(id)] = s;
  }

  private int slot(long id) {
    return (int) id & (recent.length - 1);
  }

  /** The statement a command names (resolving {@link #LAST_PREPARED}), or null. */
  Statement find(long id) {
    long key = id == LAST_PREPARED ? lastPrepared : id;
    Statement s = recent[slot(key)];
    if (s != null && s.id == key) {
      return s;
    }
    s = byId.get(key);
    if (s != null) {
      recent[slot(key)] = s;
    }
    return s;
  }

  /** COM_STMT_CLOSE: forgets the statement and returns it (null if unknown). */
  Statement closed(long id) {
    long key = id == LAST_PREPARED ? lastPrepared : id;
    Statement s = byId.remove(key);
    if (s != null && recent[slot(key)] == s) {
      recent[slot(key)] = null;
    }
    return s;
  }

  /** Forgets everything (COM_RESET_CONNECTION, COM_CHANGE_USER). */
  void clear() {
    byId.clear();
    lastPrepared = -1;
    Arrays.fill(recent, null);
  }

  /** The statement id of a COM_STMT_* payload (after the command byte), or -1 if too short. */
  static long statementId(ByteBuf payload) {
    return payload.readableBytes() >= 5 ? payload.getUnsignedIntLE(payload.readerIndex() + 1) : -1;
  }

  /** COM_STMT_EXECUTE asks for a cursor (flags other than CURSOR_TYPE_NO_CURSOR). */
  static boolean opensCursor(ByteBuf payload) {
    return payload.readableBytes() > FLAGS_OFFSET && payload.getUnsignedByte(payload.readerIndex() + FLAGS_OFFSET) != 0;
  }

  /**
   * Remembers the parameter types an execution binds (new-params-bound flag 1). Returns false
   * when the packet is too short to be an execution of this statement.
   */
  static boolean learnTypes(Statement s, ByteBuf payload) {
    if (s.params == 0) {
      return payload.readableBytes() >= EXECUTE_HEADER;
    }
    int flagAt = EXECUTE_HEADER + (s.params + 7) / 8;
    if (payload.readableBytes() <= flagAt) {
      return false;
    }
    if (payload.getUnsignedByte(payload.readerIndex() + flagAt) == 1) {
      if (payload.readableBytes() < flagAt + 1 + 2 * s.params) {
        return false;
      }
      int typesAt = payload.readerIndex() + flagAt + 1;
      if (!sameBytes(payload, typesAt, s.types)) { // a client mostly binds the same types every time
        byte[] types = new byte[2 * s.params];
        payload.getBytes(typesAt, types);
        s.types = types;
      }
    }
    return true;
  }

  /** Whether {@code buf} holds {@code bytes} (not null) at {@code at}. */
  private static boolean sameBytes(ByteBuf buf, int at, byte[] bytes) {
    if (bytes == null) {
      return false;
    }
    for (int i = 0; i < bytes.length; i++) {
      if (buf.getByte(at + i) != bytes[i]) {
        return false;
      }
    }
    return true;
  }

  /** Whether a COM_STMT_EXECUTE payload of {@code s} binds its parameter types (new-params-bound flag 1). */
  static boolean bindsTypes(ByteBuf payload, Statement s) {
    int flagAt = EXECUTE_HEADER + (s.params + 7) / 8;
    return payload.readableBytes() > flagAt && payload.getUnsignedByte(payload.readerIndex() + flagAt) == 1;
  }

  /**
   * The single-frame COM_STMT_EXECUTE {@code frame} made fit for {@code copy}: its statement id,
   * and the parameter types added when the client left them out but the copy never got them.
   * Returns the frame to send — {@code frame} itself, changed in place, or a new buffer (then
   * {@code frame} is released by the caller with the command) — or null when the types are
   * needed but unknown.
   */
  static ByteBuf forCopy(ByteBuf frame, Statement s, Copy copy, ByteBufAllocator alloc) {
    int payloadStart = frame.readerIndex() + Packets.HEADER_SIZE;
    int flagAt = EXECUTE_HEADER + (s.params + 7) / 8;
    boolean bindsTypes = s.params == 0 || frame.getUnsignedByte(payloadStart + flagAt) == 1;
    if (bindsTypes || copy.typesSent) {
      frame.setIntLE(payloadStart + 1, (int) copy.id);
      copy.typesSent = true;
      return frame;
    }
    if (s.types == null) {
      return null;
    }
    int payloadLength = frame.readableBytes() - Packets.HEADER_SIZE;
    int newLength = payloadLength + s.types.length;
    if (newLength >= Packets.MAX_PAYLOAD) {
      return null;
    }
    ByteBuf out = Packets.start(alloc, newLength);
    out.writeBytes(frame, payloadStart, flagAt);
    out.setIntLE(Packets.HEADER_SIZE + 1, (int) copy.id);
    out.writeByte(1);
    out.writeBytes(s.types);
    out.writeBytes(frame, payloadStart + flagAt + 1, payloadLength - flagAt - 1);
    Packets.finish(out, Packets.sequenceId(frame, frame.readerIndex()));
    copy.typesSent = true;
    return out;
  }
}
