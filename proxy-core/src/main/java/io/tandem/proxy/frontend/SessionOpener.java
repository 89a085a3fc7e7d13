package io.tandem.proxy.frontend;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandler;
import io.netty.util.concurrent.Future;
import io.tandem.proxy.backend.BackendCredentials;
import io.tandem.proxy.config.ClientLimits;
import io.tandem.proxy.config.UserAccount;

/**
 * What a listener does with a client once the proxy authenticated it: makes the handler that
 * serves its commands. The client listener opens a proxied session (checking the schema the
 * client named on a backend); the admin listener opens an admin session.
 */
public interface SessionOpener {

  /** A client the listener authenticated. */
  record Client(Channel channel, long connectionId, int capabilities, byte[] scramble, UserAccount account,
      BackendCredentials credentials, int collationId, String schema, ConnectionRegistry registry) {}

  /**
   * The handler for {@code client}'s commands, once it is ready; a failed future refuses the login
   * (a {@link LoginRefused} cause gives the client that error). Called on the client's event loop.
   */
  Future<Session> open(Client client);

  /** The handler of a logged-in client's commands. */
  interface Session extends ChannelInboundHandler {

    /**
     * The login's OK is on its way and the handler is in the pipeline: the connection slot is the
     * session's now (it must free it with {@link ConnectionRegistry#closed} when the client leaves).
     * The session keeps the {@code limits}' read and idle timeouts from now on.
     */
    void started(ClientLimits limits);

    /** The client left before the session started: give back what the session holds. */
    void abandoned();
  }
}
