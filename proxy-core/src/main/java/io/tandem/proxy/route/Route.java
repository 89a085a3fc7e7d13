package io.tandem.proxy.route;

import io.tandem.proxy.config.BackendDefinition;

/**
 * Where one command goes.
 *
 * @param backend         the backend that runs it and whose answer the client gets; null when
 *                        the command is refused, or held for a writer that is being switched
 * @param sessionCommand  it changes session state (SET, USE, text PREPARE ...): once it succeeded,
 *                        every other backend connection of the session gets it too, lazily,
 *                        before its next use (and new connections get the whole history)
 * @param awaitWrites     read-your-writes: the backend (a replica) must first be shown to have
 *                        applied the session's writes ({@link ReadYourWrites}); false when the
 *                        router already knows it has
 * @param refusal         why the command runs nowhere (the client gets ER_OPTION_PREVENTS_STATEMENT
 *                        with this text), or null
 * @param toWriter        the command goes to the writer role rather than to one backend: the relay
 *                        looks the writer up again when it takes the command to a connection, holds
 *                        it while the writer is being switched, and refuses it when there is none
 */
public record Route(BackendDefinition backend, boolean sessionCommand, boolean awaitWrites, String refusal,
    boolean toWriter) {

  public Route(BackendDefinition backend, boolean sessionCommand, boolean awaitWrites) {
    this(backend, sessionCommand, awaitWrites, null, false);
  }

  public Route(BackendDefinition backend, boolean sessionCommand) {
    this(backend, sessionCommand, false, null, false);
  }

  public static Route to(BackendDefinition backend) {
    return new Route(backend, false, false, null, false);
  }

  /** To the writer of {@code writer} now (null while there is none; the relay then holds or refuses). */
  public static Route toWriter(WriterRole.State writer, boolean sessionCommand) {
    return new Route(writer.writer(), sessionCommand, false, null, true);
  }

  /** The command is answered with an error instead of running (e.g. no replica for a read). */
  public static Route refused(String reason) {
    return new Route(null, false, false, reason, false);
  }

  /** This route, for a command that changes session state. */
  public Route asSessionCommand() {
    return new Route(backend, true, awaitWrites, refusal, toWriter);
  }

  /** This route, to the writer {@code writer} (looked up again). */
  public Route atWriter(BackendDefinition writer) {
    return new Route(writer, sessionCommand, false, null, true);
  }
}
