package io.tandem.proxy.frontend;

import io.tandem.proxy.backend.BackendConnection;
import io.tandem.proxy.backend.RowCollector;
import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.route.ReadYourWrites;
import io.tandem.proxy.route.WriterRole;
import io.tandem.proxy.session.GtidPosition;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The position (GTID) of the session's last write, for read-your-writes: read from the master
 * that ran it ({@link GtidQueries}) and handed to the router's {@link ReadYourWrites}. Commands
 * wait while it is being read.
 *
 * <p>It is read as soon as the write is answered while the client has nothing queued (else just
 * before the next read that goes to a replica), on a connection of its own: the master's binary
 * log position then, which includes the write. Never on the session's connection, where a
 * statement would change what the client may ask next about its own statements there
 * ({@code ROW_COUNT()}, {@code FOUND_ROWS()}, the warnings).
 */
final class WritePosition {

  private static final Logger log = LoggerFactory.getLogger(WritePosition.class);

  /** The router's read-your-writes bookkeeping, or null for eventually consistent reads. */
  private final ReadYourWrites readYourWrites;
  private final SessionBackends backends;
  private final WriterRole writerRole;
  /** The client connection's id, for the log. */
  private final long connectionId;
  /** The position is being read from the master: commands wait. */
  private boolean reading;

  WritePosition(ReadYourWrites readYourWrites, SessionBackends backends, WriterRole writerRole, long connectionId) {
    this.readYourWrites = readYourWrites;
    this.backends = backends;
    this.writerRole = writerRole;
    this.connectionId = connectionId;
  }

  /** The position is being read from the master: commands wait. */
  boolean reading() {
    return reading;
  }

  /** A write committed whose position has not been read yet. */
  boolean pending() {
    return readYourWrites != null && readYourWrites.positionPending();
  }

  /**
   * Reads the master's position (which includes the session's last write) into the router, on a
   * connection of its own; {@code done} learns whether it is known now. Commands wait meanwhile.
   */
  void read(Consumer<Boolean> done) {
    BackendDefinition writer = writerRole.writer();
    if (writer == null) {
      readYourWrites.positionRead(null);
      done.accept(false);
      return;
    }
    reading = true;
    backends.acquireSide(writer).addListener(f -> {
      if (!f.isSuccess()) {
        finish(null, done);
        return;
      }
      BackendConnection side = (BackendConnection) f.getNow();
      RowCollector.query(side, GtidQueries.writePosition(side)).whenComplete((rows, e) -> {
        GtidPosition position = null;
        if (e == null && !rows.isEmpty()) {
          try {
            position = GtidPosition.parse(rows.rows().get(0).get(0));
          } catch (IllegalArgumentException unknown) {
            log.warn("client {}: cannot read the write position {}: {}", connectionId, side, unknown.getMessage());
          }
        }
        backends.releaseSide(side);
        finish(position, done);
      });
    });
  }

  private void finish(GtidPosition position, Consumer<Boolean> done) {
    reading = false;
    readYourWrites.positionRead(position);
    done.accept(position != null);
  }
}
