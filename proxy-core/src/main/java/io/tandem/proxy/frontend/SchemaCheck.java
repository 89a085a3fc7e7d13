package io.tandem.proxy.frontend;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.tandem.proxy.backend.BackendConnection;
import io.tandem.proxy.backend.BackendException;
import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.route.SessionRouter;
import io.tandem.proxy.route.WriterRole;

/**
 * The first backend connection of a login (or COM_CHANGE_USER) that names a schema, which checks
 * that the schema exists (an unknown one gets the server's own 1049). It is opened on the writer
 * of the moment; when there is no writer, or the writer cannot be reached, on the router's read
 * target (an eligible replica), so that a client can log in and read while the writer is down.
 */
final class SchemaCheck {

  private SchemaCheck() {}

  /** A connection in the session's schema, brought to its state; fails with the last cause. */
  static Future<BackendConnection> acquire(EventLoop loop, SessionBackends backends, SessionRouter router,
      WriterRole writerRole) {
    Promise<BackendConnection> ready = loop.newPromise();
    BackendDefinition writer = writerRole.writer();
    if (writer == null) {
      onReadTarget(backends, router, ready, new BackendException("no writer: " + writerRole.state().refusal()));
      return ready;
    }
    backends.acquire(writer).addListener(f -> {
      if (f.isSuccess()) {
        ready.setSuccess((BackendConnection) f.getNow());
      } else if (ErrorReply.isServerError(f.cause())) {
        ready.setFailure(f.cause()); // the server's answer (unknown schema, access denied ...)
      } else {
        onReadTarget(backends, router, ready, f.cause());
      }
    });
    return ready;
  }

  private static void onReadTarget(SessionBackends backends, SessionRouter router, Promise<BackendConnection> ready,
      Throwable writerFailure) {
    BackendDefinition replica = router.readTarget();
    if (replica == null) {
      ready.setFailure(writerFailure);
      return;
    }
    backends.acquire(replica).addListener(f -> {
      if (f.isSuccess()) {
        ready.setSuccess((BackendConnection) f.getNow());
      } else {
        ready.setFailure(f.cause());
      }
    });
  }
}
