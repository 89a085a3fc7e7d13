package io.tandem.proxy.route;

import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.config.ProxySettings;
import java.time.Duration;
import java.util.Comparator;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Who takes writes now: the one live value that sessions, routers, read-your-writes and the
 * monitor's heartbeat read on every decision and never copy. Only the failover controller changes
 * it ({@link #publish}), one epoch at a time. Thread-safe: a volatile read per lookup.
 *
 * <p>It also counts the commands on their way to, or running on, the writer ({@link #enter},
 * {@link #leave}), so that a planned switchover can let those routed before it began finish
 * before it makes the old writer read-only ({@link #awaitNoCommandsAtWriter}). A command counts
 * itself first and reads the state after, and the switchover publishes first and reads the count
 * after: both are volatile accesses, so either the command sees the switch (and waits for it) or
 * the switchover sees the command (and waits for it), never neither.
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
  private final AtomicInteger commandsAtWriter = new AtomicInteger();

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

  /**
   * A command is about to be taken to the writer: counted at the writer until {@link #leave},
   * unless the state returned is {@link State#switching() switching} (then it is not counted and
   * waits for the switch instead).
   */
  public State enter() {
    commandsAtWriter.incrementAndGet();
    State s = state;
    if (s.switching()) {
      commandsAtWriter.decrementAndGet();
    }
    return s;
  }

  /** A command counted by {@link #enter} was answered, given up, or is waiting for a switch. */
  public void leave() {
    commandsAtWriter.decrementAndGet();
  }

  /** Commands counted at the writer now ({@link #enter}). */
  public int commandsAtWriter() {
    return commandsAtWriter.get();
  }

  /**
   * Waits until no command counted by {@link #enter} is left, at most {@code max}; for a
   * switchover, after it published a switching state. Returns how many were still left.
   */
  public int awaitNoCommandsAtWriter(Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    int left;
    while ((left = commandsAtWriter.get()) > 0 && System.nanoTime() - deadline < 0) {
      TimeUnit.MILLISECONDS.sleep(1);
    }
    return left;
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
