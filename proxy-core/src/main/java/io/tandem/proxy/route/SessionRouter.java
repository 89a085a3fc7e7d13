package io.tandem.proxy.route;

import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.protocol.CommandCode;

/**
 * Decides, command by command, which backend a client session's commands go to. One instance
 * per client session, called only on that session's event loop; it must not block. It keeps
 * whatever routing state it needs (open transaction, temporary tables, locks ...) from what it
 * is told.
 */
public interface SessionRouter {

  /** Where a COM_QUERY with this statement text goes. */
  Route routeQuery(String sql);

  /**
   * Where any other command goes (COM_INIT_DB, COM_STMT_*, COM_FIELD_LIST, COM_PING ...).
   * COM_INIT_DB is always treated as a session command.
   */
  Route routeCommand(int commandCode);

  /**
   * The command last routed has finished: {@code serverStatus} from its last OK/EOF (IN_TRANS,
   * AUTOCOMMIT ...), {@code failed} when the server answered with an error or the backend was
   * lost.
   */
  void completed(Route route, int serverStatus, boolean failed);

  /**
   * Where a COM_STMT_EXECUTE of a statement prepared with {@code sql} goes (a read-only one may
   * go to a replica, where the session prepares it on first use).
   */
  default Route routeExecute(String sql) {
    return routeCommand(CommandCode.STMT_EXECUTE);
  }

  /**
   * The command routed last cannot run where {@code route} sends it (a replica that could not
   * prepare the statement, or did not show the session's writes in time): the route to the master
   * instead.
   */
  default Route toMaster(Route route) {
    return route;
  }

  /** Read-your-writes for this session, or null when its reads may be eventually consistent. */
  default ReadYourWrites readYourWrites() {
    return null;
  }

  /**
   * A backend that can answer reads when the writer cannot be reached (a login naming a schema
   * checks it there, so that reads keep working while the writer is down): an eligible replica,
   * or null when the router reads only from the writer.
   */
  default BackendDefinition readTarget() {
    return null;
  }

  /**
   * The session's transaction ended without a COMMIT or ROLLBACK: the connection it ran on was
   * lost (the writer failed). The router forgets where the transaction ran.
   */
  default void transactionLost() {}

  /**
   * The digest of the statement routed last (literals replaced, e.g. {@code SELECT * FROM t WHERE id = ?}),
   * or null when the router does not read statements or the last command was not one.
   */
  default String digest() {
    return null;
  }

  /** The session ended: release what the router holds for it. */
  default void closed() {}

  /** False when the router never looks at statement text (saves decoding it). */
  default boolean inspectsStatements() {
    return true;
  }
}
