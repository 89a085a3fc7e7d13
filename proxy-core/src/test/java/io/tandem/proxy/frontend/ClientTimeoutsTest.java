package io.tandem.proxy.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.tandem.proxy.config.ClientLimits;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ClientTimeoutsTest {

  private static final long S = 1_000_000_000L;

  private static ClientTimeouts timeouts(Duration read, Duration idle) {
    ClientLimits d = ClientLimits.defaults();
    return new ClientTimeouts(new ClientLimits(d.loginTimeout(), read, idle, d.maxLoginFailures(),
        d.loginFailureWindow(), d.loginBlockTime()));
  }

  @Test
  void quietCountsFromTheLastCheckThatSawTheDecoderMove() {
    ClientTimeouts t = timeouts(Duration.ofSeconds(2), Duration.ZERO);
    assertThat(t.quietFor(1, 10 * S)).isZero();
    assertThat(t.quietFor(1, 11 * S)).isEqualTo(S);
    assertThat(t.readExpired(t.quietFor(1, 12 * S))).isTrue();
    assertThat(t.quietFor(2, 13 * S)).as("bytes arrived since").isZero();
    assertThat(t.idleExpired(1000 * S)).as("idle_timeout off").isFalse();
  }

  @Test
  void quietCountsFromTheStartWhenTheDecoderHasNotMovedSince() {
    ClientTimeouts t = timeouts(Duration.ofSeconds(2), Duration.ofSeconds(4));
    EmbeddedChannel channel = new EmbeddedChannel();
    long started = System.nanoTime();
    t.start(channel.eventLoop(), () -> { }, 7); // the login's packets moved the counter to 7
    assertThat(t.quietFor(7, started + 3 * S)).as("the first check finds nothing new")
        .isBetween(3 * S - S / 10, 3 * S);
    t.stop();
    channel.finishAndReleaseAll();
  }

  @Test
  void aZeroTimeoutNeverExpires() {
    ClientTimeouts t = timeouts(Duration.ZERO, Duration.ofSeconds(4));
    assertThat(t.readExpired(1000 * S)).isFalse();
    assertThat(t.idleExpired(3 * S)).isFalse();
    assertThat(t.idleExpired(4 * S)).isTrue();
  }
}
