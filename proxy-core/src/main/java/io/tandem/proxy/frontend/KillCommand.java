package io.tandem.proxy.frontend;

import io.tandem.proxy.backend.BackendConnection;
import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.protocol.ErrorCode;
import io.tandem.proxy.protocol.Packets;

/**
 * COM_PROCESS_KILL and {@code KILL [QUERY | CONNECTION] n} ({@link KillStatement}), carried out by
 * the proxy: n is the id the proxy gave a client session, and what is killed is the backend
 * thread running that session's command, over a side connection of the killing session's user.
 * {@code KILL CONNECTION} also closes the target's client connection. Only a session of the same
 * user may be killed.
 */
final class KillCommand {

  private KillCommand() {}

  /** Kills session {@code id} (or only its running statement); {@code killer} gets the answer. */
  static void run(ClientSession killer, ConnectionRegistry registry, long id, boolean queryOnly) {
    ClientSession target = registry.get(id);
    if (target == null) {
      killer.answerError(ErrorCode.NO_SUCH_THREAD, "Unknown thread id: " + id);
      return;
    }
    if (!target.user().equals(killer.user())) {
      killer.answerError(ErrorCode.KILL_DENIED, "You are not owner of thread " + id);
      return;
    }
    if (target == killer) {
      if (queryOnly) {
        killer.answerOk();
      } else {
        killer.close();
      }
      return;
    }
    target.channel().eventLoop().submit(() -> runningBackendThread(target)).addListener(f -> {
      BackendThread thread = f.isSuccess() ? (BackendThread) f.getNow() : null;
      killer.channel().eventLoop().execute(() -> killBackendThread(killer, target, thread, queryOnly));
    });
  }

  /** The backend thread running {@code session}'s command, or null when idle. Its event loop only. */
  private static BackendThread runningBackendThread(ClientSession session) {
    BackendConnection c = session.backends().current();
    return c != null && c.busy() ? new BackendThread(c.backend(), c.threadId()) : null;
  }

  private static void killBackendThread(ClientSession killer, ClientSession target, BackendThread thread,
      boolean queryOnly) {
    if (thread == null) {
      if (!queryOnly) {
        target.channel().close();
      }
      killer.answerOk();
      return;
    }
    SessionBackends backends = killer.backends();
    backends.acquireSide(thread.backend()).addListener(f -> {
      if (!f.isSuccess()) {
        ErrorReply reply = ErrorReply.of(f.cause(), thread.backend());
        killer.answerError(reply.error(), reply.message());
        return;
      }
      BackendConnection side = (BackendConnection) f.getNow();
      side.query((queryOnly ? "KILL QUERY " : "KILL CONNECTION ") + thread.threadId()).addListener(k -> {
        backends.release(side);
        if (!queryOnly) {
          target.channel().close();
        }
        if (k.isSuccess() && k.getNow() != null && ((Packets.ErrorInfo) k.getNow()).error().code() != 1094) {
          Packets.ErrorInfo e = (Packets.ErrorInfo) k.getNow();
          killer.answerError(e.error(), e.message());
        } else {
          killer.answerOk();
        }
      });
    });
  }

  private record BackendThread(BackendDefinition backend, long threadId) {}
}
