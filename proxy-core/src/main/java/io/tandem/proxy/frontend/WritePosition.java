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
 * The position (GTID) of the session's last write, for read-your-writes: after a write commits,
 * it is read on the session's connection to the master that ran it ({@link GtidQueries}) and
 * handed to the router's {@link ReadYourWrites}. Commands wait while it is being read.
 *
 * <p>It is read late, never right after the write: before the next read that goes to a replica,
 * or once the session has been idle {@link ClientSession#IDLE_RELEASE_MILLIS} (the master
 * connection is kept until then). Reading it is a statement on the master connection, and a
 * statement resets what the client may ask next about its write there ({@code ROW_COUNT()});
 * a replica read in between would have reset it on a server too.
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
   * Reads the position of the session's last write from its master connection into the router;
   * {@code done} learns whether it is known now. Commands wait meanwhile.
   */
  void read(Consumer<Boolean> done) {
    BackendDefinition writer = writerRole.writer();
    BackendConnection master = writer == null ? null : backends.connection(writer);
    if (master == null || !master.isOpen() || master.busy()) {
      readYourWrites.positionRead(null);
      done.accept(false);
      return;
    }
    reading = true;
    RowCollector.query(master, GtidQueries.writePosition(master)).whenComplete((rows, e) -> {
      reading = false;
      GtidPosition position = null;
      if (e == null && !rows.isEmpty()) {
        try {
          position = GtidPosition.parse(rows.rows().get(0).get(0));
        } catch (IllegalArgumentException unknown) {
          log.warn("client {}: cannot read the write position {}: {}", connectionId, master, unknown.getMessage());
        }
      }
      readYourWrites.positionRead(position);
      done.accept(position != null);
    });
  }
}
