package io.tandem.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ValueFormatsTest {

  @Test
  void durations() {
    assertThat(DurationFormat.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(DurationFormat.parse("5s")).isEqualTo(Duration.ofSeconds(5));
    assertThat(DurationFormat.parse("10m")).isEqualTo(Duration.ofMinutes(10));
    assertThat(DurationFormat.parse("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(DurationFormat.parse(" 5 s ")).isEqualTo(Duration.ofSeconds(5));
    assertThat(DurationFormat.parse("5")).isNull();
    assertThat(DurationFormat.parse("5S")).isNull();
    assertThat(DurationFormat.parse("1.5s")).isNull();
    assertThat(DurationFormat.parse("-5s")).isNull();
    assertThat(DurationFormat.parse("99999999999999999999h")).isNull();
  }

  @Test
  void durationsFormatToTheLargestExactUnit() {
    assertThat(DurationFormat.format(Duration.ofMillis(500))).isEqualTo("500ms");
    assertThat(DurationFormat.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(DurationFormat.format(Duration.ofSeconds(5))).isEqualTo("5s");
    assertThat(DurationFormat.format(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(DurationFormat.format(Duration.ofMinutes(10))).isEqualTo("10m");
    assertThat(DurationFormat.format(Duration.ofHours(3))).isEqualTo("3h");
    assertThat(DurationFormat.format(Duration.ZERO)).isEqualTo("0ms");
  }

  @Test
  void sizes() {
    assertThat(ByteSizeFormat.parse("64MiB")).isEqualTo(64L * 1024 * 1024);
    assertThat(ByteSizeFormat.parse("16MB")).isEqualTo(16_000_000L);
    assertThat(ByteSizeFormat.parse("1GiB")).isEqualTo(1024L * 1024 * 1024);
    assertThat(ByteSizeFormat.parse("1GB")).isEqualTo(1_000_000_000L);
    assertThat(ByteSizeFormat.parse("4KiB")).isEqualTo(4096L);
    assertThat(ByteSizeFormat.parse("4KB")).isEqualTo(4000L);
    assertThat(ByteSizeFormat.parse("1024")).isEqualTo(1024L);
    assertThat(ByteSizeFormat.parse("1024B")).isEqualTo(1024L);
    assertThat(ByteSizeFormat.parse("64M")).isEqualTo(-1);
    assertThat(ByteSizeFormat.parse("64mib")).isEqualTo(-1);
    assertThat(ByteSizeFormat.parse("lots")).isEqualTo(-1);
    assertThat(ByteSizeFormat.parse("99999999999GiB")).isEqualTo(-1);
  }

  @Test
  void sizesFormatToTheLargestExactBinaryUnit() {
    assertThat(ByteSizeFormat.format(64L * 1024 * 1024)).isEqualTo("64MiB");
    assertThat(ByteSizeFormat.format(1024L * 1024 * 1024)).isEqualTo("1GiB");
    assertThat(ByteSizeFormat.format(1536)).isEqualTo("1536");
    assertThat(ByteSizeFormat.format(2048)).isEqualTo("2KiB");
    assertThat(ByteSizeFormat.format(16_000_000)).isEqualTo("15625KiB");
    assertThat(ByteSizeFormat.format(1_000_000)).isEqualTo("1000000");
  }

  @Test
  void keySuggestions() {
    List<String> known = List.of("connect_timeout", "idle_timeout", "max_idle_per_key");
    assertThat(KeySuggestion.closest("idle_timout", known)).isEqualTo("idle_timeout");
    assertThat(KeySuggestion.closest("Idle_Timeout", known)).isEqualTo("idle_timeout");
    assertThat(KeySuggestion.closest("conect_timeot", known)).isEqualTo("connect_timeout");
    assertThat(KeySuggestion.closest("colour", known)).isNull();
    assertThat(KeySuggestion.editDistance("kitten", "sitting")).isEqualTo(3);
    assertThat(KeySuggestion.editDistance("", "abc")).isEqualTo(3);
  }
}
