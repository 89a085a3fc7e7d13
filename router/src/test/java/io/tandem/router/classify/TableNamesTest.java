package io.tandem.router.classify;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What a statement's tables say about where it may run, derived once when it is classified. */
class TableNamesTest {

  private final StatementClassifier classifier = new StatementClassifier(1000);

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "SELECT * FROM t WHERE id = 1                                        | false | false",
    "SELECT * FROM information_schema.tables                             | false | false",
    "SELECT * FROM information_schema.PROCESSLIST                        | true  | false",
    "SELECT * FROM `INFORMATION_SCHEMA`.`GLOBAL_STATUS`                  | true  | false",
    "SELECT * FROM performance_schema.threads                            | true  | false",
    "SELECT * FROM sys.session                                           | true  | false",
    "SELECT * FROM processlist                                           | false | false",
    "SELECT trace FROM `information_schema`.`OPTIMIZER_TRACE`            | true  | true",
    "SELECT a FROM t WHERE b IN (SELECT id FROM performance_schema.threads) | true | false",
  })
  void derivedFromTheTablesRead(String sql, boolean serverRuntime, boolean optimizerTrace) {
    StatementTraits t = classifier.classify(sql);
    assertThat(t.readsServerRuntime()).isEqualTo(serverRuntime);
    assertThat(t.readsOptimizerTrace()).isEqualTo(optimizerTrace);
    assertThat(t.withHint(null).toBuilder().build().readsServerRuntime()).isEqualTo(serverRuntime);
  }
}
