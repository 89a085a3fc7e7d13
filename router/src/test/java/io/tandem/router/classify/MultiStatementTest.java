package io.tandem.router.classify;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MultiStatementTest {

  private final StatementClassifier classifier = new StatementClassifier(1000);

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
      SELECT 1; SELECT 2                                 | 2 | true
      SELECT * FROM a; SELECT * FROM b; SHOW TABLES      | 3 | true
      SELECT 1; INSERT INTO t VALUES (1)                 | 2 | false
      INSERT INTO t VALUES (1); SELECT 1                 | 2 | false
      SELECT 1; SELECT 2 FOR UPDATE                      | 2 | false
      SELECT 1; SELECT GET_LOCK('a', 1)                  | 2 | false
      SET @a = 1; SELECT @a                              | 2 | false
      BEGIN; SELECT 1; COMMIT                            | 3 | false
      SELECT 1;; SELECT 2;                               | 2 | true
      """)
  void multi(String sql, int count, boolean readOnly) {
    StatementTraits t = classifier.classify(sql);
    assertThat(t.multiStatement()).isTrue();
    assertThat(t.statements()).hasSize(count);
    assertThat(t.readOnly()).isEqualTo(readOnly);
    assertThat(t.kind()).isEqualTo(t.statements().get(0).kind());
    assertThat(t.digest().split("; ")).hasSize(count);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
      SELECT 1
      SELECT 1;
      SELECT ';'
      SELECT `a;b` FROM t
      SELECT 1 /* ; */
      SELECT 1 -- ;
      CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END
      CREATE DEFINER = `root`@`%` FUNCTION f() RETURNS INT BEGIN RETURN 1; END
      CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = 1; END
      BEGIN NOT ATOMIC SELECT 1; SELECT 2; END
      IF 1 = 1 THEN SELECT 1; END IF
      lbl: LOOP LEAVE lbl; END LOOP
      """)
  void single(String sql) {
    StatementTraits t = classifier.classify(sql);
    assertThat(t.multiStatement()).isFalse();
    assertThat(t.statements()).isEmpty();
  }

  @Test
  void traitsOfThePartsAreMerged() {
    StatementTraits t = classifier.classify(
        "CREATE TEMPORARY TABLE tmp (a INT); SELECT * FROM tmp; SET autocommit = 0; USE db2; SELECT FOUND_ROWS()");
    assertThat(t.kind()).isEqualTo(StatementKind.DDL);
    assertThat(t.statements()).extracting(StatementTraits::kind).containsExactly(StatementKind.DDL,
        StatementKind.SELECT, StatementKind.SET, StatementKind.USE, StatementKind.SELECT);
    assertThat(t.createsTemporaryTable()).isTrue();
    assertThat(t.temporaryTable()).isEqualTo("tmp");
    assertThat(t.tables()).containsExactly("tmp");
    assertThat(t.autocommit()).isFalse();
    assertThat(t.schema()).isEqualTo("db2");
    assertThat(t.foundRows()).isTrue();
    assertThat(t.readOnly()).isFalse();
    assertThat(t.replayable()).isFalse();
  }

  @Test
  void partsShareTheCache() {
    StatementClassifier c = new StatementClassifier(100);
    c.classify("SELECT a FROM t WHERE id = 1; SELECT b FROM u WHERE id = 2");
    assertThat(c.cacheMisses()).isEqualTo(2);
    c.classify("SELECT a FROM t WHERE id = 3");
    c.classify("SELECT b FROM u WHERE id = 4; SELECT a FROM t WHERE id = 5");
    assertThat(c.cacheHits()).isEqualTo(3);
    assertThat(c.cacheMisses()).isEqualTo(2);
  }

  @Test
  void anUnparsedPartMakesTheWholeUnparsed() {
    StatementTraits t = classifier.classify("SELECT 1; SELECT FROM WHERE");
    assertThat(t.unparsed()).isTrue();
    assertThat(t.readOnly()).isFalse();
    assertThat(t.statements().get(0).unparsed()).isFalse();
  }
}
