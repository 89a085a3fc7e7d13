package io.tandem.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Promise;
import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.metrics.BackendMeter;
import io.tandem.proxy.protocol.CommandCode;
import io.tandem.proxy.protocol.Packets;
import io.tandem.proxy.protocol.ResponseTracker;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One authenticated connection to a backend server. It runs one command at a time: the
 * response goes to the {@link ResponseSink} given with the command, packet bytes untouched.
 * Lives on the event loop of the client session that uses it; not thread-safe.
 */
public final class BackendConnection {

  private final Channel channel;
  private final BackendDefinition backend;
  private final PoolKey key;
  private final long threadId;
  private final String serverVersion;
  private final ResponseTracker tracker;
  /** The meter of the connection's backend ({@link BackendMeter#NONE} when the connector meters nothing). */
  private final BackendMeter meter;
  private ResponseSink sink;
  private String schema;
  private boolean broken;
  private long idleSince;
  private int historyApplied;
  /**
   * The session state the connection is in ({@code SessionState#key()}): a session in the same
   * state takes it as it is; null after login or a reset (the login's collation, its schema).
   */
  private String state;
  /** The client session that took it last (its connection id), or -1. */
  private long owner = -1;
  /** Idle in its pool. */
  private boolean pooled;
  /** The {@link GlobalChanges#current()} count when the session on it started (login or reset). */
  private long globalsRead;

  BackendConnection(Channel channel, BackendDefinition backend, PoolKey key, long threadId,
      String serverVersion, String schema) {
    this.channel = channel;
    this.backend = backend;
    this.key = key;
    this.threadId = threadId;
    this.serverVersion = serverVersion;
    this.schema = schema;
    this.tracker = new ResponseTracker(
        (key.capabilities() & io.tandem.proxy.protocol.Capabilities.DEPRECATE_EOF) != 0);
    TrafficMeter traffic = channel.pipeline().get(TrafficMeter.class);
    this.meter = traffic == null ? BackendMeter.NONE : traffic.meter();
  }

  /** The meter the commands run on this connection count on (looked up once, not per command). */
  public BackendMeter meter() {
    return meter;
  }

  public BackendDefinition backend() {
    return backend;
  }

  public PoolKey key() {
    return key;
  }

  /** The server's thread id of this connection (what {@code KILL} on the backend takes). */
  public long threadId() {
    return threadId;
  }

  public String serverVersion() {
    return serverVersion;
  }

  /** The server is MariaDB (its version says so), not MySQL: the dialects of replication differ. */
  public boolean isMariadb() {
    return serverVersion != null && serverVersion.contains("MariaDB");
  }

  public Channel channel() {
    return channel;
  }

  /** The default schema the connection is in, as far as the proxy knows (null for none). */
  public String schema() {
    return schema;
  }

  public void schema(String schema) {
    this.schema = schema;
  }

  public boolean isOpen() {
    return channel.isActive() && !broken;
  }

  /** True while a command's response is still coming. */
  public boolean busy() {
    return sink != null;
  }

  /**
   * How many of its session's session commands this connection has run (the session's
   * bookkeeping for lazy replay; reset when the connection goes back to the pool).
   */
  public int historyApplied() {
    return historyApplied;
  }

  public void historyApplied(int count) {
    this.historyApplied = count;
  }

  long idleSince() {
    return idleSince;
  }

  void markIdle(long nanos) {
    idleSince = nanos;
  }

  /** The session state the connection was left in, or null for none (fresh or reset). */
  public String state() {
    return state;
  }

  public void state(String state) {
    this.state = state;
  }

  /** The {@link GlobalChanges} count when the server session on it started (its login or last reset). */
  long globalsRead() {
    return globalsRead;
  }

  void globalsRead(long count) {
    this.globalsRead = count;
  }

  /** The client session that took the connection last (its connection id), or -1. */
  public long owner() {
    return owner;
  }

  public void owner(long owner) {
    this.owner = owner;
  }

  /** Idle in its pool (not taken by any session). */
  public boolean pooled() {
    return pooled;
  }

  void pooled(boolean pooled) {
    this.pooled = pooled;
  }

  /** Warnings the last response announced (SHOW WARNINGS on this connection has something to show). */
  public int warnings() {
    return tracker.warnings();
  }

  /** The insert id the last response carried, or 0. */
  public long insertId() {
    return tracker.insertId();
  }

  /** Rows the last (or current) response carried so far. */
  public long rows() {
    return tracker.rows();
  }

  ResponseTracker tracker() {
    return tracker;
  }

  /** The statement id the last COM_STMT_PREPARE on this connection got, or -1 if it failed. */
  public long preparedStatementId() {
    return tracker.preparedStatementId();
  }

  /** The parameter count of that statement. */
  public int preparedParams() {
    return tracker.preparedParams();
  }

