package io.tandem.proxy.route;

import io.tandem.proxy.config.BackendDefinition;

/**
 * Where one command goes.
 *
 * @param backend         the backend that runs it and whose answer the client gets; null when
 *                        the command is refused
 * @param sessionCommand  it changes session state (SET, USE, text PREPARE ...): once it succeeded,
 *                        every other backend connection of the session gets it too, lazily,
 *                        before its next use (and new connections get the whole history)
 * @param awaitWrites     read-your-writes: the backend (a replica) must first be shown to have
 *                        applied the session's writes ({@link ReadYourWrites}); false when the
 *                        router already knows it has
 * @param refusal         why the command runs nowhere (the client gets ER_OPTION_PREVENTS_STATEMENT
 *                        with this text), or null
 */
public record Route(BackendDefinition backend, boolean sessionCommand, boolean awaitWrites, String refusal) {

  public Route(BackendDefinition backend, boolean sessionCommand, boolean awaitWrites) {
    this(backend, sessionCommand, awaitWrites, null);
  }

  public Route(BackendDefinition backend, boolean sessionCommand) {
    this(backend, sessionCommand, false, null);
  }

  public static Route to(BackendDefinition backend) {
    return new Route(backend, false, false, null);
  }

  /** The command is answered with an error instead of running (e.g. no replica for a read). */
  public static Route refused(String reason) {
    return new Route(null, false, false, reason);
  }
}
