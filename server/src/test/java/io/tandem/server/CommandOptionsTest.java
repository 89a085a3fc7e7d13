package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CommandOptionsTest {

  private static CommandOptions parse(String... args) throws UsageException {
    return CommandOptions.parse(List.of(args), Set.of("--config", "--port"), Map.of("-c", "--config"));
  }

  @Test
  void longShortAndEqualsForms() throws Exception {
    CommandOptions o = parse("-c", "a.yaml", "--port=7000");
    assertThat(o.value("--config", null)).isEqualTo("a.yaml");
    assertThat(o.port("--port", 1)).isEqualTo(7000);
    assertThat(parse("--config", "b.yaml").value("--config", null)).isEqualTo("b.yaml");
  }

  @Test
  void defaultsWhenAbsent() throws Exception {
    CommandOptions o = parse();
    assertThat(o.help()).isFalse();
    assertThat(o.value("--config", "conf/tandem.yaml")).isEqualTo("conf/tandem.yaml");
    assertThat(o.port("--port", 6033)).isEqualTo(6033);
  }

  @Test
  void helpWinsOverEverythingElse() throws Exception {
    assertThat(parse("--bogus", "--help").help()).isTrue();
    assertThat(parse("-h").help()).isTrue();
  }

  @Test
  void mistakes() {
    assertThatThrownBy(() -> parse("--bogus", "1")).hasMessage("unknown option --bogus");
    assertThatThrownBy(() -> parse("-x")).hasMessage("unknown option -x");
    assertThatThrownBy(() -> parse("extra")).hasMessage("unexpected argument extra");
    assertThatThrownBy(() -> parse("--config")).hasMessage("option --config needs a value");
    assertThatThrownBy(() -> parse("-c", "a", "--config", "b")).hasMessage("option --config given twice");
    assertThatThrownBy(() -> parse("--port", "70000").port("--port", 0))
        .hasMessage("--port: expected a port number (0-65535), got 70000");
  }
}