  /**
   * Sends a command (its frames, headers included; ownership passes) whose response goes to
   * {@code sink}. Returns false when the command gets no response (the sink is not called).
   */
  public boolean send(List<ByteBuf> frames, int commandCode, ResponseSink sink) {
    if (busy()) {
      frames.forEach(ByteBuf::release);
      throw new IllegalStateException("backend connection busy");
    }
    boolean answered = started(commandCode, sink);
    for (int i = 0; i < frames.size(); i++) {
      write(frames.get(i));
    }
    channel.flush();
    return answered;
  }

  /** Sends a command of one frame; see {@link #send(List, int, ResponseSink)}. */
  public boolean send(ByteBuf frame, int commandCode, ResponseSink sink) {
    if (busy()) {
      frame.release();
      throw new IllegalStateException("backend connection busy");
    }
    boolean answered = started(commandCode, sink);
    write(frame);
    channel.flush();
    return answered;
  }

  /** Starts tracking the response to a command; returns whether it gets one (then it goes to {@code sink}). */
  private boolean started(int commandCode, ResponseSink sink) {
    boolean answered = tracker.commandSent(commandCode);
    if (answered) {
      this.sink = sink;
    }
    return answered;
  }

  /**
   * Writes {@code frame} (ownership passes), counted as sent. Nothing waits on the write: a write
   * that fails closes the channel, and the command's sink hears of it from there.
   */
  private void write(ByteBuf frame) {
    meter.sent(frame.readableBytes());
    channel.write(frame, channel.unsafe().voidPromise());
  }

  /** Forwards a frame of LOCAL INFILE data from the client; ownership passes. */
  public void sendInfileData(ByteBuf frame, boolean last) {
    if (last) {
      tracker.localInfileSent();
    }
    write(frame);
    if (last) {
      channel.flush();
    }
  }

  public void flushWrites() {
    channel.flush();
  }

  /**
   * Runs a command for the proxy itself (state replay, reset, kill) and completes the promise
   * with the ERR the server answered, or null for success. Result rows are discarded.
   */
  public Promise<Packets.ErrorInfo> execute(int commandCode, byte[] argument) {
    Promise<Packets.ErrorInfo> promise = channel.eventLoop().newPromise();
    ByteBuf frame = Packets.start(channel.alloc(), 1 + argument.length);
    frame.writeByte(commandCode).writeBytes(argument);
    Packets.finish(frame, 0);
    boolean answered = send(frame, commandCode, new ResponseSink() {
      @Override
      public void relay(ByteBuf bytes) {
        bytes.release();
      }

      @Override
      public void responseDone(int serverStatus, Packets.ErrorInfo error) {
        promise.trySuccess(error);
      }

      @Override
      public void failed(Throwable cause) {
        promise.tryFailure(cause);
      }
    });
    if (!answered) {
      promise.trySuccess(null);
    }
    return promise;
  }

  /**
   * Runs a text statement for the proxy itself; see {@link #execute(int, byte[])}. {@code sql} is
   * a byte string (each char one byte, ISO-8859-1): a session statement replayed exactly as the
   * client sent it, in its character set, or ASCII.
   */
  public Promise<Packets.ErrorInfo> query(String sql) {
    return execute(CommandCode.QUERY, sql.getBytes(StandardCharsets.ISO_8859_1));
  }

  public void setAutoRead(boolean autoRead) {
    channel.config().setAutoRead(autoRead);
  }

  public boolean isWritable() {
    return channel.isWritable();
  }

  /** Closes the connection; a running command's sink is told. */
  public void close() {
    broken = true;
    channel.close();
  }

  // --- called by ResponseFramer ---

  void relay(ByteBuf bytes) {
    if (sink == null) {
      bytes.release();
      protocolError(new IllegalStateException("unexpected data from idle backend connection"));
      return;
    }
    sink.relay(bytes);
  }

  void flush() {
    if (sink != null) {
      sink.flush();
    }
  }

  void responseDone() {
    ResponseSink done = sink;
    sink = null;
    if (done != null) {
      done.flush();
      try {
        done.responseDone(tracker.status(), tracker.error());
      } catch (RuntimeException e) {
        done.failed(e); // a sink that cannot take the answer must not leave its session waiting
        close();
      }
    }
  }

  void localInfileRequested() {
    if (sink != null) {
      sink.flush();
      sink.localInfileRequested();
    }
  }

  void writabilityChanged() {
    if (sink instanceof WritabilityListener l) {
      l.backendWritabilityChanged(channel.isWritable());
    }
  }

  void protocolError(Throwable cause) {
    broken = true;
    closed(cause);
    channel.close();
  }

  void closed(Throwable cause) {
    broken = true;
    ResponseSink failed = sink;
    sink = null;
    if (failed != null) {
      failed.failed(cause != null ? cause : new IllegalStateException("backend connection closed"));
    }
  }

  /** A sink that also wants to know when the backend can take more bytes (LOCAL INFILE). */
  public interface WritabilityListener {
    void backendWritabilityChanged(boolean writable);
  }

  @Override
  public String toString() {
    return backend.name() + "#" + threadId;
  }
}
