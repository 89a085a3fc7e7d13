package io.tandem.router.classify;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.router.classify.TransactionSettings.Scope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Traits a router needs to track session state: autocommit, isolation, temp tables, names. */
class SessionTraitsTest {

  private final StatementClassifier classifier = new StatementClassifier(1000);

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
      SET autocommit = 0                      | false
      SET autocommit=1                        | true
      set AUTOCOMMIT = ON                     | true
      SET autocommit = OFF                    | false
      SET autocommit = TRUE                   | true
      SET autocommit = false                  | false
      SET autocommit = 'ON'                   | true
      SET SESSION autocommit = 0              | false
      SET LOCAL autocommit = 1                | true
      SET @@autocommit = 0                    | false
      SET @@session.autocommit = 1            | true
      SET @@SESSION.AUTOCOMMIT = 0            | false
      SET autocommit = @saved                 | false
      SET autocommit = DEFAULT                | false
      SET NAMES utf8mb4, autocommit = 0       | false
      SET @a = 1, autocommit = 1              | true
      /*!40101 SET autocommit = 0 */          | false
      """)
  void autocommit(String sql, boolean value) {
    StatementTraits t = classifier.classify(sql);
    assertThat(t.kind()).isEqualTo(StatementKind.SET);
    assertThat(t.autocommit()).isEqualTo(value);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
    "SET @a = 1", "SET NAMES utf8mb4", "SET sql_mode = ''", "SET GLOBAL autocommit = 0",
    "SET @@global.autocommit = 0", "SELECT 1", "BEGIN", "SET @autocommit = 0"})
  void notAnAutocommitAssignment(String sql) {
    assertThat(classifier.classify(sql).autocommit()).isNull();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
      SET TRANSACTION ISOLATION LEVEL SERIALIZABLE                     | SERIALIZABLE     | NEXT_TRANSACTION |       | true
      SET SESSION TRANSACTION ISOLATION LEVEL SERIALIZABLE             | SERIALIZABLE     | SESSION          |       | true
      SET LOCAL TRANSACTION ISOLATION LEVEL READ COMMITTED             | READ_COMMITTED   | SESSION          |       | false
      SET GLOBAL TRANSACTION ISOLATION LEVEL SERIALIZABLE              | SERIALIZABLE     | GLOBAL           |       | false
      SET TRANSACTION READ ONLY                                        |                  | NEXT_TRANSACTION | true  | false
      SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ WRITE | REPEATABLE_READ | SESSION        | false | false
      SET TRANSACTION READ ONLY, ISOLATION LEVEL READ UNCOMMITTED       | READ_UNCOMMITTED | NEXT_TRANSACTION | true  | false
      SET tx_isolation = 'SERIALIZABLE'                                | SERIALIZABLE     | SESSION          |       | true
      SET SESSION tx_isolation = 'READ-COMMITTED'                      | READ_COMMITTED   | SESSION          |       | false
      SET SESSION transaction_isolation = 'SERIALIZABLE'               | SERIALIZABLE     | SESSION          |       | true
      SET @@transaction_isolation = 'serializable'                     | SERIALIZABLE     | SESSION          |       | true
      SET @@session.tx_isolation = 'REPEATABLE-READ'                   | REPEATABLE_READ  | SESSION          |       | false
      SET GLOBAL transaction_isolation = 'SERIALIZABLE'                | SERIALIZABLE     | GLOBAL           |       | false
      SET transaction_isolation = @v                                   | SERIALIZABLE     | SESSION          |       | true
      SET transaction_read_only = 1                                    |                  | SESSION          | true  | false
      SET SESSION tx_read_only = OFF                                   |                  | SESSION          | false | false
      """)
  void transactionSettings(String sql, IsolationLevel isolation, Scope scope, Boolean readOnly,
      boolean serializable) {
    StatementTraits t = classifier.classify(sql);
    assertThat(t.transaction()).isEqualTo(new TransactionSettings(isolation, scope, readOnly));
    assertThat(t.serializable()).isEqualTo(serializable);
    assertThat(t.readOnly()).isFalse();
  }

  @Test
  void noTransactionSettingsOutsideTheirStatements() {
    assertThat(classifier.classify("SET autocommit = 0").transaction()).isNull();
    assertThat(classifier.classify("START TRANSACTION READ ONLY").transaction()).isNull();
    assertThat(classifier.classify("SELECT @@tx_isolation").serializable()).isFalse();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
      CREATE TEMPORARY TABLE tmp (a INT)                         | tmp
      create temporary table if not exists `tmp` (a int)         | tmp
      CREATE TEMPORARY TABLE db.tmp LIKE db.t                    | db.tmp
      CREATE TEMPORARY TABLE `my db`.`my tmp` AS SELECT 1 AS a   | my db.my tmp
      CREATE OR REPLACE TEMPORARY TABLE tmp SELECT * FROM t      | tmp
      CREATE TEMPORARY SEQUENCE s                                | s
      /*!40101 CREATE TEMPORARY TABLE tmp (a INT) */             | tmp
      """)
  void temporaryTables(String sql, String name) {
    StatementTraits t = classifier.classify(sql);
    assertThat(t.kind()).isEqualTo(StatementKind.DDL);
    assertThat(t.createsTemporaryTable()).isTrue();
    assertThat(t.temporaryTable()).isEqualTo(name);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"CREATE TABLE t (a INT)", "CREATE TABLE temporary (a INT)", "CREATE VIEW v AS SELECT 1",
    "SELECT * FROM tmp"})
  void notTemporary(String sql) {
    StatementTraits t = classifier.classify(sql);
    assertThat(t.createsTemporaryTable()).isFalse();
    assertThat(t.temporaryTable()).isNull();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
      DROP TABLE t                                    | t
      DROP TEMPORARY TABLE tmp                        | tmp
      DROP TEMPORARY TABLE IF EXISTS tmp, `db`.`tmp2` | tmp,db.tmp2
      drop table if exists a, b, c cascade            | a,b,c
      DROP SEQUENCE s                                 | s
      DROP DATABASE d                                 |
      DROP VIEW v                                     |
      """)
  void droppedTables(String sql, String names) {
    String[] expected = names == null ? new String[0] : names.split(",");
    assertThat(classifier.classify(sql).droppedTables()).containsExactly(expected);
  }

  @Test
  void renamedTables() {
    assertThat(classifier.classify("RENAME TABLE a TO b, db.c TO db.d").renamedTables())
        .containsExactly(java.util.Map.entry("a", "b"), java.util.Map.entry("db.c", "db.d"));
    assertThat(classifier.classify("ALTER TABLE tmp RENAME TO tmp2").renamedTables())
        .containsExactly(java.util.Map.entry("tmp", "tmp2"));
    assertThat(classifier.classify("ALTER TABLE tmp ADD COLUMN b INT, RENAME AS `x`").renamedTables())
        .containsExactly(java.util.Map.entry("tmp", "x"));
    assertThat(classifier.classify("ALTER TABLE t RENAME COLUMN a TO b").renamedTables()).isEmpty();
    assertThat(classifier.classify("ALTER TABLE t RENAME INDEX a TO b").renamedTables()).isEmpty();
  }

  @Test
  void useSetsTheSchema() {
    assertThat(classifier.classify("USE app").schema()).isEqualTo("app");
    assertThat(classifier.classify("use `my app`").schema()).isEqualTo("my app");
    assertThat(classifier.classify("USE app").replayable()).isTrue();
    assertThat(classifier.classify("SELECT 1").schema()).isNull();
  }

  @Test
  void textPreparedStatements() {
    StatementTraits p = classifier.classify("PREPARE stmt1 FROM 'SELECT * FROM t WHERE a = ?'");
    assertThat(p.kind()).isEqualTo(StatementKind.PREPARE);
    assertThat(p.statementName()).isEqualTo("stmt1");
    assertThat(p.preparedText()).isEqualTo("SELECT * FROM t WHERE a = ?");

    StatementTraits fromVar = classifier.classify("PREPARE `s 2` FROM @sql");
    assertThat(fromVar.statementName()).isEqualTo("s 2");
    assertThat(fromVar.preparedText()).isNull();
    assertThat(fromVar.readsUserVariables()).isTrue();

    assertThat(classifier.classify("PREPARE s FROM 'SELECT ''x'', \\'y\\''").preparedText())
        .isEqualTo("SELECT 'x', 'y'");

    StatementTraits e = classifier.classify("EXECUTE stmt1 USING @a, @b");
    assertThat(e.statementName()).isEqualTo("stmt1");
    assertThat(e.readOnly()).isFalse();

    assertThat(classifier.classify("DEALLOCATE PREPARE stmt1").statementName()).isEqualTo("stmt1");
    assertThat(classifier.classify("DROP PREPARE stmt1").statementName()).isEqualTo("stmt1");
    assertThat(classifier.classify("EXECUTE IMMEDIATE 'SELECT 1'").preparedText()).isEqualTo("SELECT 1");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
      SET @a = 1                               | true
      SET @a = 'x', @b = CONCAT(@a, 'y')        | true
      SET NAMES utf8mb4                        | true
      SET sql_mode = CONCAT(@@sql_mode, ',STRICT_ALL_TABLES') | true
      SET SESSION TRANSACTION READ ONLY        | true
      SET @id = LAST_INSERT_ID()               | false
      SET @t = NOW()                           | false
      SET @r = RAND()                          | false
      SET @n = (SELECT COUNT(*) FROM t)        | false
      SET @f = my_func(1)                      | false
      SET @l = GET_LOCK('a', 1)                | false
      """)
  void replayable(String sql, boolean replayable) {
    assertThat(classifier.classify(sql).replayable()).isEqualTo(replayable);
  }

  @Test
  void userVariableAssignment() {
    StatementTraits t = classifier.classify("SET @a = 1, @b := 2");
    assertThat(t.kind()).isEqualTo(StatementKind.SET);
    assertThat(t.writesUserVariables()).isTrue();
  }
}
