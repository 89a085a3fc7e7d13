package io.tandem.router.failover;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How the failover controller decides and acts (the {@code failover} section of the config).
 *
 * @param automatic          fail over by itself when the writer fails (false: only alert; an
 *                           operator switches over)
 * @param fall               consecutive failed checks (one per monitor interval) that mark the
 *                           writer failed
 * @param rise               consecutive good checks that clear a failed master again
 * @param writeTimeout       a writer probe (the heartbeat write) still unanswered after this counts
 *                           as a failed check: a master that accepts connections but cannot commit
 *                           (hung, disk full, stopped) is failing. Longer than the masters'
 *                           {@code rpl_semi_sync_master_timeout}, so that a commit waiting for a
 *                           semisync ack is not taken for a dead master
 * @param catchupTimeout     how long the standby may take to apply what it received before it is
 *                           promoted; longer: promotion refused (BLOCKED)
 * @param fenceTimeout       how long fencing the old writer ({@code SET GLOBAL read_only=ON}) and
 *                           each other promotion statement may take
 * @param blockWindow        at most one automatic failover per window (anti-flap)
 * @param allowLossyFailover promote even when the lossless gate fails (semisync was off, the
 *                           standby cannot catch up): acknowledged writes may be lost
 * @param journal            the journal file (epoch, writer, promotion step); null keeps it in memory
 */
public record FailoverSettings(boolean automatic, int fall, int rise, Duration writeTimeout, Duration catchupTimeout,
    Duration fenceTimeout, Duration blockWindow, boolean allowLossyFailover, Path journal) {

  public static final int DEFAULT_FALL = 3;
  public static final int DEFAULT_RISE = 2;
  public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(2);
  public static final Duration DEFAULT_CATCHUP_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_FENCE_TIMEOUT = Duration.ofSeconds(1);
  public static final Duration DEFAULT_BLOCK_WINDOW = Duration.ofMinutes(10);

  public FailoverSettings {
    if (fall < 1 || rise < 1) {
      throw new IllegalArgumentException("fall and rise must be at least 1");
    }
    Objects.requireNonNull(writeTimeout, "writeTimeout");
    Objects.requireNonNull(catchupTimeout, "catchupTimeout");
    Objects.requireNonNull(fenceTimeout, "fenceTimeout");
    Objects.requireNonNull(blockWindow, "blockWindow");
  }

  public static FailoverSettings defaults() {
    return new FailoverSettings(true, DEFAULT_FALL, DEFAULT_RISE, DEFAULT_WRITE_TIMEOUT, DEFAULT_CATCHUP_TIMEOUT,
        DEFAULT_FENCE_TIMEOUT, DEFAULT_BLOCK_WINDOW, false, null);
  }

  public FailoverSettings withJournal(Path journal) {
    return new FailoverSettings(automatic, fall, rise, writeTimeout, catchupTimeout, fenceTimeout, blockWindow,
        allowLossyFailover, journal);
  }

  public FailoverSettings withBlockWindow(Duration blockWindow) {
    return new FailoverSettings(automatic, fall, rise, writeTimeout, catchupTimeout, fenceTimeout, blockWindow,
        allowLossyFailover, journal);
  }

  public FailoverSettings withCatchupTimeout(Duration catchupTimeout) {
    return new FailoverSettings(automatic, fall, rise, writeTimeout, catchupTimeout, fenceTimeout, blockWindow,
        allowLossyFailover, journal);
  }
}
