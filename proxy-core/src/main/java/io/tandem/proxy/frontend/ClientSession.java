package io.tandem.proxy.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.tandem.proxy.backend.BackendConnection;
import io.tandem.proxy.backend.BackendCredentials;
import io.tandem.proxy.backend.ResponseSink;
import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.config.ClientLimits;
import io.tandem.proxy.metrics.BackendMeter;
import io.tandem.proxy.metrics.ProxyMetrics;
import io.tandem.proxy.protocol.Capabilities;
import io.tandem.proxy.protocol.CommandCode;
import io.tandem.proxy.protocol.ErrorCode;
import io.tandem.proxy.protocol.PacketDecoder;
import io.tandem.proxy.protocol.Packets;
import io.tandem.proxy.protocol.ResultSetWriter;
import io.tandem.proxy.protocol.ServerStatus;
import io.tandem.proxy.route.ReadYourWrites;
import io.tandem.proxy.route.Route;
import io.tandem.proxy.route.SessionRouter;
import io.tandem.proxy.session.PinningStatements;
import io.tandem.proxy.session.SessionState;
import io.tandem.proxy.session.SessionStatements;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command loop of one client connection. Commands ({@link CommandAssembler} joins their
 * frames) are taken one at a time in arrival order, pipelined ones waiting in a queue; each is
 * answered by the proxy itself (COM_QUIT, KILL: {@link KillCommand}, COM_CHANGE_USER:
 * {@link ChangeUser}, unsupported commands) or routed by the session's router and relayed
 * ({@link CommandRelay}) to the session's connection to that backend ({@link SessionBackends}),
 * whose response bytes flow back untouched with backpressure both ways. The session tracks its
 * state ({@link SessionState}) from the commands that succeed, so that its other connections,
 * and replacements of lost ones, can be brought to it.
 *
 * <p>The connections are reset and pooled when the client leaves, or closed if they are
 * mid-response.
 */
