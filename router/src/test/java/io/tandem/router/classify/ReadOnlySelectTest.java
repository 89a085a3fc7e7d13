package io.tandem.router.classify;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Which SELECTs may run on a replica. */
class ReadOnlySelectTest {

  private final StatementClassifier classifier = new StatementClassifier(1000);

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
    "SELECT 1",
    "SELECT * FROM t WHERE id = 1",
    "select a, b from t where c = 'x' order by a desc limit 10",
    "SELECT `a`.`b` FROM `db`.`t` `a` WHERE `a`.`c` = 1",
    "SELECT * FROM t1 JOIN t2 ON t1.a = t2.a LEFT JOIN t3 USING (b) WHERE t1.c IN (1, 2, 3)",
    "SELECT * FROM t WHERE a IN (SELECT b FROM u WHERE EXISTS (SELECT 1 FROM v))",
    "SELECT COUNT(*), SUM(a), MIN(a), MAX(a), AVG(a), GROUP_CONCAT(a ORDER BY a SEPARATOR ',') FROM t",
    "SELECT CONCAT(a, b), SUBSTRING(a, 1, 2), LOWER(a), UPPER(b), LENGTH(a), ROUND(c, 2), ABS(d) FROM t",
    "SELECT NOW(), CURDATE(), DATE_FORMAT(d, '%Y'), COALESCE(a, 0), IFNULL(b, 1), IF(c, 1, 2) FROM t",
    "SELECT CASE WHEN a > 1 THEN 'x' ELSE 'y' END FROM t",
    "SELECT JSON_EXTRACT(j, '$.a'), j->'$.b', j->>'$.c' FROM t",
    "SELECT CAST(a AS CHAR(10)), CAST(b AS DECIMAL(10, 2)), CONVERT(c USING utf8mb4) FROM t",
    "SELECT EXTRACT(YEAR FROM d), DATE_ADD(d, INTERVAL 1 DAY), TIMESTAMPDIFF(SECOND, a, b) FROM t",
    "SELECT UUID(), RAND(), SLEEP(0)",
    "SELECT ROW_NUMBER() OVER (PARTITION BY a ORDER BY b), SUM(c) OVER w FROM t WINDOW w AS (ORDER BY d)",
    "WITH c AS (SELECT a FROM base) SELECT * FROM c",
    "WITH RECURSIVE c (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 5) SELECT * FROM c",
    "SELECT a FROM t1 UNION SELECT a FROM t2",
    "(SELECT a FROM t1) UNION ALL (SELECT a FROM t2) ORDER BY a",
    "SELECT SQL_CALC_FOUND_ROWS * FROM t LIMIT 10",
    "SELECT HIGH_PRIORITY SQL_NO_CACHE SQL_BUFFER_RESULT a FROM t",
    "SELECT DISTINCTROW a FROM t",
    "SELECT DISTINCT SQL_CALC_FOUND_ROWS a FROM t",
    "SELECT /*! STRAIGHT_JOIN */ a FROM t1, t2",
    "SELECT /*+ BKA(t1) */ a FROM t1",
    "SELECT a FROM t FORCE INDEX (i) WHERE b = 1",
    "SELECT a FROM t USE INDEX FOR ORDER BY (i) ORDER BY a",
    "SELECT a FROM t PARTITION (p0, p1)",
    "SELECT * FROM (SELECT 1 AS a) AS dt (x)",
    "SELECT @@server_id, @@version, @@session.sql_mode, @@hostname",
    "SELECT @x",
    "SELECT a FROM t WHERE b = @x",
    "SELECT DATABASE(), USER(), CURRENT_USER(), VERSION()",
    "SELECT a FROM t WHERE MATCH (a) AGAINST ('x' IN BOOLEAN MODE)",
    "SELECT 'FOR UPDATE', 'GET_LOCK(1)', \"INTO @x\" FROM t",
    "SELECT `for`, `update`, `get_lock` FROM t",
    "SELECT 1 FROM DUAL",
    "VALUES ROW(1, 2), ROW(3, 4)",
    "TABLE t",
    "SELECT a FROM t WHERE a = ?",
    "SELECT a FROM t WHERE s = _utf8mb4'x' COLLATE utf8mb4_bin",
    "SELECT a FROM t WHERE s = 'back\\\\slash' AND u = 'it''s'",
    "SELECT * FROM t1 JOIN LATERAL (SELECT * FROM t2 WHERE t2.a = t1.a) AS l",
    "SELECT a FROM t LIMIT 5, 10",
    "SELECT INSERT('abc', 1, 1, 'x'), REPLACE(a, 'x', 'y'), TRUNCATE(1.5, 0) FROM t",
  })
  void readOnly(String sql) {
    StatementTraits t = classifier.classify(sql);
    assertThat(t.unparsed()).as("unparsed").isFalse();
    assertThat(t.kind()).isEqualTo(StatementKind.SELECT);
    assertThat(t.readOnly()).as("readOnly").isTrue();
  }

  /** Each row: the statement, and why it must not go to a replica. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
      SELECT * FROM t WHERE id = 1 FOR UPDATE                   | lockingRead
      SELECT * FROM t WHERE id = 1 FOR UPDATE NOWAIT            | lockingRead
      SELECT * FROM t WHERE id = 1 FOR UPDATE SKIP LOCKED       | lockingRead
      SELECT * FROM t WHERE id = 1 FOR UPDATE WAIT 5            | lockingRead
      SELECT * FROM t1, t2 FOR UPDATE OF t1, t2                 | lockingRead
      SELECT * FROM t WHERE id = 1 FOR SHARE                    | lockingRead
      SELECT * FROM t WHERE id = 1 FOR SHARE OF t SKIP LOCKED   | lockingRead
      SELECT * FROM t WHERE id = 1 LOCK IN SHARE MODE           | lockingRead
      select * from t where id = 1 lock in share mode           | lockingRead
      (SELECT a FROM t1) UNION (SELECT a FROM t2) FOR UPDATE     | lockingRead
      SELECT * FROM t /*!50000 FOR UPDATE */                    | lockingRead
      SELECT a INTO @x FROM t                                   | selectInto
      SELECT a FROM t INTO @x                                   | selectInto
      SELECT a, b INTO @x, @y FROM t WHERE id = 1               | selectInto
      SELECT a FROM t INTO OUTFILE '/tmp/a'                     | selectInto
      SELECT a INTO OUTFILE '/tmp/a' FIELDS TERMINATED BY ',' ENCLOSED BY '"' LINES TERMINATED BY '\\n' FROM t | selectInto
      SELECT a FROM t INTO DUMPFILE '/tmp/a'                    | selectInto
      SELECT a FROM t WHERE id = 1 INTO @x FOR UPDATE           | selectInto
      SELECT LAST_INSERT_ID()                                   | function
      SELECT GET_LOCK('a', 10)                                  | function
      SELECT RELEASE_LOCK('a')                                  | function
      SELECT RELEASE_ALL_LOCKS()                                | function
      SELECT IS_FREE_LOCK('a')                                  | function
      SELECT IS_USED_LOCK('a')                                  | function
      SELECT FOUND_ROWS()                                       | function
      SELECT ROW_COUNT()                                        | function
      SELECT CONNECTION_ID()                                    | function
      SELECT LOAD_FILE('/etc/passwd')                           | function
      SELECT MASTER_GTID_WAIT('0-1-1', 1)                       | function
      SELECT my_udf(a) FROM t                                   | function
      SELECT db.my_func(a) FROM t                               | function
      SELECT `my func`(a) FROM t                                | function
      SELECT a FROM t WHERE b = my_func(1)                      | function
      SELECT a FROM t ORDER BY my_func(a)                       | function
      SELECT a FROM t GROUP BY a HAVING my_func(a) > 1          | function
      SELECT a FROM t WHERE b IN (SELECT my_func(c) FROM u)     | function
      SELECT COUNT (*), my_func (a) FROM t                      | function
      SELECT NEXT VALUE FOR s                                   | sequence
      SELECT PREVIOUS VALUE FOR s                               | sequence
      SELECT NEXTVAL(s)                                         | sequence
      SELECT LASTVAL(s)                                         | sequence
      SELECT SETVAL(s, 10)                                      | sequence
      SELECT s.nextval                                          | sequence
      SELECT @x := 1                                            | variable
      SELECT a, @n := @n + 1 FROM t                             | variable
      SELECT @@global.max_connections                           | variable
      SELECT @@read_only                                        | variable
      SELECT @@super_read_only                                  | variable
      SELECT @@gtid_binlog_pos                                  | variable
      SELECT @@GLOBAL.gtid_executed                             | variable
      SELECT @@last_insert_id                                   | variable
      SELECT @@identity                                         | variable
      SELECT @@warning_count                                    | variable
      SELECT @@last_gtid                                        | variable
      SELECT a FROM t WHERE s = 'O\\'Brien'                     | escape
      """)
  void notReadOnly(String sql, String reason) {
    StatementTraits t = classifier.classify(sql);
    assertThat(t.kind()).isEqualTo(StatementKind.SELECT);
    assertThat(t.readOnly()).as("readOnly").isFalse();
    switch (reason) {
      case "lockingRead" -> assertThat(t.lockingRead()).isTrue();
      case "selectInto" -> assertThat(t.selectInto()).isTrue();
      case "function" -> assertThat(t.functions()).isNotEmpty();
      case "sequence" -> assertThat(t.usesSequence()).isTrue();
      default -> { }
    }
    if (!reason.equals("escape")) {
      assertThat(t.unparsed()).as("MySQL syntax the classifier knows is not 'unparsed'").isFalse();
    }
  }

  @Test
  void functionNamesAreReportedUpperCaseAndQualifiedAsWritten() {
    assertThat(classifier.classify("select concat(a, b), db.f(1), `g`(2), count(*) from t").functions())
        .containsExactly("CONCAT", "db.f", "`g`", "COUNT");
  }

  @Test
  void lockFunctions() {
    StatementTraits get = classifier.classify("SELECT GET_LOCK('job', 10)");
    assertThat(get.usesLockFunction()).isTrue();
    assertThat(get.releasesLock()).isFalse();
    assertThat(get.releasesAllLocks()).isFalse();

    StatementTraits release = classifier.classify("SELECT RELEASE_LOCK('job')");
    assertThat(release.usesLockFunction()).isFalse();
    assertThat(release.releasesLock()).isTrue();
    assertThat(release.releasesAllLocks()).as("other named locks may remain").isFalse();

    StatementTraits all = classifier.classify("SELECT RELEASE_ALL_LOCKS()");
    assertThat(all.releasesAllLocks()).isTrue();

    assertThat(classifier.classify("DO GET_LOCK('job', 1)").usesLockFunction()).isTrue();
    assertThat(classifier.classify("SET @got = GET_LOCK('job', 1)").usesLockFunction()).isTrue();
    assertThat(classifier.classify("SELECT IS_FREE_LOCK('job')").usesLockFunction()).isFalse();
  }

  @Test
  void foundRows() {
    StatementTraits calc = classifier.classify("SELECT SQL_CALC_FOUND_ROWS a FROM t LIMIT 1");
    assertThat(calc.calcFoundRows()).isTrue();
    assertThat(calc.readOnly()).isTrue();
    assertThat(calc.foundRows()).isFalse();

    StatementTraits found = classifier.classify("SELECT FOUND_ROWS()");
    assertThat(found.foundRows()).isTrue();
    assertThat(found.followsPrevious()).isTrue();
    assertThat(found.readOnly()).isFalse();
    assertThat(found.calcFoundRows()).isFalse();

    assertThat(classifier.classify("select found_rows() as n").foundRows()).isTrue();
  }

  @Test
  void userVariables() {
    StatementTraits read = classifier.classify("SELECT * FROM t WHERE a = @v");
    assertThat(read.readsUserVariables()).isTrue();
    assertThat(read.writesUserVariables()).isFalse();
    assertThat(read.readOnly()).isTrue();

    assertThat(classifier.classify("SELECT a INTO @v FROM t").writesUserVariables()).isTrue();
    assertThat(classifier.classify("SELECT @v := a FROM t").writesUserVariables()).isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
      SELECT * FROM t                                        | t
      SELECT * FROM `t`                                      | t
      SELECT * FROM db.t                                     | db.t
      SELECT * FROM `db`.`t` AS x                            | db.t
      SELECT * FROM t1 JOIN db2.t2 ON t1.a = t2.a            | t1,db2.t2
      SELECT * FROM t1 WHERE a IN (SELECT b FROM t2)         | t1,t2
      SELECT (SELECT MAX(a) FROM t2) FROM DUAL               | t2
      SELECT * FROM t1 ORDER BY (SELECT MAX(c) FROM t3)      | t1,t3
      WITH c AS (SELECT a FROM base) SELECT * FROM c JOIN d  | base,d
      SELECT * FROM t1 UNION SELECT * FROM t2                | t1,t2
      SELECT * FROM tmp LOCK IN SHARE MODE                   | tmp
      SELECT a INTO @x FROM tmp                              | tmp
      SELECT SQL_CALC_FOUND_ROWS * FROM Tmp                  | Tmp
      TABLE t                                                | t
      SELECT 1                                               | ~~
      """)
  void tablesRead(String sql, String tables) {
    String[] expected = tables.isEmpty() ? new String[0] : tables.split(",");
    assertThat(classifier.classify(sql).tables()).containsExactlyInAnyOrder(expected);
  }
}
