package io.tandem.proxy.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.tandem.proxy.backend.BackendConnection;
import io.tandem.proxy.backend.BackendCredentials;
import io.tandem.proxy.backend.BackendException;
import io.tandem.proxy.backend.BackendPool;
import io.tandem.proxy.backend.PoolKey;
import io.tandem.proxy.backend.ResponseSink;
import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.config.UserAccount;
import io.tandem.proxy.protocol.Capabilities;
import io.tandem.proxy.protocol.CommandCode;
import io.tandem.proxy.protocol.ErrorCode;
import io.tandem.proxy.protocol.Packets;
import io.tandem.proxy.session.SessionState;
import io.tandem.proxy.session.SessionStatements;
import java.util.ArrayDeque;
import io.tandem.proxy.backend.RowCollector;
import io.tandem.proxy.route.ReadYourWrites;
import io.tandem.proxy.route.Route;
import io.tandem.proxy.session.GtidPosition;
import io.tandem.proxy.route.SessionRouter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Iterator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command phase of one client connection. Commands are taken one at a time in arrival
 * order (pipelined commands wait in a queue); each is answered by the proxy itself (COM_QUIT,
 * KILL, COM_CHANGE_USER, unsupported commands) or relayed to the session's backend connection,
 * whose response bytes flow back untouched with backpressure both ways. The session tracks its
 * state ({@link SessionState}) so that a replacement backend connection can be brought to it.
 *
 * <p>Today every command goes to the active master over one connection held for the session's
 * life; the connection is reset and pooled when the client leaves, or closed if it is mid-response.
 */
