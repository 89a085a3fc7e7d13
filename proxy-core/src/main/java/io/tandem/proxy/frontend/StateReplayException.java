package io.tandem.proxy.frontend;

/**
 * A server refused a statement replayed to bring a new connection to the session's state (a
 * {@code SET @v := (SELECT … FROM t)} whose table a replica lacks, or that was dropped since).
 */
final class StateReplayException extends Exception {

  StateReplayException(String backend, String serverAnswer) {
    super(backend + ": replaying session state failed: " + serverAnswer);
  }
}
