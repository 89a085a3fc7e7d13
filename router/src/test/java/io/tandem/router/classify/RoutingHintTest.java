package io.tandem.router.classify;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RoutingHintTest {

  private final StatementClassifier classifier = new StatementClassifier(1000);

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
      /* tandem:master */ SELECT 1                       | MASTER  |
      /* tandem:replica */ SELECT 1                      | REPLICA |
      /*tandem:replica*/SELECT 1                         | REPLICA |
      /* TANDEM:Master */ SELECT 1                       | MASTER  |
      /* tandem: replica */ SELECT 1                     | REPLICA |
      /* tandem:max_lag=500ms */ SELECT 1                |         | 500
      /* tandem:max_lag=2s */ SELECT 1                   |         | 2000
      /* tandem:max_lag=3 */ SELECT 1                    |         | 3000
      /* tandem:max_lag=1m */ SELECT 1                   |         | 60000
      /* tandem:replica max_lag=2s */ SELECT 1           | REPLICA | 2000
      /* tandem:replica, max_lag=250ms */ SELECT 1       | REPLICA | 250
      /* tandem:max_lag=100ms replica */ SELECT 1        | REPLICA | 100
      /* app:foo */ /* tandem:master */ SELECT 1         | MASTER  |
      /* tandem:master */ INSERT INTO t VALUES (1)       | MASTER  |
      /* tandem:replica */ SELECT 1; SELECT 2            | REPLICA |
      """)
  void hints(String sql, RoutingHint.Target target, Long lagMillis) {
    RoutingHint hint = classifier.classify(sql).hint();
    assertThat(hint).isNotNull();
    assertThat(hint.target()).isEqualTo(target);
    assertThat(hint.maxLag()).isEqualTo(lagMillis == null ? null : Duration.ofMillis(lagMillis));
    assertThat(hint.master()).isEqualTo(target == RoutingHint.Target.MASTER);
    assertThat(hint.replica()).isEqualTo(target == RoutingHint.Target.REPLICA);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
    "SELECT 1",
    "SELECT /* tandem:master */ 1",
    "SELECT 1 /* tandem:master */",
    "/* tandem:primary-ish */ SELECT 1",
    "/* tandem:master replica */ SELECT 1",
    "/* tandem:master max_lag=1s */ SELECT 1",
    "/* tandem:max_lag=fast */ SELECT 1",
    "/* tandem:max_lag=5h */ SELECT 1",
    "/* tandem: */ SELECT 1",
    "/* not tandem:master */ SELECT 1",
    "-- tandem:master\nSELECT 1",
    "/*! tandem:master */ SELECT 1",
    "SELECT 1; /* tandem:master */ SELECT 2",
  })
  void noHint(String sql) {
    assertThat(classifier.classify(sql).hint()).isNull();
  }

  @Test
  void theHintDoesNotChangeTheDigestNorTheCachedTraits() {
    StatementTraits plain = classifier.classify("SELECT a FROM t WHERE id = 1");
    StatementTraits hinted = classifier.classify("/* tandem:master */ SELECT a FROM t WHERE id = 2");
    assertThat(hinted.digest()).isEqualTo(plain.digest());
    assertThat(hinted.hint()).isEqualTo(RoutingHint.MASTER);
    assertThat(plain.hint()).isNull();
    assertThat(classifier.classify("SELECT a FROM t WHERE id = 3").hint()).isNull();
    assertThat(classifier.cacheHits()).isEqualTo(2);
  }

  @Test
  void parseDirectly() {
    assertThat(RoutingHint.parse(" tandem:replica max_lag=1500ms "))
        .isEqualTo(new RoutingHint(RoutingHint.Target.REPLICA, Duration.ofMillis(1500)));
    assertThat(RoutingHint.parse("tandem:master")).isSameAs(RoutingHint.MASTER);
    assertThat(RoutingHint.parse(null)).isNull();
    assertThat(RoutingHint.parse("master")).isNull();
  }
}
