package io.tandem.proxy.route;

/** Makes the {@link SessionRouter} of each new client session. */
public interface RouterFactory {

  /** A router for a session of {@code user}. */
  SessionRouter newSession(String user);
}
