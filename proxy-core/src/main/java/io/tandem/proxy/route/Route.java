package io.tandem.proxy.route;

import io.tandem.proxy.config.BackendDefinition;

/**
 * Where one command goes.
 *
 * @param backend         the backend that runs it and whose answer the client gets
 * @param sessionCommand  it changes session state (SET, USE, text PREPARE ...): once it succeeded,
 *                        every other backend connection of the session gets it too, lazily,
 *                        before its next use (and new connections get the whole history)
 */
public record Route(BackendDefinition backend, boolean sessionCommand) {

  public static Route to(BackendDefinition backend) {
    return new Route(backend, false);
  }
}
