package io.tandem.proxy.frontend;

import io.netty.buffer.ByteBuf;
import io.tandem.proxy.backend.BackendConnection;
import io.tandem.proxy.backend.RowCollector;
import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.protocol.CommandCode;
import io.tandem.proxy.protocol.ErrorCode;
import io.tandem.proxy.route.ReadYourWrites;
import io.tandem.proxy.route.Route;
import io.tandem.proxy.route.SessionRouter;
import io.tandem.proxy.route.WriterRole;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a command the router sent to a backend onto a connection ready for it, then hands it to
 * the session to send ({@link ClientSession#send}). Ready means: the session's connection to that
 * backend, opened and brought to the session's state if needed, that has run the session
 * commands it missed ({@link SessionBackends}); for a read that must see the session's writes, a
 * replica that has them (else the master); for an execution of a statement prepared on another
 * connection, the statement prepared there too (else the master). A refused route, or a backend
 * that cannot be reached, gets the client an error instead.
 *
 * <p>A command routed to the writer role ({@link Route#toWriter()}) is taken to whoever is the
 * writer when it leaves, not when it was routed. While the writer is being switched, or while the
 * writer cannot be reached and the failover controller has not decided yet, the command waits
 * (at most {@link WriterRole#holdWrites()}) and then goes to the new writer: it was never sent,
 * so sending it there is safe. With no writer at all it is refused with the controller's reason.
 *
 * <p>Until it is sent, the command's frames belong to the command: every path that gives up on it
 * releases it, and when the session closed meanwhile (which released it already) nothing else
 * happens.
 */
final class CommandRelay {

  private static final Logger log = LoggerFactory.getLogger(CommandRelay.class);
  /** How often a held command looks at the writer role again. */
  private static final long HOLD_POLL_MILLIS = 10;
  /** How often a held command tries an unreachable writer again. */
  private static final long RETRY_UNREACHABLE_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

  private final ClientSession session;
  private final SessionBackends backends;
  private final SessionRouter router;
  /** The router's read-your-writes bookkeeping, or null for eventually consistent reads. */
  private final ReadYourWrites readYourWrites;
  private final WritePosition writePosition;
  private final WriterRole writerRole;
  /** The client connection's id, for the log. */
  private final long connectionId;
  /**
   * The current command counts at the writer ({@link WriterRole#enter}): from when it was first
   * taken toward the writer until it is answered, so that a switchover lets it finish first.
   */
  private boolean countedAtWriter;
  /** When the current command stops waiting for a writer (System.nanoTime), or 0 when it has not waited. */
  private long holdDeadline;
  /** The route the command relayed last took (its last one, if it was routed again). */
  private Route route;
  /** The prepared statement the current COM_STMT_EXECUTE runs, when it may run away from its connection. */
  private PreparedStatements.Statement executing;
  /**
   * The session state ({@link io.tandem.proxy.session.SessionState#key()}) a replica refused to
   * replay: while the session stays in it, its reads go to the master, which holds that state.
   */
  private String stateRefusedByReplicas;

  CommandRelay(ClientSession session, SessionBackends backends, SessionRouter router, ReadYourWrites readYourWrites,
      WritePosition writePosition, WriterRole writerRole, long connectionId) {
    this.session = session;
    this.backends = backends;
    this.router = router;
    this.readYourWrites = readYourWrites;
    this.writePosition = writePosition;
    this.writerRole = writerRole;
    this.connectionId = connectionId;
  }

  /** The route the command relayed last took (its last one, if it was routed again), or null before the first. */
  Route route() {
    return route;
  }

  /**
   * The current command is answered, given up, or waiting: it no longer counts at the writer
   * ({@link WriterRole#enter}). Called for every command's end and when the session closes.
   */
  void leftWriter() {
    if (countedAtWriter) {
      countedAtWriter = false;
      writerRole.leave();
    }
  }

  /** Relays {@code command} (owned from now on) along {@code route}. */
  void relay(ClientCommand command, Route route) {
    executing = null;
    holdDeadline = 0;
    toBackend(command, route);
  }

  /**
   * Relays a COM_STMT_EXECUTE of {@code s} along {@code route}, which may lead away from the
   * connection that prepared it (see {@link PreparedStatements}).
   */
  void relayExecution(ClientCommand command, PreparedStatements.Statement s, Route route) {
    executing = s;
    holdDeadline = 0;
    toBackend(command, route);
  }

  /**
   * Takes the command along {@code route}; also where a command is routed again (its connection
   * could not catch up, the replica lacks the session's writes, the statement could not be
   * prepared there), keeping {@link #executing} unless that is why.
   */
  private void toBackend(ClientCommand command, Route route) {
    if (route.toWriter()) {
      WriterRole.State w;
      if (countedAtWriter) {
        w = writerRole.state();
      } else {
        w = writerRole.enter();
        countedAtWriter = !w.switching();
      }
      if (w.switching()) {
        hold(command, route, -1, null);
        return;
      }
      BackendConnection running = backends.current();
      if (session.state().inTransaction() && running != null && running.backend().role() != BackendDefinition.Role.REPLICA
          && !w.isWriter(running.backend())) {
        // the open transaction ran on the old writer: it cannot go on (or commit) anywhere else
        this.route = route;
        router.completed(route, session.state().serverStatus(), true);
        session.transactionLost();
        answerInstead(command, ErrorCode.TRANSACTION_LOST, "Deadlock found when trying to get lock; try restarting"
            + " transaction (the writer changed from '" + running.backend().name() + "' during the transaction)");
        return;
      }
      if (w.writer() == null) {
        route = Route.refused("The proxy is running without a writable master so it cannot execute this statement: "
            + w.refusal());
      } else if (!w.isWriter(route.backend())) {
        route = route.atWriter(w.writer());
      }
    }
    if (stateRefusedByReplicas != null && !route.toWriter() && route.refusal() == null && onReplica(route)
        && stateRefusedByReplicas.equals(session.state().key())) {
      route = router.toMaster(route);
    }
    this.route = route;
    if (route.refusal() != null) {
      router.completed(route, session.state().serverStatus(), true);
      answerInstead(command, ErrorCode.OPTION_PREVENTS_STATEMENT, route.refusal());
      return;
    }
    if (route.awaitWrites() && readYourWrites != null) {
      relayAfterWrites(command, route);
      return;
    }
    toConnection(command, route);
  }

  /**
   * Takes the command to the session's connection to the route's backend (opened or taken from the
   * pool first if needed: {@link #withConnection}), then {@link #catchUp}.
   */
  private void toConnection(ClientCommand command, Route route) {
    BackendConnection c = backends.connection(route.backend());
    if (c != null && c.isOpen()) {
      catchUp(c, command); // the common case, without a callback
    } else {
      withConnection(command, route, ready -> catchUp(ready, command));
    }
  }

  /**
   * Runs {@code next} with the session's connection to the route's backend, brought to the
   * session's state (opened or taken from the pool first if needed); on failure the client gets
   * the error and {@code command} is released.
   */
  private void withConnection(ClientCommand command, Route route, Consumer<BackendConnection> next) {
    BackendDefinition target = route.backend();
    BackendConnection c = backends.connection(target);
    if (c != null && c.isOpen()) {
      next.accept(c);
      return;
    }
    if (c == null && (c = backends.reclaim(target)) != null) {
      backends.adopt(c); // the connection the session gave back after its last command, nobody took it since
      next.accept(c);
      return;
    }
    if (c != null) {
      backends.lost(c);
      if (session.state().inTransaction()) {
        log.info("client {}: backend {} connection lost between commands inside a transaction", connectionId, c);
        router.completed(route, session.state().serverStatus(), true);
        session.transactionLost();
        answerInstead(command, ErrorCode.TRANSACTION_LOST, "Deadlock found when trying to get lock; try restarting"
            + " transaction (the transaction was lost with the connection to backend '" + target.name() + "')");
        return;
      }
    }
    backends.acquire(target).addListener(f -> {
      if (session.closing()) {
        command.release();
        if (f.isSuccess()) {
          backends.release((BackendConnection) f.getNow());
        }
        return;
      }
      if (!f.isSuccess()) {
        if (f.cause() instanceof StateReplayException && onReplica(route) && session.state().key() != null) {
          // the replica cannot hold the session's state (the master ran it): read there instead
          stateRefusedByReplicas = session.state().key();
          log.info("client {}: {}; its reads go to the master while its state stays", connectionId,
              f.cause().getMessage());
          toBackend(command, router.toMaster(route));
          return;
        }
        if (route.toWriter() && !ErrorReply.isServerError(f.cause())) {
          // the writer is unreachable: wait for the controller to fail over (or give up)
          hold(command, route, writerRole.state().epoch(), f.cause());
          return;
        }
        router.completed(route, session.state().serverStatus(), true);
        ErrorReply reply = ErrorReply.of(f.cause(), target);
        answerInstead(command, reply.error(), reply.message());
        return;
      }
      BackendConnection fresh = (BackendConnection) f.getNow();
      backends.adopt(fresh);
      next.accept(fresh);
    });
  }

  private static boolean onReplica(Route route) {
    return route.backend() != null && route.backend().role() == BackendDefinition.Role.REPLICA;
  }

  /**
   * The command does not run: the client gets {@code error} — unless the command has no answer
   * at all (COM_STMT_CLOSE, COM_STMT_SEND_LONG_DATA), when an ERR would be taken for the answer to
   * the next command. Releases the command.
   */
  private void answerInstead(ClientCommand command, ErrorCode error, String message) {
    boolean unanswered = command.code() == CommandCode.STMT_CLOSE || command.code() == CommandCode.STMT_SEND_LONG_DATA;
    command.release();
    if (unanswered) {
      session.finishCommand();
    } else {
      session.answerError(error, message);
    }
  }

  /**
   * Waits before taking the command to the writer again: while the writer is being switched, or
   * ({@code unreachableEpoch} ≥ 0) while the writer of that epoch cannot be reached and is still
   * the writer. Retries an unreachable writer every {@link #RETRY_UNREACHABLE_NANOS}; after
   * {@link WriterRole#holdWrites()} the client gets the connection error ({@code cause}) or, for a
   * switch that did not end, a refusal.
   */
  private void hold(ClientCommand command, Route route, long unreachableEpoch, Throwable cause) {
    leftWriter(); // a waiting command does not hold up a switchover
    long now = System.nanoTime();
    if (holdDeadline == 0) {
      holdDeadline = now + writerRole.holdWrites().toNanos();
    }
    waitForWriter(command, route, unreachableEpoch, cause, now);
  }

  /** One look at the writer role every {@link #HOLD_POLL_MILLIS}; {@code since}: when the writer was last tried. */
  private void waitForWriter(ClientCommand command, Route route, long unreachableEpoch, Throwable cause, long since) {
    session.channel().eventLoop().schedule(() -> {
      if (session.closing()) {
        command.release();
        return;
      }
      WriterRole.State w = writerRole.state();
      long t = System.nanoTime();
      boolean expired = t - holdDeadline >= 0;
      boolean unreachable = unreachableEpoch >= 0 && w.epoch() == unreachableEpoch && w.writer() != null;
      boolean waiting = w.switching() || unreachable;
      if (!waiting || (unreachable && !expired && t - since >= RETRY_UNREACHABLE_NANOS)) {
        toBackend(command, route); // the switch ended, or time to try the unreachable writer again
      } else if (!expired) {
        waitForWriter(command, route, unreachableEpoch, cause, since);
      } else {
        router.completed(route, session.state().serverStatus(), true);
        ErrorReply reply = cause != null ? ErrorReply.of(cause, route.backend())
            : new ErrorReply(ErrorCode.OPTION_PREVENTS_STATEMENT, "The proxy is switching the writer so it cannot"
                + " execute this statement: no writer within " + writerRole.holdWrites().toMillis() + " ms");
        answerInstead(command, reply.error(), reply.message());
      }
    }, HOLD_POLL_MILLIS, TimeUnit.MILLISECONDS);
  }

  /**
   * A replica read that must see the session's writes: the write position is read from the
   * master if still pending, then the replica waits for it unless it is known to have it; a
   * replica that does not get there in time gives way to the master. See {@link ReadYourWrites}.
   */
  private void relayAfterWrites(ClientCommand command, Route route) {
    if (readYourWrites.positionPending()) {
      writePosition.read(known -> {
        if (session.closing()) {
          command.release();
        } else if (known) {
          relayAfterWrites(command, route);
        } else {
          toBackend(command, router.toMaster(route));
        }
      });
      return;
    }
    if (readYourWrites.position().isEmpty() || readYourWrites.applied(route.backend())) {
      toConnection(command, route);
      return;
    }
    withConnection(command, route, c -> RowCollector.query(c,
        GtidQueries.await(c, readYourWrites.position(), readYourWrites.timeout())).whenComplete((rows, e) -> {
          if (session.closing()) {
            command.release();
            return;
          }
          if (e == null && !rows.isEmpty() && "0".equals(rows.rows().get(0).get(0))) {
            readYourWrites.appliedOn(route.backend());
            catchUp(c, command);
          } else {
            readYourWrites.notApplied(route.backend());
            toBackend(command, router.toMaster(route));
          }
        }));
  }

  /** Runs the session commands {@code c} missed, then the command; if {@code c} cannot follow, the command is routed again. */
  private void catchUp(BackendConnection c, ClientCommand command) {
    if (backends.caughtUp(c)) {
      sendReady(c, command);
      return;
    }
    backends.catchUp(c, caughtUp -> {
      if (session.closing()) {
        command.release();
      } else if (caughtUp) {
        sendReady(c, command);
      } else {
        toBackend(command, this.route);
      }
    });
  }

  /**
   * Sends the command on {@code c}, which is at the session's state; an execution of a statement
   * prepared on another connection goes with the id it has on {@code c}, prepared there first if
   * needed.
   */
  private void sendReady(BackendConnection c, ClientCommand command) {
    PreparedStatements.Statement s = executing;
    if (s == null) {
      session.send(c, command);
      return;
    }
    PreparedStatements.Copy copy = s.on(c);
    if (copy != null) {
      sendCopy(c, command, s, copy);
      return;
    }
    c.execute(CommandCode.STMT_PREPARE, s.sql.getBytes(StandardCharsets.ISO_8859_1)).addListener(f -> {
      if (session.closing()) {
        command.release();
        return;
      }
      if (f.isSuccess() && f.getNow() == null && c.preparedStatementId() >= 0) {
        sendCopy(c, command, s, s.preparedOn(c, c.preparedStatementId()));
      } else {
        log.debug("client {}: preparing on {} failed ({}); executing on the master", connectionId, c,
            f.isSuccess() ? f.getNow() : f.cause());
        executing = null;
        toBackend(command, router.toMaster(this.route));
      }
    });
  }

  private void sendCopy(BackendConnection c, ClientCommand command, PreparedStatements.Statement s,
      PreparedStatements.Copy copy) {
    ByteBuf frame = command.firstFrame();
    ByteBuf ready = PreparedStatements.forCopy(frame, s, copy, session.channel().alloc());
    if (ready == null) {
      executing = null; // parameter types never seen: only the preparing connection knows them
      toBackend(command, router.toMaster(this.route));
      return;
    }
    if (ready != frame) {
      command.replaceOnlyFrame(ready);
    }
    session.send(c, command);
  }
}
