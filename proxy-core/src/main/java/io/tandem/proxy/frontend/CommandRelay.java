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
import java.nio.charset.StandardCharsets;
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
 * <p>Until it is sent, the command's frames belong to the command: every path that gives up on it
 * releases it, and when the session closed meanwhile (which released it already) nothing else
 * happens.
 */
final class CommandRelay {

  private static final Logger log = LoggerFactory.getLogger(CommandRelay.class);

  private final ClientSession session;
  private final SessionBackends backends;
  private final SessionRouter router;
  /** The router's read-your-writes bookkeeping, or null for eventually consistent reads. */
  private final ReadYourWrites readYourWrites;
  private final WritePosition writePosition;
  private final BackendDefinition writer;
  /** The client connection's id, for the log. */
  private final long connectionId;
  /** The route the command relayed last took (its last one, if it was routed again). */
  private Route route;
  /** The prepared statement the current COM_STMT_EXECUTE runs, when it may run away from its connection. */
  private PreparedStatements.Statement executing;

  CommandRelay(ClientSession session, SessionBackends backends, SessionRouter router, ReadYourWrites readYourWrites,
      WritePosition writePosition, BackendDefinition writer, long connectionId) {
    this.session = session;
    this.backends = backends;
    this.router = router;
    this.readYourWrites = readYourWrites;
    this.writePosition = writePosition;
    this.writer = writer;
    this.connectionId = connectionId;
  }

  /** The route the command relayed last took (its last one, if it was routed again), or null before the first. */
  Route route() {
    return route;
  }

  /** Relays {@code command} (owned from now on) along {@code route}. */
  void relay(ClientCommand command, Route route) {
    executing = null;
    toBackend(command, route);
  }

  /**
   * Relays a COM_STMT_EXECUTE of {@code s} along {@code route}, which may lead away from the
   * connection that prepared it (see {@link PreparedStatements}).
   */
  void relayExecution(ClientCommand command, PreparedStatements.Statement s, Route route) {
    executing = s;
    toBackend(command, route);
  }

  /**
   * Takes the command along {@code route}; also where a command is routed again (its connection
   * could not catch up, the replica lacks the session's writes, the statement could not be
   * prepared there), keeping {@link #executing} unless that is why.
   */
  private void toBackend(ClientCommand command, Route route) {
    this.route = route;
    if (route.refusal() != null) {
      command.release();
      router.completed(route, session.state().serverStatus(), true);
      session.answerError(ErrorCode.OPTION_PREVENTS_STATEMENT, route.refusal());
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
  private void withConnection(ClientCommand command, Route route, Consumer<BackendConnection> next) {
    BackendDefinition target = route.backend();
    BackendConnection c = backends.connection(target);
    if (c != null && c.isOpen()) {
      next.accept(c);
      return;
    }
    if (c != null) {
      backends.lost(c);
      if (session.state().pinned() && target.equals(writer)) {
        command.release();
        log.warn("client {}: backend {} connection lost between commands with a transaction or prepared statements open; closing", connectionId, c);
        session.fatal(ErrorCode.LOST_CONNECTION, "Lost connection to backend '" + target.name()
            + "' with an open transaction or prepared statements", 1);
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
        command.release();
        router.completed(route, session.state().serverStatus(), true);
        ErrorReply reply = ErrorReply.of(f.cause(), target);
        session.answerError(reply.error(), reply.message());
        return;
      }
      BackendConnection fresh = (BackendConnection) f.getNow();
      backends.adopt(fresh);
      next.accept(fresh);
    });
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
      withConnection(command, route, c -> catchUp(c, command));
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
    if (s == null || c == s.home) {
      session.send(c, command);
      return;
    }
    PreparedStatements.Copy copy = s.on(c);
    if (copy != null) {
      sendCopy(c, command, s, copy);
      return;
    }
    c.execute(CommandCode.STMT_PREPARE, s.sql.getBytes(StandardCharsets.UTF_8)).addListener(f -> {
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
