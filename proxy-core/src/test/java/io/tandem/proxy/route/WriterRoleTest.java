package io.tandem.proxy.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.proxy.config.BackendDefinition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WriterRoleTest {

  private static final BackendDefinition M1 = new BackendDefinition("m1", "127.0.0.1", 1, BackendDefinition.Role.MASTER, 2);
  private static final BackendDefinition M2 = new BackendDefinition("m2", "127.0.0.1", 2, BackendDefinition.Role.MASTER, 1);

  @Test
  void aCommandCountsAtTheWriterUntilItLeavesButNotWhileTheWriterIsSwitching() {
    WriterRole role = new WriterRole(M1, WriterRole.DEFAULT_HOLD_WRITES);
    WriterRole.State s = role.enter();
    assertThat(s.writer()).isEqualTo(M1);
    assertThat(role.commandsAtWriter()).isEqualTo(1);
    role.leave();
    assertThat(role.commandsAtWriter()).isZero();

    role.publish(new WriterRole.State(null, 0, null, true));
    assertThat(role.enter().switching()).isTrue();
    assertThat(role.commandsAtWriter()).as("a command that will wait for the switch").isZero();
  }

  @Test
  void aSwitchoverWaitsForTheCommandsAtTheWriterAtMostItsBound() throws Exception {
    WriterRole role = new WriterRole(M1, WriterRole.DEFAULT_HOLD_WRITES);
    role.enter();
    role.enter();
    role.publish(new WriterRole.State(null, 0, null, true));
    Thread answers = new Thread(() -> {
      sleep(30);
      role.leave();
      sleep(30);
      role.leave();
    });
    answers.start();
    long began = System.nanoTime();
    assertThat(role.awaitNoCommandsAtWriter(Duration.ofSeconds(10))).isZero();
    assertThat(System.nanoTime() - began).as("waited for both answers").isGreaterThanOrEqualTo(50_000_000L);
    answers.join();

    role.publish(new WriterRole.State(M2, 1, null, false));
    role.enter();
    assertThat(role.awaitNoCommandsAtWriter(Duration.ofMillis(20))).as("one still running after the bound").isEqualTo(1);
  }

  /**
   * Sessions count themselves, then read the state; the switchover publishes, then waits for the
   * count, then fences. No command that saw the old writer may still be on its way when the fence
   * comes down.
   */
  @Test
  void noCommandThatSawTheOldWriterIsOnItsWayWhenTheSwitchoverFences() throws Exception {
    for (int round = 0; round < 200; round++) {
      WriterRole role = new WriterRole(M1, WriterRole.DEFAULT_HOLD_WRITES);
      AtomicBoolean fenced = new AtomicBoolean();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger sentAfterFence = new AtomicInteger();
      List<Thread> sessions = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        Thread session = new Thread(() -> {
          while (!stop.get()) {
            WriterRole.State s = role.enter();
            if (s.switching()) {
              continue;
            }
            if (fenced.get()) {
              sentAfterFence.incrementAndGet();
            }
            role.leave();
          }
        });
        session.start();
        sessions.add(session);
      }
      role.publish(new WriterRole.State(null, 0, null, true));
      assertThat(role.awaitNoCommandsAtWriter(Duration.ofSeconds(5))).isZero();
      fenced.set(true);
      sleep(1);
      stop.set(true);
      for (Thread s : sessions) {
        s.join();
      }
      assertThat(sentAfterFence.get()).as("round %d", round).isZero();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