final class ClientSession extends ChannelInboundHandlerAdapter
    implements SessionOpener.Session, ResponseSink, BackendConnection.WritabilityListener {

  private static final Logger log = LoggerFactory.getLogger(ClientSession.class);
  /** Pipelined commands waiting: reading from the client stops at this many, or at {@link #QUEUE_HIGH_BYTES}. */
  private static final int QUEUE_HIGH = 64;
  private static final int QUEUE_LOW = 16;
  /**
   * Statements longer than this (bytes) are relayed to the writer without being decoded, parsed
   * or tracked: routing, session tracking and CONNECTION_ID() apply to shorter ones.
   */
  static final int MAX_INSPECTED_STATEMENT = 1024 * 1024;
  /** Status bits that describe the session (not the last statement): what the proxy's own answers carry. */
  private static final int SESSION_STATUS = ServerStatus.IN_TRANS | ServerStatus.AUTOCOMMIT | 0x0200 | 0x2000;
  /** Bytes of pipelined commands waiting at which reading from the client stops (then resumes under half). */
  private static final long QUEUE_HIGH_BYTES = 16L * 1024 * 1024;
  /**
   * How long a session whose connections are kept only for the next few commands (an insert id,
   * found rows, warnings) may stay idle before it gives them back anyway.
   */
  static final long IDLE_RELEASE_MILLIS = 1000;
  /** Bytes of a statement looked at for what pins the session to its connections (a statement's keywords come first). */
  private static final int MAX_PIN_SCAN = 64 * 1024;

  private final ProxyContext context;
  private final Channel client;
  private final long connectionId;
  private final int capabilities;
  private final byte[] scramble;
  /** The session's state (replaced on COM_CHANGE_USER). */
  private SessionState state;
  private final SessionBackends backends;
  private final SessionRouter router;
  private final WritePosition writePosition;
  private final CommandRelay commandRelay;
  /** Whether the session may give its backend connections back between commands. */
  private final ConnectionPins pins;
  /** When the last command was answered ({@link System#nanoTime()}). */
  private long commandEndedAt;
  /** An idle check ({@link #IDLE_RELEASE_MILLIS}) is scheduled. */
  private boolean idleCheckScheduled;
  /** The session's binary prepared statements. */
  private final PreparedStatements statements = new PreparedStatements();

  private final CommandAssembler assembler;
  private final ArrayDeque<ClientCommand> queue = new ArrayDeque<>();
  /** Payload bytes of the commands in {@link #queue}. */
  private long queuedBytes;
  /** The prepared statement of the COM_STMT_EXECUTE running, or null. */
  private PreparedStatements.Statement executingStatement;
  /** The command running, or null between commands. */
  private ClientCommand current;
  /** The current statement's text: UTF-8 for COM_QUERY, a byte string ({@link ClientCommand#byteText()}) for COM_STMT_PREPARE. */
  private String currentSql;
  /**
   * The current statement as a byte string ({@link ClientCommand#byteText()}) when it may change
   * the session's state: what the state keeps and replays, in the client's character set.
   */
  private String currentByteSql;
  /** The current statement prepared a SET or USE (or an unknown text): its execution changes state the proxy does not follow. */
  private boolean preparedSessionChange;
  /** {@link #currentSql} is already covered by the state snapshot. */
  private boolean currentInSnapshot;
  /** What recording the command's effect needs once its frames are gone: schema or option. */
  private String currentArgument;
  /** Some of the current command's response reached the client. */
  private boolean relayedAny;
  /** The client is sending a file for LOAD DATA LOCAL INFILE: its frames go to the backend as they are. */
  private boolean localInfile;
  private boolean closing;
  /** Read and idle timeouts; from {@link #started}. */
  private ClientTimeouts timeouts;
  /** The client connection's packet decoder (what the timeouts watch), or null if it has none; from {@link #started}. */
  private PacketDecoder decoder;
  /** The COM_CHANGE_USER whose authentication is under way, or null. */
  private ChangeUser changeUser;
  /** When the session logged in (wall clock, for operators). */
  private final long connectedAtMillis = System.currentTimeMillis();
  /** When the current command was taken off the queue ({@link System#nanoTime()}). */
  private long commandStartedAt;
  /** The current command ended with an error. */
  private boolean commandFailed;
  /** The connection the current command was sent on, or null while the proxy answers it. */
  private BackendConnection ranOn;

  ClientSession(ProxyContext context, Channel client, long connectionId, int capabilities,
      byte[] scramble, BackendCredentials credentials, SessionState state) {
    this.context = context;
    this.scramble = scramble;
    this.client = client;
    this.connectionId = connectionId;
    this.capabilities = capabilities;
    this.state = state;
    this.backends = new SessionBackends(context.pool(client.eventLoop()), client.eventLoop(), connectionId,
        capabilities, credentials, state, context.metrics);
    this.pins = new ConnectionPins(context.metrics, context.settings.pool().multiplexing(state.user()));
    this.router = context.routers.newSession(state.user());
    ReadYourWrites readYourWrites = router.readYourWrites();
    this.writePosition = new WritePosition(readYourWrites, backends, context.writerRole, connectionId);
    this.commandRelay = new CommandRelay(this, backends, router, readYourWrites, writePosition, context.writerRole,
        connectionId);
    this.assembler = new CommandAssembler(context.settings.maxPacketSize(), this::fatal);
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

  /** The session's state (replaced on COM_CHANGE_USER). */
  SessionState state() {
    return state;
  }

  /** The session is over: work still under way for it drops its command (already released). */
  boolean closing() {
    return closing;
  }

  /** The session's router. */
  SessionRouter router() {
    return router;
  }

  /**
   * The session's transaction is gone with the connection it ran on (the writer failed): the
   * session is out of it, and so is its router.
   */
  void transactionLost() {
    state.serverStatus(state.serverStatus() & ~ServerStatus.IN_TRANS);
    router.transactionLost();
  }

  /** The session's backend connections. */
  SessionBackends backends() {
    return backends;
  }

  @Override
  public void started(ClientLimits limits) {
    context.registry.register(connectionId, this);
    timeouts = new ClientTimeouts(limits);
    decoder = client.pipeline().get(PacketDecoder.class);
    timeouts.start(client.eventLoop(), this::checkTimeouts, progress());
  }

  @Override
  public void abandoned() {
    backends.close(false);
    router.closed();
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
      changeUser.onFrame(frame);
      return;
    }
    ClientCommand command = assembler.add(frame);
    if (command == null) {
      return;
    }
    queue.add(command);
    queuedBytes += command.length();
    if (queue.size() >= QUEUE_HIGH || queuedBytes >= QUEUE_HIGH_BYTES) {
      client.config().setAutoRead(false);
    }
    processQueue();
  }

  private void processQueue() {
    while (current == null && !writePosition.reading() && !closing && !queue.isEmpty()) {
      current = queue.poll();
      queuedBytes -= current.length();
      if (queue.size() <= QUEUE_LOW && queuedBytes < QUEUE_HIGH_BYTES / 2 && !client.config().isAutoRead()) {
        client.config().setAutoRead(true);
      }
      relayedAny = false;
      commandStartedAt = System.nanoTime();
      commandFailed = false;
      ranOn = null;
      executingStatement = null;
      currentSql = null;
      currentByteSql = null;
      preparedSessionChange = false;
      currentArgument = null;
      dispatch(current);
    }
    if (current == null && queue.isEmpty() && !closing && !writePosition.reading()
        && changeUser == null && !localInfile && backends.holdsAny()) {
      if (pins.mayRelease()) {
        backends.park();
        context.metrics.multiplexed();
      } else if (pins.onlyForAFewCommands() && !idleCheckScheduled) {
        releaseWhenIdle(IDLE_RELEASE_MILLIS);
      }
    }
  }

  /** {@link #IDLE_RELEASE_MILLIS} after its last command, an idle session gives up its few-commands pins. */
  private void releaseWhenIdle(long delayMillis) {
    idleCheckScheduled = true;
    client.eventLoop().schedule(() -> {
      idleCheckScheduled = false;
      if (closing || current != null) {
        return; // a command runs: it looks again when it ends
      }
      long idleMillis = (System.nanoTime() - commandEndedAt) / 1_000_000;
      if (idleMillis >= IDLE_RELEASE_MILLIS) {
        pins.idleExpired();
        processQueue();
      } else if (pins.onlyForAFewCommands() && backends.holdsAny()) {
        releaseWhenIdle(IDLE_RELEASE_MILLIS - idleMillis);
      }
    }, delayMillis, TimeUnit.MILLISECONDS);
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
        if (backends.current() == null) {
          answerOk();
        } else {
          relay(command, router.routeCommand(code));
        }
      }
      case CommandCode.QUERY -> onQuery(command);
      case CommandCode.PROCESS_KILL -> {
        long id = command.length() >= 5 ? command.firstPayload().getUnsignedIntLE(1) : -1;
        command.release();
        KillCommand.run(this, context.registry, id, false);
      }
      case CommandCode.CHANGE_USER -> startChangeUser(command);
      case CommandCode.INIT_DB -> {
        currentArgument = command.byteText(); // the schema name in the client's character set
        relay(command, router.routeCommand(code).asSessionCommand());
      }
      case CommandCode.SET_OPTION -> {
        int option = command.length() == 3 ? command.firstPayload().getUnsignedShortLE(1) : -1;
        if (option != 0 && option != 1) {
          command.release();
          answerError(option < 0 ? ErrorCode.MALFORMED_PACKET : ErrorCode.UNKNOWN_COM,
              option < 0 ? "Malformed communication packet" : "Unknown command");
          return;
        }
        currentArgument = String.valueOf(option);
        relay(command, router.routeCommand(code));
      }
      case CommandCode.STMT_FETCH -> {
        PreparedStatements.Statement s = statements.find(PreparedStatements.statementId(command.firstPayload()));
        if (!refused(command, CommandCheck.fetch(s, command.firstPayload()))) {
          relay(command, router.routeCommand(code));
        }
      }
      case CommandCode.FIELD_LIST -> {
        if (!refused(command, CommandCheck.fieldList(command.firstPayload()))) {
          relay(command, router.routeCommand(code));
        }
      }
      case CommandCode.STATISTICS,
          CommandCode.PROCESS_INFO, CommandCode.REFRESH, CommandCode.DEBUG,
          CommandCode.CREATE_DB, CommandCode.DROP_DB,
          CommandCode.RESET_CONNECTION -> relay(command, router.routeCommand(code));
      case CommandCode.STMT_PREPARE -> {
        // kept in every routing mode: a statement is prepared again from it on another connection
        // (a replica, or a new writer after a failover)
        currentSql = command.byteText(); // prepared again from these bytes on another connection
        pins.scanned(PinningStatements.scan(currentSql));
        relay(command, router.routeCommand(code));
      }
      case CommandCode.STMT_EXECUTE -> onExecute(command);
      case CommandCode.STMT_SEND_LONG_DATA -> {
        PreparedStatements.Statement s = statements.find(PreparedStatements.statementId(command.firstPayload()));
        if (!CommandCheck.longData(s, command.firstPayload())) {
          command.release(); // no answer, as from a server; a bad one fails the next execution
          finishCommand();
          return;
        }
        s.longData = true;
        s.longDataParams.set(command.firstPayload().getUnsignedShortLE(command.firstPayload().readerIndex() + 5));
        relay(command, router.routeCommand(code));
      }
      case CommandCode.STMT_RESET -> {
        PreparedStatements.Statement s = statements.find(PreparedStatements.statementId(command.firstPayload()));
        if (!refused(command, CommandCheck.reset(s, command.firstPayload()))) {
          s.resetLongData();
          s.cursorOpen = false;
          relay(command, router.routeCommand(code));
        }
      }
      case CommandCode.STMT_CLOSE -> {
        PreparedStatements.Statement s = statements.closed(PreparedStatements.statementId(command.firstPayload()));
        if (s == null) {
          command.release(); // an unknown id: a server ignores it too, and there is no answer
          finishCommand();
          return;
        }
        closeCopies(s);
        if (!s.home.isOpen() || !backends.holds(s.home)) {
          // its connection is gone (the writer failed): the id means nothing elsewhere
          command.release();
          state.preparedStatementClosed();
          finishCommand();
          return;
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
    if (pins.mayScan()) {
      ByteBuf frame = command.firstFrame();
      int from = frame.readerIndex() + Packets.HEADER_SIZE + 1;
      int to = from + Math.min(frame.readableBytes() - Packets.HEADER_SIZE - 1, MAX_PIN_SCAN);
      pins.scanned(PinningStatements.scan(frame, from, to));
    }
    if (command.length() > MAX_INSPECTED_STATEMENT) {
      // a huge statement (a bulk INSERT, a big literal) is not decoded nor parsed: as text it would
      // cost twice its size in heap and seconds of parsing; it goes to the writer as it is
      currentSql = null;
      relay(command, router.routeCommand(CommandCode.QUERY));
      return;
    }
    int first = command.length() > 1 ? command.byteAt(1) : 0;
    boolean maybeKill = switch (first) {
      case 'K', 'k', ' ', '\t', '\r', '\n', '/', '#', '-' -> true;
      default -> false;
    };
    boolean maybeSessionChange = switch (first) {
      case 'S', 's', 'U', 'u' -> command.startsWithWord("SET") || command.startsWithWord("USE");
      case 'P', 'p' -> command.startsWithWord("PREPARE");
      case 'D', 'd' -> command.startsWithWord("DEALLOCATE") || command.startsWithWord("DROP");
      case 'E', 'e' -> command.startsWithWord("EXECUTE"); // EXECUTE IMMEDIATE 'SET …'
      case ' ', '\t', '\r', '\n', '/', '#', '-' -> true; // blanks or a comment first: decoded and looked at
      default -> false;
    };
    String sql = maybeKill || maybeSessionChange || router.inspectsStatements() ? command.text() : null;
    if (maybeKill) {
      KillStatement kill = KillStatement.parse(sql);
      if (kill != null) {
        command.release();
        KillCommand.run(this, context.registry, kill.id(), kill.queryOnly());
        return;
      }
    }
    if (command.containsWord("connection_id")) {
      String text = command.byteText();
      if (ConnectionIdQuery.isAlone(text)) {
        command.release();
        answerConnectionId();
        return;
      }
      String rewritten = ConnectionIdQuery.rewrite(text, connectionId);
      if (rewritten != null) {
        byte[] bytes = rewritten.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuf frame = Packets.start(client.alloc(), 1 + bytes.length);
        frame.writeByte(CommandCode.QUERY).writeBytes(bytes);
        command.replaceOnlyFrame(Packets.finish(frame, 0));
        sql = sql != null || router.inspectsStatements() ? command.text() : null;
      }
    }
    if (maybeSessionChange && !backends.holdsAny() && !state.inTransaction() && pins.mayRelease()) {
      Boolean autocommit = SessionStatements.autocommitOnly(sql);
      if (autocommit != null) {
        command.release();
        answerAutocommit(sql, autocommit);
        return;
      }
    }
    currentSql = sql;
    currentByteSql = maybeSessionChange ? command.byteText() : null;
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
    executingStatement = s;
    if (refused(command, CommandCheck.execute(s, payload, command.frameCount() == 1))) {
      if (s != null) {
        s.resetLongData(); // a server forgets the long data of a failed execution too
      }
      return;
    }
    boolean cursor = PreparedStatements.opensCursor(payload);
    s.cursorOpen = cursor;
    boolean single = command.frameCount() == 1;
    if (single) {
      PreparedStatements.learnTypes(s, payload);
    }
    if (s.longData || !single || cursor) {
      // runs on the preparing connection under the client's id: it must have the parameter types,
      // which a client binds once — maybe on another connection (MariaDB 11.4 crashes otherwise)
      s.resetLongData();
      PreparedStatements.Copy home = s.on(s.home);
      if (home != null && !homeHasTypes(command, s, home)) {
        return;
      }
      relay(command, router.routeCommand(CommandCode.STMT_EXECUTE));
      return;
    }
    commandRelay.relayExecution(command, s, router.routeExecute(s.sql));
  }

  /**
   * Makes an execution that goes to the statement's home connection carry the parameter types when
   * that connection never got them; refuses it (1210) when that cannot be done (a multi-frame
   * packet). Returns whether the command may go on.
   */
  private boolean homeHasTypes(ClientCommand command, PreparedStatements.Statement s, PreparedStatements.Copy home) {
    boolean ready;
    if (command.frameCount() > 1) {
      ready = home.typesSent || s.params == 0 || PreparedStatements.bindsTypes(command.firstPayload(), s);
      home.typesSent |= ready;
    } else {
      ByteBuf frame = command.firstFrame();
      ByteBuf withTypes = PreparedStatements.forCopy(frame, s, home, client.alloc());
      ready = withTypes != null;
      if (ready && withTypes != frame) {
        command.replaceOnlyFrame(withTypes);
      }
    }
    return ready || !refused(command, new CommandCheck.Refusal(ErrorCode.WRONG_ARGUMENTS,
        "Incorrect arguments to mysqld_stmt_execute"));
  }

  /** Answers {@code refusal} (when not null) instead of relaying the command; returns whether it did. */
  private boolean refused(ClientCommand command, CommandCheck.Refusal refusal) {
    if (refusal == null) {
      return false;
    }
    command.release();
    answerError(refusal.error(), refusal.message());
    return true;
  }

  /** The statement is gone: so are its copies on other connections (COM_STMT_CLOSE has no answer). */
  private void closeCopies(PreparedStatements.Statement s) {
    s.copies().forEach((c, copy) -> {
      if (c != s.home && c.isOpen() && !c.busy() && backends.holds(c)) {
        byte[] id = new byte[4];
        ByteBuffer.wrap(id).order(ByteOrder.LITTLE_ENDIAN).putInt((int) copy.id);
        c.execute(CommandCode.STMT_CLOSE, id);
      }
    });
  }

  // ---------------------------------------------------------------- relaying, and the response

  /** Relays {@code command} along {@code route} (see {@link CommandRelay}). */
  private void relay(ClientCommand command, Route route) {
    commandRelay.relay(command, route);
  }

  /** Sends {@code command} on {@code c}, which is ready for it; its response comes back here. */
  void send(BackendConnection c, ClientCommand command) {
    backends.use(c);
    ranOn = c;
    int code = command.code();
    boolean answered = command.frameCount() == 1 ? c.send(command.takeOnlyFrame(), code, this)
        : c.send(command.takeFrames(), code, this);
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
      backends.current().setAutoRead(false);
    }
  }

  @Override
  public void flush() {
    client.flush();
  }

  @Override
  public void responseDone(int serverStatus, Packets.ErrorInfo error) {
    if (error != null && current.code() == CommandCode.STMT_EXECUTE && executingStatement != null
        && backends.current() != null) {
      // a server may have dropped the parameter types of an execution it refused: send them again
      PreparedStatements.Copy copy = executingStatement.on(backends.current());
      if (copy != null) {
        copy.typesSent = false;
      }
    }
    commandFailed = error != null;
    if (error == null) {
      state.serverStatus(serverStatus);
      currentInSnapshot = false;
      recordStateChange();
      if (commandRelay.route() != null && commandRelay.route().sessionCommand()) {
        boolean initDb = current.code() == CommandCode.INIT_DB;
        String sql = initDb ? "USE `" + currentArgument.replace("`", "``") + "`"
            : currentByteSql != null ? currentByteSql : currentSql;
        if (sql != null) {
          backends.sessionCommand(sql, initDb || currentInSnapshot);
        }
      }
    }
    if (commandRelay.route() != null) {
      router.completed(commandRelay.route(), serverStatus, error != null);
    }
    finishCommand();
  }

  private void recordStateChange() {
    BackendConnection backend = backends.current();
    switch (current.code()) {
      case CommandCode.QUERY -> {
        if (currentSql != null && SessionStatements.changesGlobals(currentSql)) {
          context.globals.changed();
        }
        if (currentByteSql != null) {
          String schemaBefore = state.schema();
          currentInSnapshot = SessionStatements.apply(currentByteSql, state);
          preparedSessionChange = SessionStatements.preparesSessionChange(currentByteSql);
          if (schemaBefore != null && state.schema() == null) {
            backends.schemaLeft(backend); // it dropped its schema
          }
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
        pins.reset(context.settings.pool().multiplexing(state.user()));
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
    BackendConnection backend = backends.current();
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
    if (localInfile && backends.current() != null) {
      backends.current().flushWrites();
    }
  }

  /**
   * The backend connection running the command was lost (the server died, was fenced, or killed
   * the connection). If none of the answer reached the client, it gets an error and the session
   * goes on (a later command gets a new connection brought to the session's state): 1213/40001
   * when a transaction was open (it is gone), else 1927 (the command may or may not have taken
   * effect; it is never sent again by the proxy). A half-relayed answer cannot be finished: the
   * client connection is closed.
   */
  @Override
  public void failed(Throwable cause) {
    BackendConnection lost = backends.currentLost();
    if (commandRelay.route() != null) {
      router.completed(commandRelay.route(), state.serverStatus(), true);
    }
    String name = lost == null ? "?" : lost.backend().name();
    if (lost != null) {
      lost.meter().failed();
    }
    log.warn("client {}: backend {} lost during a command: {}", connectionId, lost, cause.getMessage());
    if (relayedAny || localInfile || closing) {
      close();
      return;
    }
    if (state.inTransaction()) {
      transactionLost();
      answerError(ErrorCode.TRANSACTION_LOST, "Deadlock found when trying to get lock; try restarting transaction"
          + " (the transaction was lost with the connection to backend '" + name + "')");
    } else {
      answerError(ErrorCode.LOST_CONNECTION, "Connection was killed: lost connection to backend '" + name
          + "' during the command, which may or may not have taken effect");
    }
  }

  /** The command is answered: its frames go, and the next command may run. */
  void finishCommand() {
    commandRelay.leftWriter();
    if (current != null) {
      pins.commandDone(state, ranOn, commandFailed, backends.untrackedHistory() || preparedSessionChange);
      countCommand();
      current.release();
      current = null;
    }
    if (writePosition.pending() && queue.isEmpty() && !closing) {
      // the client is idle (reading the write's answer): read the position now, off its path
      writePosition.read(known -> processQueue());
      return;
    }
    processQueue();
  }

  private void countCommand() {
    ProxyMetrics.Where where;
    BackendMeter meter;
    if (ranOn == null) {
      where = ProxyMetrics.Where.PROXY;
      meter = BackendMeter.NONE;
    } else {
      where = ranOn.backend().role() == BackendDefinition.Role.REPLICA ? ProxyMetrics.Where.REPLICA
          : ProxyMetrics.Where.WRITER;
      meter = ranOn.meter();
    }
    ProxyMetrics.Kind kind = switch (current.code()) {
      case CommandCode.QUERY -> ranOn != null && commandRelay.route() != null && commandRelay.route().sessionCommand()
          ? ProxyMetrics.Kind.SESSION : ProxyMetrics.Kind.QUERY;
      case CommandCode.INIT_DB -> ProxyMetrics.Kind.SESSION;
      case CommandCode.STMT_PREPARE -> ProxyMetrics.Kind.PREPARE;
      case CommandCode.STMT_EXECUTE -> ProxyMetrics.Kind.EXECUTE;
      default -> ProxyMetrics.Kind.OTHER;
    };
    commandEndedAt = System.nanoTime();
    long nanos = commandEndedAt - commandStartedAt;
    context.metrics.commandDone(where, meter, kind, commandFailed, nanos);
    if (ranOn != null && context.metrics.digestsStatements() && kind != ProxyMetrics.Kind.OTHER) {
      String digest = router.digest();
      if (digest != null) {
        context.metrics.statementDone(digest, ranOn.backend().name(), ranOn.rows(), commandFailed, nanos);
      }
    }
  }

  /** What operators see of this session (call on its event loop). */
  SessionInfo info() {
    String command = null;
    long runningMillis = 0;
    if (current != null) {
      runningMillis = (System.nanoTime() - commandStartedAt) / 1_000_000;
      command = currentSql == null ? CommandCode.name(current.code())
          : current.code() == CommandCode.STMT_PREPARE ? ClientCommand.asUtf8(currentSql) : currentSql;
      if (command.length() > 200) {
        command = command.substring(0, 200) + "...";
      }
    }
    java.net.SocketAddress address = client.remoteAddress();
    String clientAddress = address instanceof java.net.InetSocketAddress a
        ? a.getAddress().getHostAddress() + ":" + a.getPort() : String.valueOf(address);
    return new SessionInfo(connectionId, clientAddress, state.user(),
        state.schema() == null ? null : ClientCommand.asUtf8(state.schema()), backends.backendNames(),
        pins.labels(), state.inTransaction(), connectedAtMillis, command, runningMillis);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (client.isWritable() && backends.current() != null) {
      backends.current().setAutoRead(true);
    }
    ctx.fireChannelWritabilityChanged();
  }

  // ---------------------------------------------------------------- answered by the proxy

  /** Answers {@code SELECT CONNECTION_ID()} with the proxy's id for this connection. */
  private void answerConnectionId() {
    boolean deprecateEof = Capabilities.has(capabilities, Capabilities.DEPRECATE_EOF);
    List<ByteBuf> packets = ResultSetWriter.encode(client.alloc(),
        List.of(new ResultSetWriter.Column("CONNECTION_ID()", ResultSetWriter.TYPE_LONGLONG)),
        List.of(List.of(Long.toString(connectionId))), deprecateEof, state.serverStatus() & SESSION_STATUS);
    packets.forEach(p -> client.write(p, client.voidPromise()));
    client.flush();
    finishCommand();
  }

  /**
   * Answers {@code SET autocommit = 0|1} without a server while the session holds no connection
   * and no transaction is open (as ProxySQL does): it only changes the state the session's next
   * connection is brought to, so a driver's connect-time or pool-checkout SET costs no round trip.
   */
  private void answerAutocommit(String sql, boolean on) {
    int status = on ? state.serverStatus() | ServerStatus.AUTOCOMMIT : state.serverStatus() & ~ServerStatus.AUTOCOMMIT;
    Route route = router.inspectsStatements() ? router.routeQuery(sql) : null;
    state.serverStatus(status);
    if (route != null) {
      router.completed(route, status, false);
    }
    answerOk();
  }

  /** Answers the command with OK, then goes on with the next. */
  void answerOk() {
    client.writeAndFlush(Packets.ok(client.alloc(), 1, state.serverStatus() & SESSION_STATUS));
    finishCommand();
  }

  /** Answers the command with an error, then goes on with the next. */
  void answerError(ErrorCode error, String message) {
    commandFailed = true;
    client.writeAndFlush(Packets.error(client.alloc(), 1, error, message));
    finishCommand();
  }

  /** Answers with an error and closes the connection (protocol violations, lost state). */
  void fatal(ErrorCode error, String message, int sequence) {
    log.info("client {} ({}): {} {}", connectionId, client.remoteAddress(), error.code(), message);
    client.writeAndFlush(Packets.error(client.alloc(), sequence & 0xFF, error, message))
        .addListener(ChannelFutureListener.CLOSE);
    close();
  }

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
    changeUser = new ChangeUser(this, context, scramble, request);
    changeUser.begin();
  }

  /**
   * COM_CHANGE_USER authenticated the client as {@code user}: the session starts afresh, without
   * backend connections or prepared statements, in {@code schema} (null: none) and the collation
   * asked for (0: the current one). Returns the new state.
   */
  SessionState userChanged(String user, BackendCredentials credentials, int collationId, String schema) {
    changeUser = null;
    statements.clear();
    state = new SessionState(user, collationId > 0 ? collationId : state.collationId(), schema);
    backends.userChanged(credentials, state);
    pins.reset(context.settings.pool().multiplexing(user));
    return state;
  }

  /** COM_CHANGE_USER did not authenticate the client: it gets the error and is disconnected. */
  void changeUserDenied(ErrorCode error, String message, int sequence) {
    changeUser = null;
    fatal(error, message, sequence);
  }

  // ---------------------------------------------------------------- lifecycle

  /** Closes the client connection and gives the backend connections back (or closes them). */
  void close() {
    if (closing) {
      return;
    }
    closing = true;
    if (timeouts != null) {
      timeouts.stop();
    }
    assembler.release();
    queue.forEach(ClientCommand::release);
    queue.clear();
    if (current != null) {
      current.release();
    }
    commandRelay.leftWriter();
    backends.close(localInfile);
    router.closed();
    context.registry.closed(connectionId);
    client.close();
  }

  /**
   * {@code listen.read_timeout}: a client that stopped in the middle of a packet, of a multi-packet
   * command or of a LOCAL INFILE upload is disconnected with ERR 1159. {@code listen.idle_timeout}:
   * a client idle between commands (nothing sent since its last answer) is disconnected with
   * ERR 4031, as MySQL 8 does for {@code wait_timeout}. A command running on a backend is never
   * cut. Run by {@link ClientTimeouts} every quarter of the shorter timeout.
   */
  private void checkTimeouts() {
    if (closing) {
      return;
    }
    long now = System.nanoTime();
    long quiet = timeouts.quietFor(progress(), now);
    boolean midPacket = (decoder != null && decoder.hasPartialFrame()) || assembler.inProgress() || localInfile
        || changeUser != null;
    if (midPacket && timeouts.readExpired(quiet)) {
      fatal(ErrorCode.NET_READ_INTERRUPTED, "Got timeout reading communication packets", 0);
    } else if (!midPacket && current == null && queue.isEmpty()
        && timeouts.idleExpired(commandEndedAt != 0 ? Math.min(quiet, now - commandEndedAt) : quiet)) {
      fatal(ErrorCode.CLIENT_INTERACTION_TIMEOUT,
          "The client was disconnected by the server because of inactivity", 0);
    }
  }

  private int progress() {
    return decoder != null ? decoder.progress() : 0;
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
}
