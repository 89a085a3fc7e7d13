package io.tandem.proxy.frontend;

import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.tandem.proxy.backend.BackendConnection;
import io.tandem.proxy.metrics.ProxyMetrics;
import io.tandem.proxy.session.SessionState;

/**
 * The client listener's {@link SessionOpener}: a {@link ClientSession} for each authenticated
 * client; when the client named a schema, only after a first backend connection in it (an unknown
 * schema is refused with the server's own 1049; no reachable backend with 1429). That connection
 * goes back to the pool at once when the session has no state to keep on it, so a client that
 * logged in and stays idle holds no server connection.
 */
final class ClientSessions implements SessionOpener {

  private final ProxyContext context;

  ClientSessions(ProxyContext context) {
    this.context = context;
  }

  @Override
  public Future<Session> open(Client client) {
    SessionState state = new SessionState(client.account().name(), client.collationId(), client.schema());
    ClientSession session = new ClientSession(context, client.channel(), client.connectionId(),
        client.capabilities(), client.scramble(), client.credentials(), state);
    if (client.schema() == null) {
      return client.channel().eventLoop().newSucceededFuture(session);
    }
    Promise<Session> ready = client.channel().eventLoop().newPromise();
    SchemaCheck.acquire(client.channel().eventLoop(), session.backends(), session.router(), context.writerRole)
        .addListener(f -> {
          if (f.isSuccess()) {
            BackendConnection checked = (BackendConnection) f.getNow();
            if (!session.backends().releaseIfStateless(checked)) {
              session.backends().adopt(checked);
            }
            ready.setSuccess(session);
          } else {
            session.abandoned();
            ErrorReply reply = ErrorReply.of(f.cause(), context.writerRole.writer());
            ready.setFailure(new LoginRefused(reply.error(), reply.message(), ErrorReply.isServerError(f.cause())
                ? ProxyMetrics.Refusal.UNKNOWN_SCHEMA : ProxyMetrics.Refusal.NO_BACKEND));
          }
        });
    return ready;
  }
}
