package io.tandem.router.classify;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DigestTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
      SELECT * FROM t WHERE id = 1                          | SELECT * FROM t WHERE id = ?
      SELECT * FROM t WHERE name = 'x'                      | SELECT * FROM t WHERE name = ?
      SELECT * FROM t WHERE name = "x"                      | SELECT * FROM t WHERE name = ?
      SELECT * FROM t WHERE n = 1.5e-3                      | SELECT * FROM t WHERE n = ?
      SELECT * FROM t WHERE n = .5                          | SELECT * FROM t WHERE n = ?
      SELECT * FROM t WHERE b = x'0aFF'                     | SELECT * FROM t WHERE b = ?
      SELECT * FROM t WHERE b = 0x0aFF                      | SELECT * FROM t WHERE b = ?
      SELECT * FROM t WHERE b = b'0101'                     | SELECT * FROM t WHERE b = ?
      SELECT * FROM t WHERE b = 0b0101                      | SELECT * FROM t WHERE b = ?
      SELECT * FROM t WHERE s = _utf8mb4'x'                 | SELECT * FROM t WHERE s = ?
      SELECT * FROM t WHERE s = _latin1 'x' COLLATE latin1_bin | SELECT * FROM t WHERE s = ? COLLATE latin1_bin
      SELECT * FROM t WHERE s = N'x'                        | SELECT * FROM t WHERE s = ?
      SELECT * FROM t WHERE s = 'it''s'                     | SELECT * FROM t WHERE s = ?
      SELECT * FROM t WHERE s = 'a\\\\b'                    | SELECT * FROM t WHERE s = ?
      SELECT * FROM t WHERE a = ?                           | SELECT * FROM t WHERE a = ?
      SELECT * FROM t WHERE a = -1                          | SELECT * FROM t WHERE a = ?
      SELECT * FROM t WHERE a = - 1                         | SELECT * FROM t WHERE a = ?
      SELECT a - 1 FROM t                                   | SELECT a - ? FROM t
      SELECT * FROM t WHERE id IN (1, 2, 3)                 | SELECT * FROM t WHERE id IN (?)
      SELECT * FROM t WHERE id IN (1,-2,'3', ?)             | SELECT * FROM t WHERE id IN (?)
      SELECT * FROM t WHERE id NOT IN (1, 2)                | SELECT * FROM t WHERE id NOT IN (?)
      SELECT * FROM t WHERE id IN (SELECT a FROM u)         | SELECT * FROM t WHERE id IN (SELECT a FROM u)
      SELECT * FROM t WHERE (a, b) IN ((1, 2), (3, 4))      | SELECT * FROM t WHERE (a, b) IN ((?, ?), (?, ?))
      INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')     | INSERT INTO t VALUES (?, ?)
      INSERT INTO t (a, b) VALUES (1, NOW()), (2, NOW())    | INSERT INTO t (a, b) VALUES (?, NOW()), (?, NOW())
      SELECT   a,b   FROM   t                               | SELECT a, b FROM t
      SELECT a , b FROM t WHERE ( a = 1 )                   | SELECT a, b FROM t WHERE (a = ?)
      SELECT COUNT(*) FROM t                                | SELECT COUNT(*) FROM t
      SELECT `a`.`b` FROM `db` . `t` `a`                    | SELECT `a`.`b` FROM `db`.`t` `a`
      SELECT a FROM t /* comment */ WHERE b = 2             | SELECT a FROM t WHERE b = ?
      SELECT a FROM t -- to the end of line                 | SELECT a FROM t
      SELECT 1--1                                           | SELECT ? - ?
      SELECT /*! STRAIGHT_JOIN */ a FROM t                  | SELECT STRAIGHT_JOIN a FROM t
      SELECT /*!40001 SQL_NO_CACHE */ a FROM t              | SELECT SQL_NO_CACHE a FROM t
      SELECT /*M!100500 a, */ b FROM t                      | SELECT a, b FROM t
      SELECT /*+ MAX_EXECUTION_TIME(1000) */ a FROM t       | SELECT a FROM t
      /* tandem:replica */ SELECT a FROM t WHERE id = 7     | SELECT a FROM t WHERE id = ?
      SELECT @x, @@session.sql_mode, @'q'                   | SELECT @x, @@session.sql_mode, @'q'
      SELECT j->'$.a', j->>'$.b' FROM t                     | SELECT j -> ?, j ->> ? FROM t
      SELECT a FROM t WHERE a <=> NULL AND b != 2           | SELECT a FROM t WHERE a <=> NULL AND b != ?
      SELECT 1; SELECT 'two'                                | SELECT ?; SELECT ?
      SELECT 1;                                             | SELECT ?
      SELECT * FROM 123abc                                  | SELECT * FROM 123abc
      """)
  void digests(String sql, String digest) {
    assertThat(StatementClassifier.digest(sql)).isEqualTo(digest);
  }

  @ParameterizedTest(name = "{0} ~ {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
      SELECT * FROM t WHERE id = 1              | select * from t where id = 1 + 0
      SELECT * FROM t WHERE id = 1              | SELECT * FROM u WHERE id = 1
      SELECT * FROM t WHERE id = 1              | SELECT * FROM t WHERE pk = 1
      SELECT * FROM t WHERE id = 1              | SELECT * FROM t WHERE id = 1 FOR UPDATE
      SELECT * FROM t WHERE id IN (1, 2)        | SELECT * FROM t WHERE id IN (SELECT 1)
      SELECT * FROM t WHERE id = 1              | SELECT * FROM t WHERE id = @x
      SELECT * FROM tmp                         | SELECT * FROM Tmp
      """)
  void differentStructureDifferentDigest(String a, String b) {
    assertThat(StatementClassifier.digest(a)).isNotEqualTo(StatementClassifier.digest(b));
  }

  @ParameterizedTest(name = "{0} ~ {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
      SELECT * FROM t WHERE id = 1 AND s = 'a'  | SELECT * FROM t WHERE id = 99 AND s = 'a much longer string'
      SELECT * FROM t WHERE id IN (1)           | SELECT * FROM t WHERE id IN (1, 2, 3, 4, 5, 6, 7, 8, 9)
      SELECT * FROM t WHERE id=1                | SELECT  *  FROM t  WHERE  id  =  1
      SELECT * FROM t WHERE id = 1              | SELECT * FROM t /* another comment */ WHERE id = 2
      SELECT * FROM t WHERE id = 1              | /* tandem:master */ SELECT * FROM t WHERE id = 2
      SELECT * FROM t WHERE h = x'00'           | SELECT * FROM t WHERE h = 0xFFFF
      INSERT INTO t VALUES (1, 'a')             | INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')
      SELECT * FROM t WHERE a = -5              | SELECT * FROM t WHERE a = 5
      """)
  void literalsOnlyDifferSameDigest(String a, String b) {
    assertThat(StatementClassifier.digest(a)).isEqualTo(StatementClassifier.digest(b));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
      ''
      '   '
      /* only a comment */
      ;
      ' ; ; '
      """)
  void emptyTextHasEmptyDigest(String sql) {
    assertThat(StatementClassifier.digest(sql.replace("'", ""))).isEmpty();
  }

  @org.junit.jupiter.api.Test
  void nullDigestsToEmpty() {
    assertThat(StatementClassifier.digest(null)).isEmpty();
  }

  @org.junit.jupiter.api.Test
  void literalsInsideStringsAndCommentsAreNotTokens() {
    assertThat(StatementClassifier.digest("SELECT 'a -- b', \"c /* d */ e\" FROM t # trailing"))
        .isEqualTo("SELECT ?, ? FROM t");
    assertThat(StatementClassifier.digest("SELECT 'a;b'; SELECT `c;d`"))
        .isEqualTo("SELECT ?; SELECT `c;d`");
  }
}