final class ClientSession extends ChannelInboundHandlerAdapter
    implements ResponseSink, BackendConnection.WritabilityListener {

  private static final Logger log = LoggerFactory.getLogger(ClientSession.class);
  private static final int QUEUE_HIGH = 64;
  private static final int QUEUE_LOW = 16;

  private final ProxyContext context;
  private final Channel client;
  private final long connectionId;
  private final int capabilities;
  private final byte[] scramble;
  private BackendCredentials credentials;
  private SessionState state;
  private final BackendPool pool;
  private final SessionRouter router;
  /** The router's read-your-writes bookkeeping, or null for eventually consistent reads. */
  private final ReadYourWrites readYourWrites;
  /** The session's binary prepared statements. */
  private final PreparedStatements statements = new PreparedStatements();
  /** The prepared statement the current COM_STMT_EXECUTE runs, when it may run away from its connection. */
  private PreparedStatements.Statement executing;
  /** The write position is being read from the master: commands wait. */
  private boolean readingPosition;
  /** This session's backend connections, by backend name. */
  private final Map<String, BackendConnection> connections = new HashMap<>();
  /** The connection running (or that last ran) a command. */
  private BackendConnection backend;
  private Route currentRoute;
  /** Session commands in the order they succeeded; connections catch up lazily. */
  private final List<SessionCommand> history = new ArrayList<>();
  /** For connections that joined with the state snapshot: history entries before this index that the snapshot covers are skipped. */
  private final Map<BackendConnection, Integer> joinedAt = new java.util.IdentityHashMap<>();
  /** {@link #currentSql} is already covered by the state snapshot. */
  private boolean currentInSnapshot;

  private final ArrayDeque<ClientCommand> queue = new ArrayDeque<>();
  private ClientCommand current;
  private String currentSql;
  /** What recording the command's effect needs once its frames are gone: schema or option. */
  private String currentArgument;
  private boolean relayedAny;
  private List<ByteBuf> assembling;
  private int assembledLength;
  private int nextSequence;
  private boolean localInfile;
  private boolean closing;
  private AuthExchange changeUser;

  ClientSession(ProxyContext context, Channel client, long connectionId, int capabilities,
      byte[] scramble, BackendCredentials credentials, SessionState state) {
    this.context = context;
    this.scramble = scramble;
    this.client = client;
    this.connectionId = connectionId;
    this.capabilities = capabilities;
    this.credentials = credentials;
    this.state = state;
    this.pool = context.pool(client.eventLoop());
    this.router = context.routers.newSession(state.user());
    this.readYourWrites = router.readYourWrites();
  }

  long connectionId() {
    return connectionId;
  }

  String user() {
    return state.user();
  }

  Channel channel() {
    return client;
  }

  /** Login is done; {@code first} is the connection that checked the schema, or null. */
  void started(BackendConnection first) {
    if (first != null) {
      adopt(first);
    }
  }

  /**
   * A connection that was brought to the state snapshot joins the session: it still needs the
   * session commands the snapshot does not cover (e.g. {@code SELECT ... INTO @var}).
   */
  private void adopt(BackendConnection c) {
    c.historyApplied(0);
    joinedAt.put(c, history.size());
    connections.put(c.backend().name(), c);
    backend = c;
  }

  // ---------------------------------------------------------------- client input

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf frame = (ByteBuf) msg;
    if (closing) {
      frame.release();
      return;
    }
    if (localInfile) {
      forwardInfileData(frame);
      return;
    }
    if (changeUser != null) {
      continueChangeUser(frame);
      return;
    }
    int sequence = Packets.sequenceId(frame, frame.readerIndex());
    int length = Packets.payloadLength(frame, frame.readerIndex());
    if (sequence != (assembling == null ? 0 : nextSequence)) {
      frame.release();
      fatal(ErrorCode.NET_PACKETS_OUT_OF_ORDER, "Got packets out of order", sequence + 1);
      return;
    }
    if (assembling == null) {
      assembling = new ArrayList<>(1);
    }
    assembling.add(frame);
    assembledLength += length;
    nextSequence = (sequence + 1) & 0xFF;
    if (assembledLength > context.settings.maxPacketSize()) {
      fatal(ErrorCode.NET_PACKET_TOO_LARGE, "Got a packet bigger than 'max_allowed_packet' bytes", nextSequence);
      return;
    }
    if (length == Packets.MAX_PAYLOAD) {
      return;
    }
    queue.add(new ClientCommand(assembling, assembledLength));
    assembling = null;
    assembledLength = 0;
    if (queue.size() >= QUEUE_HIGH) {
      client.config().setAutoRead(false);
    }
    processQueue();
  }

  private void processQueue() {
    while (current == null && !readingPosition && !closing && !queue.isEmpty()) {
      current = queue.poll();
      if (queue.size() <= QUEUE_LOW && !client.config().isAutoRead()) {
        client.config().setAutoRead(true);
      }
      relayedAny = false;
      currentSql = null;
      currentArgument = null;
      executing = null;
      dispatch(current);
    }
  }

  private void dispatch(ClientCommand command) {
    int code = command.code();
    switch (code) {
      case CommandCode.QUIT -> {
        command.release();
        current = null;
        close();
      }
      case CommandCode.PING -> {
        if (backend == null) {
          answerOk();
        } else {
          relay(command, router.routeCommand(code));
        }
      }
      case CommandCode.QUERY -> onQuery(command);
      case CommandCode.PROCESS_KILL -> {
        long id = command.length() >= 5 ? command.firstPayload().getUnsignedIntLE(1) : -1;
        command.release();
        kill(id, false);
      }
      case CommandCode.CHANGE_USER -> startChangeUser(command);
      case CommandCode.INIT_DB -> {
        currentArgument = command.text();
        Route route = router.routeCommand(code);
        relay(command, new Route(route.backend(), true));
      }
      case CommandCode.SET_OPTION -> {
        currentArgument = command.length() >= 3 ? String.valueOf(command.firstPayload().getUnsignedShortLE(1)) : "";
        relay(command, router.routeCommand(code));
      }
      case CommandCode.FIELD_LIST, CommandCode.STATISTICS,
          CommandCode.PROCESS_INFO, CommandCode.REFRESH, CommandCode.DEBUG,
          CommandCode.CREATE_DB, CommandCode.DROP_DB,
          CommandCode.RESET_CONNECTION, CommandCode.STMT_FETCH -> relay(command, router.routeCommand(code));
      case CommandCode.STMT_PREPARE -> {
        currentSql = router.inspectsStatements() ? command.text() : null;
        relay(command, router.routeCommand(code));
      }
      case CommandCode.STMT_EXECUTE -> onExecute(command);
      case CommandCode.STMT_SEND_LONG_DATA, CommandCode.STMT_RESET -> {
        PreparedStatements.Statement s = statements.find(PreparedStatements.statementId(command.firstPayload()));
        if (s != null) {
          s.longData = code == CommandCode.STMT_SEND_LONG_DATA;
        }
        relay(command, router.routeCommand(code));
      }
      case CommandCode.STMT_CLOSE -> {
        PreparedStatements.Statement s = statements.closed(PreparedStatements.statementId(command.firstPayload()));
        if (s != null) {
          closeCopies(s);
        }
        relay(command, router.routeCommand(code));
      }
      default -> {
        command.release();
        answerError(ErrorCode.UNKNOWN_COM, "Unknown command");
      }
    }
  }

  private void onQuery(ClientCommand command) {
    int first = command.length() > 1 ? command.byteAt(1) : 0;
    boolean maybeKill = switch (first) {
      case 'K', 'k', ' ', '\t', '\r', '\n', '/', '#', '-' -> true;
      default -> false;
    };
    boolean maybeSessionChange = switch (first) {
      case 'S', 's', 'U', 'u' -> startsWithWord(command, "SET") || startsWithWord(command, "USE");
      case 'P', 'p' -> startsWithWord(command, "PREPARE");
      case 'D', 'd' -> startsWithWord(command, "DEALLOCATE") || startsWithWord(command, "DROP");
      default -> false;
    };
    String sql = maybeKill || maybeSessionChange || router.inspectsStatements() ? command.text() : null;
    if (maybeKill) {
      KillStatement kill = KillStatement.parse(sql);
      if (kill != null) {
        command.release();
        kill(kill.id(), kill.queryOnly());
        return;
      }
    }
    currentSql = sql;
    relay(command, sql != null && router.inspectsStatements()
        ? router.routeQuery(sql) : router.routeCommand(CommandCode.QUERY));
  }

  /**
   * COM_STMT_EXECUTE: a statement the session prepared may run elsewhere than where it was
   * prepared (see {@link PreparedStatements}); one that needs its preparing connection's state
   * stays there.
   */
  private void onExecute(ClientCommand command) {
    ByteBuf payload = command.firstPayload();
    PreparedStatements.Statement s = statements.find(PreparedStatements.statementId(payload));
    if (s == null || s.longData || command.frameCount() > 1 || PreparedStatements.opensCursor(payload)
        || !PreparedStatements.learnTypes(s, payload)) {
      if (s != null) {
        s.longData = false;
      }
      relay(command, router.routeCommand(CommandCode.STMT_EXECUTE));
      return;
    }
    executing = s;
    relay(command, router.routeExecute(s.sql));
  }

  /**
   * Sends the command on {@code c}, which is at the session's state; an execution of a statement
   * prepared on another connection goes with the id it has on {@code c}, prepared there first if
   * needed.
   */
  private void sendReady(BackendConnection c, ClientCommand command) {
    PreparedStatements.Statement s = executing;
    if (s == null || c == s.home || !s.home.isOpen() && c.backend().equals(s.home.backend())) {
      backend = c;
      send(command);
      return;
    }
    PreparedStatements.Copy copy = s.on(c);
    if (copy != null) {
      sendCopy(c, command, s, copy);
      return;
    }
    c.execute(CommandCode.STMT_PREPARE, s.sql.getBytes(java.nio.charset.StandardCharsets.UTF_8)).addListener(f -> {
      if (closing) {
        command.release();
        return;
      }
      if (f.isSuccess() && f.getNow() == null && c.preparedStatementId() >= 0) {
        sendCopy(c, command, s, s.preparedOn(c, c.preparedStatementId()));
      } else {
        log.debug("client {}: preparing on {} failed ({}); executing on the master", connectionId, c,
            f.isSuccess() ? f.getNow() : f.cause());
        executing = null;
        relay(command, router.toMaster(currentRoute));
      }
    });
  }

  private void sendCopy(BackendConnection c, ClientCommand command, PreparedStatements.Statement s,
      PreparedStatements.Copy copy) {
    ByteBuf frame = command.firstFrame();
    ByteBuf ready = PreparedStatements.forCopy(frame, s, copy, client.alloc());
    if (ready == null) {
      executing = null; // parameter types never seen: only the preparing connection knows them
      relay(command, router.toMaster(currentRoute));
      return;
    }
    if (ready != frame) {
      command.replaceOnlyFrame(ready);
    }
    backend = c;
    send(command);
  }

  /** The statement is gone: so are its copies on other connections (COM_STMT_CLOSE has no answer). */
  private void closeCopies(PreparedStatements.Statement s) {
    s.copies().forEach((c, copy) -> {
      if (c.isOpen() && !c.busy() && connections.get(c.backend().name()) == c) {
        byte[] id = new byte[4];
        java.nio.ByteBuffer.wrap(id).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt((int) copy.id);
        c.execute(CommandCode.STMT_CLOSE, id);
      }
    });
  }

  /** Whether the statement starts with {@code word} (ASCII, any case) followed by a blank. */
  private static boolean startsWithWord(ClientCommand command, String word) {
    if (command.length() < word.length() + 2) {
      return false;
    }
    for (int i = 0; i < word.length(); i++) {
      if ((command.byteAt(1 + i) & 0xDF) != word.charAt(i)) {
        return false;
      }
    }
    int next = command.byteAt(1 + word.length());
    return next == ' ' || next == '\t' || next == '\n' || next == '\r' || next == '`' || next == '@';
  }

  // ---------------------------------------------------------------- relaying

  private void relay(ClientCommand command, Route route) {
    currentRoute = route;
    if (route.refusal() != null) {
      command.release();
      router.completed(route, state.serverStatus(), true);
      answerError(ErrorCode.OPTION_PREVENTS_STATEMENT, route.refusal());
      return;
    }
    if (route.awaitWrites() && readYourWrites != null) {
      relayAfterWrites(command, route);
      return;
    }
    withConnection(command, route, c -> catchUp(c, command));
  }

  /**
   * Runs {@code next} with the session's connection to the route's backend, brought to the
   * session's state (opened or taken from the pool first if needed); on failure the client gets
   * the error and {@code command} is released.
   */
  private void withConnection(ClientCommand command, Route route, java.util.function.Consumer<BackendConnection> next) {
    BackendDefinition target = route.backend();
    BackendConnection c = connections.get(target.name());
    if (c != null && c.isOpen()) {
      next.accept(c);
      return;
    }
    if (c != null) {
      connections.remove(target.name());
      joinedAt.remove(c);
      if (backend == c) {
        backend = null;
      }
      if (state.pinned() && target.equals(context.writer())) {
        command.release();
        log.warn("client {}: backend {} connection lost between commands with a transaction or prepared statements open; closing", connectionId, c);
        fatal(ErrorCode.LOST_CONNECTION, "Lost connection to backend '" + target.name()
            + "' with an open transaction or prepared statements", 1);
        return;
      }
    }
    acquireBackend(target).addListener(f -> {
      if (closing) {
        command.release();
        if (f.isSuccess()) {
          releaseBackend((BackendConnection) f.getNow());
        }
        return;
      }
      if (!f.isSuccess()) {
        command.release();
        router.completed(route, state.serverStatus(), true);
        ErrorReply reply = ErrorReply.of(f.cause(), target);
        answerError(reply.error(), reply.message());
        return;
      }
      BackendConnection fresh = (BackendConnection) f.getNow();
      adopt(fresh);
      next.accept(fresh);
    });
  }

  // ---------------------------------------------------------------- read-your-writes

  /**
   * A replica read that must see the session's writes: the write position is read from the
   * master if still pending, then the replica waits for it unless it is known to have it; a
   * replica that does not get there in time gives way to the master. See {@link ReadYourWrites}.
   */
  private void relayAfterWrites(ClientCommand command, Route route) {
    if (readYourWrites.positionPending()) {
      readWritePosition(known -> {
        if (closing) {
          command.release();
        } else if (known) {
          relayAfterWrites(command, route);
        } else {
          relay(command, router.toMaster(route));
        }
      });
      return;
    }
    if (readYourWrites.position().isEmpty() || readYourWrites.applied(route.backend())) {
      withConnection(command, route, c -> catchUp(c, command));
      return;
    }
    withConnection(command, route, c -> RowCollector.query(c,
        GtidQueries.await(c, readYourWrites.position(), readYourWrites.timeout())).whenComplete((rows, e) -> {
          if (closing) {
            command.release();
            return;
          }
          if (e == null && !rows.isEmpty() && "0".equals(rows.rows().get(0).get(0))) {
            readYourWrites.appliedOn(route.backend());
            catchUp(c, command);
          } else {
            readYourWrites.notApplied(route.backend());
            relay(command, router.toMaster(route));
          }
        }));
  }

  /**
   * Reads the position of the session's last write from its master connection into the router;
   * {@code done} learns whether it is known now. Commands wait meanwhile.
   */
  private void readWritePosition(java.util.function.Consumer<Boolean> done) {
    BackendConnection master = connections.get(context.writer().name());
    if (master == null || !master.isOpen() || master.busy()) {
      readYourWrites.positionRead(null);
      done.accept(false);
      return;
    }
    readingPosition = true;
    RowCollector.query(master, GtidQueries.writePosition(master)).whenComplete((rows, e) -> {
      readingPosition = false;
      GtidPosition position = null;
      if (e == null && !rows.isEmpty()) {
        try {
          position = GtidPosition.parse(rows.rows().get(0).get(0));
        } catch (IllegalArgumentException unknown) {
          log.warn("client {}: cannot read the write position {}: {}", connectionId, master, unknown.getMessage());
        }
      }
      readYourWrites.positionRead(position);
      done.accept(position != null);
    });
  }

  /** Runs the session commands {@code c} missed, then the command. */
  private void catchUp(BackendConnection c, ClientCommand command) {
    int joined = joinedAt.getOrDefault(c, 0);
    while (c.historyApplied() < history.size() && c.historyApplied() < joined
        && history.get(c.historyApplied()).inSnapshot()) {
      c.historyApplied(c.historyApplied() + 1);
    }
    if (c.historyApplied() >= history.size()) {
      sendReady(c, command);
      return;
    }
    String next = history.get(c.historyApplied()).sql();
    c.query(next).addListener(f -> {
      if (closing) {
        command.release();
        return;
      }
      if (f.isSuccess() && f.getNow() == null) {
        c.historyApplied(c.historyApplied() + 1);
        catchUp(c, command);
        return;
      }
      // the connection cannot follow the session: drop it and start afresh
      log.info("client {}: backend {} could not replay a session command ({}); reconnecting", connectionId, c,
          f.isSuccess() ? f.getNow() : f.cause().toString());
      connections.remove(c.backend().name());
      joinedAt.remove(c);
      c.close();
      relay(command, currentRoute);
    });
  }

  /** A backend connection brought to this session's state: pooled or new, then replayed. */
  Future<BackendConnection> acquireBackend(BackendDefinition target) {
    PoolKey key = new PoolKey(target.name(), credentials.user(),
        capabilities & Capabilities.SESSION_SHAPING, state.collationId());
    Promise<BackendConnection> ready = client.eventLoop().newPromise();
    pool.acquire(target, credentials, key, state.schema()).addListener(f -> {
      if (!f.isSuccess()) {
        ready.setFailure(f.cause());
        return;
      }
      replay((BackendConnection) f.getNow(), state.replayStatements().iterator(), ready);
    });
    return ready;
  }

  private void replay(BackendConnection c, Iterator<String> statements, Promise<BackendConnection> ready) {
    if (!statements.hasNext()) {
      if (state.multiStatements() != null) {
        byte[] option = {(byte) (state.multiStatements() ? 0 : 1), 0};
        c.execute(CommandCode.SET_OPTION, option).addListener(f -> finishReplay(c, f, ready, null));
        return;
      }
      ready.setSuccess(c);
      return;
    }
    c.query(statements.next()).addListener(f -> finishReplay(c, f, ready, statements));
  }

  private void finishReplay(BackendConnection c, Future<?> f, Promise<BackendConnection> ready,
      Iterator<String> statements) {
    if (!f.isSuccess() || f.getNow() != null) {
      c.close();
      ready.setFailure(f.isSuccess()
          ? new BackendException(c.backend().name() + ": replaying session state failed: " + f.getNow())
          : f.cause());
    } else if (statements == null) {
      ready.setSuccess(c);
    } else {
      replay(c, statements, ready);
    }
  }

  void releaseBackend(BackendConnection c) {
    pool.release(c);
  }

  private void send(ClientCommand command) {
    int code = command.code();
    boolean answered = backend.send(command.takeFrames(), code, this);
    if (code == CommandCode.STMT_CLOSE) {
      state.preparedStatementClosed();
    }
    if (!answered) {
      finishCommand();
    }
  }

  @Override
  public void relay(ByteBuf bytes) {
    relayedAny = true;
    client.write(bytes, client.voidPromise());
    if (!client.isWritable()) {
      backend.setAutoRead(false);
    }
  }

  @Override
  public void flush() {
    client.flush();
  }

  @Override
  public void responseDone(int serverStatus, Packets.ErrorInfo error) {
    if (error == null) {
      state.serverStatus(serverStatus);
      currentInSnapshot = false;
      recordStateChange();
      if (currentRoute != null && currentRoute.sessionCommand()) {
        boolean initDb = current.code() == CommandCode.INIT_DB;
        String sql = initDb ? "USE `" + currentArgument.replace("`", "``") + "`" : currentSql;
        if (sql != null) {
          history.add(new SessionCommand(sql, initDb || currentInSnapshot));
          backend.historyApplied(history.size());
        }
      }
    }
    if (currentRoute != null) {
      router.completed(currentRoute, serverStatus, error != null);
    }
    finishCommand();
  }

  private void recordStateChange() {
    switch (current.code()) {
      case CommandCode.QUERY -> {
        if (currentSql != null) {
          currentInSnapshot = SessionStatements.apply(currentSql, state);
          backend.schema(state.schema());
        }
      }
      case CommandCode.INIT_DB -> {
        state.schema(currentArgument);
        backend.schema(state.schema());
      }
      case CommandCode.STMT_PREPARE -> {
        state.preparedStatementOpened();
        if (currentSql != null && backend.preparedStatementId() >= 0) {
          statements.prepared(backend.preparedStatementId(), currentSql, backend.preparedParams(), backend);
        }
      }
      case CommandCode.RESET_CONNECTION -> {
        state.reset();
        statements.clear();
      }
      case CommandCode.SET_OPTION -> state.multiStatements("0".equals(currentArgument));
      default -> { }
    }
  }

  @Override
  public void localInfileRequested() {
    localInfile = true;
  }

  private void forwardInfileData(ByteBuf frame) {
    boolean last = Packets.payloadLength(frame, frame.readerIndex()) == 0;
    if (last) {
      localInfile = false;
    }
    backend.sendInfileData(frame, last);
    if (!last && !backend.isWritable()) {
      client.config().setAutoRead(false);
    }
  }

  @Override
  public void backendWritabilityChanged(boolean writable) {
    if (writable && localInfile) {
      client.config().setAutoRead(true);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (localInfile && backend != null) {
      backend.flushWrites();
    }
  }

  @Override
  public void failed(Throwable cause) {
    BackendConnection lost = backend;
    backend = null;
    if (lost != null) {
      connections.remove(lost.backend().name(), lost);
      joinedAt.remove(lost);
    }
    if (currentRoute != null) {
      router.completed(currentRoute, state.serverStatus(), true);
    }
    log.warn("client {}: backend {} lost during a command: {}", connectionId, lost, cause.getMessage());
    if (!relayedAny) {
      fatal(ErrorCode.LOST_CONNECTION, "Lost connection to backend '" + (lost == null ? "?" : lost.backend().name())
          + "' during query", 1);
    } else {
      close();
    }
  }

  private void finishCommand() {
    if (current != null) {
      current.release();
      current = null;
    }
    if (readYourWrites != null && readYourWrites.positionPending() && queue.isEmpty() && !closing) {
      // the client is idle (reading the write's answer): read the position now, off its path
      readWritePosition(known -> processQueue());
      return;
    }
    processQueue();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (client.isWritable() && backend != null) {
      backend.setAutoRead(true);
    }
    ctx.fireChannelWritabilityChanged();
  }

  // ---------------------------------------------------------------- answered by the proxy

  private void answerOk() {
    client.writeAndFlush(Packets.ok(client.alloc(), 1, state.serverStatus()));
    finishCommand();
  }

  private void answerError(ErrorCode error, String message) {
    client.writeAndFlush(Packets.error(client.alloc(), 1, error, message));
    finishCommand();
  }

  /** Answers with an error and closes the connection (protocol violations, lost state). */
  private void fatal(ErrorCode error, String message, int sequence) {
    log.info("client {} ({}): {} {}", connectionId, client.remoteAddress(), error.code(), message);
    client.writeAndFlush(Packets.error(client.alloc(), sequence & 0xFF, error, message))
        .addListener(ChannelFutureListener.CLOSE);
    close();
  }

  private void kill(long id, boolean queryOnly) {
    ClientSession target = context.registry.get(id);
    if (target == null) {
      answerError(ErrorCode.NO_SUCH_THREAD, "Unknown thread id: " + id);
      return;
    }
    if (!target.user().equals(user())) {
      answerError(ErrorCode.KILL_DENIED, "You are not owner of thread " + id);
      return;
    }
    if (target == this) {
      if (queryOnly) {
        answerOk();
      } else {
        close();
      }
      return;
    }
    target.client.eventLoop().submit(target::runningBackendThread).addListener(f -> {
      BackendThread thread = f.isSuccess() ? (BackendThread) f.getNow() : null;
      client.eventLoop().execute(() -> killBackendThread(target, thread, queryOnly));
    });
  }

  /** The backend thread running this session's command, or null when idle. Own event loop only. */
  private BackendThread runningBackendThread() {
    BackendConnection c = backend;
    return c != null && c.busy() ? new BackendThread(c.backend(), c.threadId()) : null;
  }

  private void killBackendThread(ClientSession target, BackendThread thread, boolean queryOnly) {
    if (thread == null) {
      if (!queryOnly) {
        target.client.close();
      }
      answerOk();
      return;
    }
    PoolKey key = new PoolKey(thread.backend().name(), credentials.user(),
        capabilities & Capabilities.SESSION_SHAPING, state.collationId());
    pool.acquire(thread.backend(), credentials, key, null).addListener(f -> {
      if (!f.isSuccess()) {
        ErrorReply reply = ErrorReply.of(f.cause(), thread.backend());
        answerError(reply.error(), reply.message());
        return;
      }
      BackendConnection side = (BackendConnection) f.getNow();
      side.query((queryOnly ? "KILL QUERY " : "KILL CONNECTION ") + thread.threadId()).addListener(k -> {
        pool.release(side);
        if (!queryOnly) {
          target.client.close();
        }
        if (k.isSuccess() && k.getNow() != null && ((Packets.ErrorInfo) k.getNow()).error().code() != 1094) {
          Packets.ErrorInfo e = (Packets.ErrorInfo) k.getNow();
          answerError(e.error(), e.message());
        } else {
          answerOk();
        }
      });
    });
  }

  private record BackendThread(BackendDefinition backend, long threadId) {}

  /** A session command that succeeded, and whether the state snapshot already covers it. */
  private record SessionCommand(String sql, boolean inSnapshot) {}

  // ---------------------------------------------------------------- COM_CHANGE_USER

  private void startChangeUser(ClientCommand command) {
    ChangeUserRequest request;
    try {
      request = ChangeUserRequest.decode(command.firstPayload(), capabilities);
    } catch (RuntimeException e) {
      command.release();
      answerError(ErrorCode.MALFORMED_PACKET, "Malformed communication packet");
      return;
    }
    command.release();
    changeUser = new AuthExchange(context, client, scramble, client.pipeline().get("tls") != null,
        new AuthExchange.Outcome() {
          @Override
          public void authenticated(UserAccount account, BackendCredentials newCredentials, int nextSequence) {
            changeUser = null;
            connections.values().forEach(pool::release);
            connections.clear();
            statements.clear();
            joinedAt.clear();
            history.clear();
            backend = null;
            credentials = newCredentials;
            state = new SessionState(account.name(), request.collationId() > 0 ? request.collationId() : state.collationId(),
                request.schema());
            if (request.schema() == null) {
              client.writeAndFlush(Packets.ok(client.alloc(), nextSequence, state.serverStatus()));
              finishCommand();
              return;
            }
            acquireBackend(context.writer()).addListener(f -> {
              if (f.isSuccess()) {
                adopt((BackendConnection) f.getNow());
                client.writeAndFlush(Packets.ok(client.alloc(), nextSequence, state.serverStatus()));
              } else {
                ErrorReply reply = ErrorReply.of(f.cause(), context.writer());
                client.writeAndFlush(Packets.error(client.alloc(), nextSequence, reply.error(), reply.message()));
              }
              finishCommand();
            });
          }

          @Override
          public void denied(ErrorCode error, String message, int nextSequence) {
            changeUser = null;
            fatal(error, message, nextSequence);
          }
        });
    changeUser.begin(request.user(), request.authPlugin(), request.authResponse(), 0);
  }

  private void continueChangeUser(ByteBuf frame) {
    try {
      int sequence = Packets.sequenceId(frame, frame.readerIndex());
      ByteBuf payload = frame.slice(frame.readerIndex() + Packets.HEADER_SIZE,
          frame.readableBytes() - Packets.HEADER_SIZE);
      changeUser.onPacket(payload, sequence);
    } finally {
      frame.release();
    }
  }

  // ---------------------------------------------------------------- lifecycle

  /** Closes the client connection and gives the backend connection back (or closes it). */
  void close() {
    if (closing) {
      return;
    }
    closing = true;
    if (assembling != null) {
      assembling.forEach(ByteBuf::release);
      assembling = null;
    }
    queue.forEach(ClientCommand::release);
    queue.clear();
    if (current != null) {
      current.release();
    }
    for (BackendConnection c : connections.values()) {
      if (c.busy() || (localInfile && c == backend)) {
        c.close();
      } else {
        pool.release(c);
      }
    }
    connections.clear();
    joinedAt.clear();
    backend = null;
    router.closed();
    context.registry.closed(connectionId);
    client.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    close();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.info("client {} ({}) connection error: {}", connectionId, client.remoteAddress(), cause.toString());
    close();
  }

  /** The ERR a client gets when its backend could not be used. */
  record ErrorReply(ErrorCode error, String message) {
    static ErrorReply of(Throwable cause, BackendDefinition backend) {
      if (cause instanceof BackendException e && e.serverError() != null) {
        return new ErrorReply(e.serverError().error(), e.serverError().message());
      }
      return new ErrorReply(ErrorCode.CANNOT_CONNECT, "Can't connect to backend '" + backend.name()
          + "' (" + backend.address() + "): " + cause.getMessage());
    }
  }
}
