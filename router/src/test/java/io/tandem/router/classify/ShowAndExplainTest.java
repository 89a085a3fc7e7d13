package io.tandem.router.classify;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** SHOW on a replica only for schema metadata; EXPLAIN as its statement; the tables they name. */
class ShowAndExplainTest {

  private final StatementClassifier classifier = new StatementClassifier(1000);

  @ParameterizedTest(name = "{0} -> readOnly={1}")
  @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
      SHOW DATABASES                           | true
      SHOW SCHEMAS LIKE 'a%'                   | true
      SHOW TABLES                              | true
      SHOW FULL TABLES FROM db WHERE Table_type = 'VIEW' | true
      SHOW TABLE STATUS                        | true
      SHOW COLUMNS FROM t                      | true
      SHOW FULL COLUMNS FROM t FROM db         | true
      SHOW EXTENDED FULL FIELDS IN t           | true
      SHOW INDEX FROM t                        | true
      SHOW KEYS IN t                           | true
      SHOW CREATE TABLE t                      | true
      SHOW CREATE VIEW v                       | true
      SHOW CREATE DATABASE db                  | true
      SHOW CREATE PROCEDURE p                  | true
      SHOW TRIGGERS                            | true
      SHOW EVENTS                              | true
      SHOW PROCEDURE STATUS                    | true
      SHOW FUNCTION STATUS WHERE Db = 'x'      | true
      SHOW CHARACTER SET                       | true
      SHOW COLLATION                           | true
      SHOW ENGINES                             | true
      SHOW STORAGE ENGINES                     | true
      SHOW PLUGINS                             | true
      SHOW PRIVILEGES                          | true
      SHOW GRANTS                              | true
      SHOW GRANTS FOR CURRENT_USER()           | true
      SHOW MASTER STATUS                       | false
      SHOW BINLOG STATUS                       | false
      SHOW BINARY LOGS                         | false
      SHOW MASTER LOGS                         | false
      SHOW BINLOG EVENTS                       | false
      SHOW RELAYLOG EVENTS                     | false
      SHOW SLAVE STATUS                        | false
      SHOW REPLICA STATUS                      | false
      SHOW ALL SLAVES STATUS                   | false
      SHOW SLAVE HOSTS                         | false
      SHOW REPLICAS                            | false
      SHOW PROCESSLIST                         | false
      SHOW FULL PROCESSLIST                    | false
      SHOW STATUS                              | false
      SHOW GLOBAL STATUS LIKE 'Threads%'       | false
      SHOW SESSION STATUS                      | false
      SHOW VARIABLES LIKE 'read_only'          | false
      SHOW GLOBAL VARIABLES                    | false
      SHOW ENGINE INNODB STATUS                | false
      SHOW OPEN TABLES                         | false
      SHOW WARNINGS                            | false
      SHOW ERRORS                              | false
      SHOW COUNT(*) WARNINGS                   | false
      SHOW PROFILES                            | false
      SHOW EXPLAIN FOR 12                      | false
      SHOW SOMETHING NEW                       | false
      DESCRIBE t                               | true
      DESC db.t                                | true
      EXPLAIN t                                | true
      EXPLAIN SELECT * FROM t                  | true
      EXPLAIN EXTENDED SELECT * FROM t         | true
      EXPLAIN FORMAT=JSON SELECT * FROM t      | true
      DESCRIBE SELECT * FROM t                 | true
      EXPLAIN ANALYZE SELECT * FROM t          | true
      ANALYZE FORMAT=JSON SELECT * FROM t      | true
      EXPLAIN SELECT * FROM t FOR UPDATE       | false
      EXPLAIN SELECT GET_LOCK('a', 1)          | false
      EXPLAIN UPDATE t SET a = 1               | false
      EXPLAIN DELETE FROM t                    | false
      ANALYZE DELETE FROM t                    | false
      EXPLAIN FOR CONNECTION 7                 | false
      """)
  void readOnly(String sql, boolean readOnly) {
    StatementTraits t = classifier.classify(sql);
    assertThat(t.readOnly()).isEqualTo(readOnly);
    assertThat(t.unparsed()).isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
      SHOW WARNINGS
      SHOW ERRORS LIMIT 1
      SHOW COUNT(*) WARNINGS
      SHOW COUNT(*) ERRORS
      SHOW PROFILE
      GET DIAGNOSTICS @n = NUMBER
      GET CURRENT DIAGNOSTICS CONDITION 1 @m = MESSAGE_TEXT
      SELECT @@warning_count
      SELECT ROW_COUNT()
      """)
  void aboutThePreviousStatement(String sql) {
    assertThat(classifier.classify(sql).followsPrevious()).isTrue();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
      SHOW COLUMNS FROM tmp                 | tmp
      SHOW FULL FIELDS IN `tmp`             | tmp
      SHOW COLUMNS FROM tmp FROM db         | db.tmp
      SHOW COLUMNS FROM db.tmp              | db.tmp
      SHOW INDEX FROM tmp IN db             | db.tmp
      SHOW CREATE TABLE tmp                 | tmp
      SHOW CREATE TABLE `db`.`tmp`          | db.tmp
      DESCRIBE tmp                          | tmp
      DESC tmp a                            | tmp
      EXPLAIN tmp                           | tmp
      EXPLAIN SELECT * FROM tmp JOIN u      | tmp,u
      ANALYZE SELECT * FROM tmp             | tmp
      """)
  void tables(String sql, String tables) {
    assertThat(classifier.classify(sql).tables()).containsExactlyInAnyOrder(tables.split(","));
  }
}
