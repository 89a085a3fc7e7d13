package io.tandem.proxy.route;

import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.config.ProxySettings;
import java.time.Duration;
import java.util.Comparator;
import java.util.Objects;

/**
 * Who takes writes now: the one live value that sessions, routers, read-your-writes and the
 * monitor's heartbeat read on every decision and never copy. Only the failover controller changes
 * it ({@link #publish}), one epoch at a time. Thread-safe: a volatile read per lookup.
 */
public final class WriterRole {

  /**
   * One published state.
   *
   * @param writer    the backend taking writes, or null when none may
   * @param epoch     increases with every change of writer (0 for the one chosen at start-up)
   * @param refusal   why writes are refused while {@code writer} is null (split brain, both
   *                  masters down, failover refused ...); null otherwise
   * @param switching the writer is being switched: writes wait ({@code hold_writes}) instead of
   *                  failing, then run on the new writer
   */
  public record State(BackendDefinition writer, long epoch, String refusal, boolean switching) {

    /** Whether {@code backend} is this state's writer (compared by name). */
    public boolean isWriter(BackendDefinition backend) {
      return writer != null && backend != null && writer.name().equals(backend.name());
    }
  }

  /** Default of {@link #holdWrites()}. */
  public static final Duration DEFAULT_HOLD_WRITES = Duration.ofSeconds(5);

  private final Duration holdWrites;
  private volatile State state;

  /**
   * @param writer     the writer at start-up, epoch 0
   * @param holdWrites how long a command for the writer waits while the writer is being switched
   *                   or cannot be reached, before the client gets an error
   */
  public WriterRole(BackendDefinition writer, Duration holdWrites) {
    this.state = new State(Objects.requireNonNull(writer, "writer"), 0, null, false);
    this.holdWrites = Objects.requireNonNull(holdWrites, "holdWrites");
  }

  /** The writer chosen by configuration alone: the master with the highest priority. */
  public static WriterRole byPriority(ProxySettings settings) {
    return new WriterRole(highestPriorityMaster(settings), DEFAULT_HOLD_WRITES);
  }

  /** How long a command for the writer waits while the writer is being switched or cannot be reached. */
  public Duration holdWrites() {
    return holdWrites;
  }

  /** The configured master (role {@code master}) with the highest priority. */
  public static BackendDefinition highestPriorityMaster(ProxySettings settings) {
    return highestPriorityMaster(settings.backends());
  }

  /** The backend of {@code backends} with role {@code master} and the highest priority. */
  public static BackendDefinition highestPriorityMaster(java.util.List<BackendDefinition> backends) {
    return backends.stream()
        .filter(b -> b.role() == BackendDefinition.Role.MASTER)
        .max(Comparator.comparingInt(BackendDefinition::priority))
        .orElseThrow(() -> new IllegalArgumentException("no backend with role master"));
  }

  public State state() {
    return state;
  }

  /** The backend taking writes now, or null when writes are refused or held. */
  public BackendDefinition writer() {
    return state.writer();
  }

  /** Whether {@code backend} takes writes now (compared by name). */
  public boolean isWriter(BackendDefinition backend) {
    return state.isWriter(backend);
  }

  /** Publishes a new state; only the failover controller calls this. */
  public void publish(State next) {
    Objects.requireNonNull(next, "next");
    if (next.writer() == null && !next.switching() && next.refusal() == null) {
      throw new IllegalArgumentException("a state without writer needs a refusal");
    }
    state = next;
  }
}
