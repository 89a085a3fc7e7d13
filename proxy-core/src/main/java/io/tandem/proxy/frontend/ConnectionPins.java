package io.tandem.proxy.frontend;

import io.tandem.proxy.backend.BackendConnection;
import io.tandem.proxy.metrics.ProxyMetrics;
import io.tandem.proxy.session.PinReason;
import io.tandem.proxy.session.PinningStatements;
import io.tandem.proxy.session.SessionState;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether a client session must keep its backend connections after a command (and why), or may
 * give them back to the pool until its next command (multiplexing). Fed with what each command
 * was ({@link PinningStatements}, scanned before it is sent) and what its response said (server
 * status, warnings, insert id); see {@link PinReason} for every reason and how long it lasts.
 * A reason that starts is counted once. Used on the session's event loop only.
 */
final class ConnectionPins {

  /** Commands a generated insert id keeps the connection for (LAST_INSERT_ID() reads it). */
  static final int INSERT_ID_COMMANDS = 5;
  /** Reasons that last a few commands only: an idle session drops them after {@link ClientSession#IDLE_RELEASE_MILLIS}. */
  private static final int FOR_A_FEW_COMMANDS = PinReason.LAST_INSERT_ID.bit() | PinReason.FOUND_ROWS.bit()
      | PinReason.WARNINGS.bit();

  private static final int UNTIL_RESET = PinReason.TEMPORARY_TABLE.bit() | PinReason.USER_LOCK.bit()
      | PinReason.HANDLER.bit() | PinReason.STORED_PROCEDURE.bit() | PinReason.USER_VARIABLE.bit()
      | PinReason.SEQUENCE.bit() | PinReason.UNTRACKED_STATE.bit();

  private static final PinReason[] REASONS = PinReason.values();

  private final ProxyMetrics metrics;
  /** Multiplexing is on for the session's user. */
  private boolean enabled;
  /** Reasons that last until a reset (and the table lock and XA, until they end). */
  private int held;
  /** What the command running was found to contain, or 0. */
  private int scanned;
  private boolean nextTransaction;
  private int insertIdCommands;
  private int foundRowsCommands;
  private int warningsCommands;
  /** The reasons in force after the last command. */
  private int active;

  ConnectionPins(ProxyMetrics metrics, boolean enabled) {
    this.metrics = metrics;
    this.enabled = enabled;
  }

  /** The command about to run contains {@code flags} ({@link PinningStatements#scan}). */
  void scanned(int flags) {
    scanned |= flags;
  }

  /** The command ran on {@code ranOn} (null: the proxy answered it, which changes nothing). */
  void commandDone(SessionState state, BackendConnection ranOn, boolean failed, boolean untrackedHistory) {
    int flags = scanned;
    scanned = 0;
    if (ranOn == null) {
      return;
    }
    insertIdCommands = Math.max(0, insertIdCommands - 1);
    foundRowsCommands = Math.max(0, foundRowsCommands - 1);
    warningsCommands = Math.max(0, warningsCommands - 1);
    if (nextTransaction && !state.inTransaction()) {
      nextTransaction = false; // a transaction (or an autocommitted statement) used the characteristics
    }
    if (!failed) {
      if ((flags & PinningStatements.TABLE_UNLOCK) != 0) {
        held &= ~PinReason.TABLE_LOCK.bit();
      }
      if ((flags & PinningStatements.XA_END) != 0) {
        held &= ~PinReason.XA.bit();
      }
    }
    held |= flags & (UNTIL_RESET | PinReason.TABLE_LOCK.bit() | PinReason.XA.bit());
    if ((flags & PinReason.NEXT_TRANSACTION.bit()) != 0 && !failed) {
      nextTransaction = true;
    }
    if (ranOn.insertId() != 0 || (flags & PinReason.LAST_INSERT_ID.bit()) != 0) {
      insertIdCommands = INSERT_ID_COMMANDS;
    }
    if ((flags & PinReason.FOUND_ROWS.bit()) != 0) {
      foundRowsCommands = 1;
    }
    if (failed || ranOn.warnings() > 0) {
      warningsCommands = 1;
    }
    if (untrackedHistory) {
      held |= PinReason.UNTRACKED_STATE.bit();
    }
    int now = reasons(state);
    int started = now & ~active;
    active = now;
    if (started != 0) {
      for (PinReason r : REASONS) {
        if ((started & r.bit()) != 0) {
          metrics.pinned(r);
        }
      }
    }
  }

  private int reasons(SessionState state) {
    int r = held;
    if (state.inTransaction()) {
      r |= PinReason.TRANSACTION.bit();
    }
    if (nextTransaction) {
      r |= PinReason.NEXT_TRANSACTION.bit();
    }
    if (state.preparedStatements() > 0 || state.hasPreparedTexts()) {
      r |= PinReason.PREPARED_STATEMENT.bit();
    }
    if (insertIdCommands > 0) {
      r |= PinReason.LAST_INSERT_ID.bit();
    }
    if (foundRowsCommands > 0) {
      r |= PinReason.FOUND_ROWS.bit();
    }
    if (warningsCommands > 0) {
      r |= PinReason.WARNINGS.bit();
    }
    return r;
  }

  /** Statements are worth scanning: multiplexing is on for the session. */
  boolean mayScan() {
    return enabled;
  }

  /** The session may give its connections back now. */
  boolean mayRelease() {
    return enabled && active == 0;
  }

  /**
   * Only reasons that last a few commands keep the session's connections (an insert id, found
   * rows, warnings not read yet): a session that stays idle gives them up ({@link #idleExpired}).
   */
  boolean onlyForAFewCommands() {
    return enabled && active != 0 && (active & ~FOR_A_FEW_COMMANDS) == 0;
  }

  /**
   * The session stayed idle with only {@link #onlyForAFewCommands()} reasons: it gives them up, so
   * that an idle client does not keep a server connection for a LAST_INSERT_ID() it may never ask
   * (as ProxySQL's auto_increment_delay_multiplex_timeout_ms).
   */
  void idleExpired() {
    insertIdCommands = 0;
    foundRowsCommands = 0;
    warningsCommands = 0;
    active &= ~FOR_A_FEW_COMMANDS;
  }

  /** The reasons in force, as labels; {@code multiplexing_off} when multiplexing is off for the user. */
  List<String> labels() {
    if (!enabled) {
      return List.of("multiplexing_off");
    }
    List<String> out = new ArrayList<>();
    for (PinReason r : REASONS) {
      if ((active & r.bit()) != 0) {
        out.add(r.label());
      }
    }
    return out;
  }

  /** COM_RESET_CONNECTION or COM_CHANGE_USER: the connection state is gone; {@code enabled} for the (new) user. */
  void reset(boolean enabled) {
    this.enabled = enabled;
    held = 0;
    scanned = 0;
    nextTransaction = false;
    insertIdCommands = 0;
    foundRowsCommands = 0;
    warningsCommands = 0;
    active = 0;
  }
}
