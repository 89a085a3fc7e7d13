package io.tandem.admin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AdminCommandsTest {

  @Test
  void splitsARefusalIntoItsReasons() {
    String decision = "m1 failed (heartbeat write timed out) and failover was refused: semisync: was OFF on m1 at"
        + " its last good check (commits were not acknowledged by a replica); a failover happened less than 600 s"
        + " ago (failover_block_window); writes are refused until it recovers or an operator fails over";
    assertThat(AdminCommands.reasons(decision)).containsExactly(
        "semisync: was OFF on m1 at its last good check (commits were not acknowledged by a replica)",
        "a failover happened less than 600 s ago (failover_block_window)");
  }

  @Test
  void aPromotionDespiteReasonsListsThem() {
    assertThat(AdminCommands.reasons("m1 failed (x): promoting m2 although semisync: a; semisync: b"
        + " (allow_lossy_failover)")).containsExactly("semisync: a", "semisync: b (allow_lossy_failover)");
  }

  @Test
  void aPlainDecisionHasNoReasons() {
    assertThat(AdminCommands.reasons("switchover: m2 takes writes (epoch 1); writes paused 50 ms")).isEmpty();
    assertThat(AdminCommands.reasons(null)).isEmpty();
  }
}
