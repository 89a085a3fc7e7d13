package io.tandem.router.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class MonitorSettingsTest {

  @Test
  void defaults() {
    MonitorSettings s = MonitorSettings.defaults("monitor", "monitor");
    assertThat(s.interval()).isEqualTo(Duration.ofMillis(250));
    assertThat(s.connectTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(s.queryTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(s.hysteresis()).isEqualTo(0.8);
    assertThat(s.heartbeatTableName()).isEqualTo("`tandem`.`heartbeat`");
    assertThat(s.withInterval(Duration.ofMillis(100)).interval()).isEqualTo(Duration.ofMillis(100));
    assertThat(s.withMaxReplicationLag(Duration.ofMillis(500)).maxReplicationLag()).isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void rejectsNonsense() {
    MonitorSettings s = MonitorSettings.defaults("monitor", "monitor");
    assertThatThrownBy(() -> s.withInterval(Duration.ZERO)).hasMessageContaining("interval");
    assertThatThrownBy(() -> s.withHysteresis(0)).hasMessageContaining("hysteresis");
    assertThatThrownBy(() -> s.withHysteresis(1.5)).hasMessageContaining("hysteresis");
    assertThatThrownBy(() -> new MonitorSettings(s.credentials(), s.interval(), s.connectTimeout(), s.queryTimeout(),
        s.heartbeatTimeout(), s.maxBackoff(), "tandem`; DROP", "heartbeat", s.maxReplicationLag(), 0.8, s.tls()))
        .hasMessageContaining("heartbeatSchema");
  }

  @Test
  void durationsPrintShort() {
    assertThat(Durations.seconds(Duration.ofMillis(3200))).isEqualTo("3.2");
    assertThat(Durations.seconds(Duration.ofSeconds(1))).isEqualTo("1");
    assertThat(Durations.seconds(Duration.ofMillis(12))).isEqualTo("0.012");
    assertThat(Durations.seconds(Duration.ofSeconds(10))).isEqualTo("10");
    assertThat(Durations.seconds(Duration.ZERO)).isEqualTo("0");
  }
}
