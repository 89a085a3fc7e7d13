package io.tandem.router.classify;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The kind of every statement family, and that only SELECT/SHOW/EXPLAIN may be read-only. */
class StatementKindTest {

  private final StatementClassifier classifier = new StatementClassifier(1000);

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
      SELECT 1                                                  | SELECT
      WITH x AS (SELECT 1) SELECT * FROM x                      | SELECT
      (SELECT 1)                                                | SELECT
      VALUES ROW(1)                                             | SELECT
      TABLE t                                                   | SELECT
      SHOW TABLES                                               | SHOW
      show full processlist                                     | SHOW
      DESCRIBE t                                                | SHOW
      DESC t                                                    | SHOW
      EXPLAIN t                                                 | SHOW
      EXPLAIN SELECT * FROM t                                   | EXPLAIN
      EXPLAIN FORMAT=JSON SELECT * FROM t                       | EXPLAIN
      EXPLAIN ANALYZE SELECT * FROM t                           | EXPLAIN
      ANALYZE SELECT * FROM t                                   | EXPLAIN
      EXPLAIN UPDATE t SET a = 1                                | EXPLAIN
      EXPLAIN FOR CONNECTION 12                                 | EXPLAIN
      INSERT INTO t VALUES (1)                                  | INSERT
      INSERT INTO t (a) VALUES (1) ON DUPLICATE KEY UPDATE a = a + 1 | INSERT
      INSERT INTO t SELECT * FROM u                             | INSERT
      INSERT IGNORE INTO t SET a = 1                            | INSERT
      REPLACE INTO t VALUES (1)                                 | REPLACE
      UPDATE t SET a = 1 WHERE b = 2                            | UPDATE
      WITH x AS (SELECT 1 AS a) UPDATE t SET a = 1              | UPDATE
      DELETE FROM t WHERE a = 1                                 | DELETE
      CREATE TABLE t (a INT)                                    | DDL
      CREATE TEMPORARY TABLE t (a INT)                          | DDL
      CREATE INDEX i ON t (a)                                   | DDL
      ALTER TABLE t ADD COLUMN b INT                            | DDL
      DROP TABLE t                                              | DDL
      DROP DATABASE d                                           | DDL
      TRUNCATE TABLE t                                          | DDL
      RENAME TABLE a TO b                                       | DDL
      CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END        | DDL
      SET @a = 1                                                | SET
      SET NAMES utf8mb4                                         | SET
      SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci              | SET
      SET CHARACTER SET utf8mb4                                 | SET
      SET autocommit = 0                                        | SET
      SET SESSION sql_mode = 'STRICT_ALL_TABLES'                | SET
      SET @@session.time_zone = '+00:00'                        | SET
      SET ROLE r                                                | SET
      SET GLOBAL max_connections = 100                          | OTHER
      SET @@global.read_only = 1                                | OTHER
      SET PERSIST max_connections = 100                         | OTHER
      SET PASSWORD = 'x'                                        | OTHER
      SET DEFAULT ROLE r TO u                                   | OTHER
      SET TRANSACTION ISOLATION LEVEL READ COMMITTED            | SET_TRANSACTION
      SET SESSION TRANSACTION READ ONLY                         | SET_TRANSACTION
      SET GLOBAL TRANSACTION ISOLATION LEVEL SERIALIZABLE       | OTHER
      SET STATEMENT max_statement_time = 1 FOR SELECT * FROM t  | SELECT
      SET STATEMENT max_statement_time = 1 FOR UPDATE t SET a = 1 | UPDATE
      USE db                                                    | USE
      BEGIN                                                     | BEGIN
      BEGIN WORK                                                | BEGIN
      START TRANSACTION                                         | BEGIN
      START TRANSACTION READ WRITE                              | BEGIN
      START TRANSACTION WITH CONSISTENT SNAPSHOT                | BEGIN
      START TRANSACTION READ ONLY                               | BEGIN_READ_ONLY
      START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY     | BEGIN_READ_ONLY
      start transaction read only                               | BEGIN_READ_ONLY
      XA START 'x'                                              | BEGIN
      COMMIT                                                    | COMMIT
      COMMIT WORK AND NO CHAIN NO RELEASE                       | COMMIT
      XA COMMIT 'x'                                             | COMMIT
      ROLLBACK                                                  | ROLLBACK
      ROLLBACK WORK                                             | ROLLBACK
      XA ROLLBACK 'x'                                           | ROLLBACK
      ROLLBACK TO SAVEPOINT s                                   | SAVEPOINT
      ROLLBACK WORK TO s                                        | SAVEPOINT
      SAVEPOINT s                                               | SAVEPOINT
      RELEASE SAVEPOINT s                                       | SAVEPOINT
      LOCK TABLES t READ, u WRITE                               | LOCK_TABLES
      LOCK TABLE t WRITE                                        | LOCK_TABLES
      UNLOCK TABLES                                             | UNLOCK_TABLES
      CALL p(1)                                                 | CALL
      PREPARE s FROM 'SELECT ?'                                 | PREPARE
      EXECUTE s USING @a                                        | EXECUTE
      EXECUTE IMMEDIATE 'SELECT 1'                              | EXECUTE
      DEALLOCATE PREPARE s                                      | DEALLOCATE
      DROP PREPARE s                                            | DEALLOCATE
      KILL 12                                                   | KILL
      KILL QUERY 12                                             | KILL
      DO SLEEP(1)                                               | DO
      BEGIN NOT ATOMIC SELECT 1; END                            | OTHER
      GRANT SELECT ON *.* TO u                                  | OTHER
      FLUSH TABLES                                              | OTHER
      LOAD DATA INFILE 'f' INTO TABLE t                         | OTHER
      HANDLER t OPEN                                            | OTHER
      ANALYZE TABLE t                                           | OTHER
      OPTIMIZE TABLE t                                          | OTHER
      STOP SLAVE                                                | OTHER
      START REPLICA                                             | OTHER
      GET DIAGNOSTICS @n = NUMBER                               | DIAGNOSTICS
      CHANGE MASTER TO MASTER_HOST = 'h'                        | OTHER
      """)
  void kinds(String sql, StatementKind kind) {
    StatementTraits t = classifier.classify(sql);
    assertThat(t.kind()).isEqualTo(kind);
    if (kind != StatementKind.SELECT && kind != StatementKind.SHOW && kind != StatementKind.EXPLAIN) {
      assertThat(t.readOnly()).as("readOnly").isFalse();
    }
  }

  @Test
  void keywordScanStatementsAreNotParsedNorCached() {
    StatementClassifier c = new StatementClassifier(100);
    for (String sql : new String[] {"BEGIN", "COMMIT", "SET autocommit = 1", "INSERT INTO t VALUES (1)",
        "UPDATE t SET a = 1", "SHOW TABLES", "USE db", "CREATE TABLE t (a INT)"}) {
      c.classify(sql);
    }
    assertThat(c.cacheMisses()).isZero();
    assertThat(c.cacheHits()).isZero();
    assertThat(c.cachedDigests()).isZero();
  }

  @Test
  void kindHelpers() {
    assertThat(StatementKind.INSERT.isDml()).isTrue();
    assertThat(StatementKind.DDL.isDml()).isFalse();
    assertThat(StatementKind.SET.isSessionCommand()).isTrue();
    assertThat(StatementKind.USE.isSessionCommand()).isTrue();
    assertThat(StatementKind.PREPARE.isSessionCommand()).isTrue();
    assertThat(StatementKind.EXECUTE.isSessionCommand()).isFalse();
    assertThat(StatementKind.BEGIN_READ_ONLY.beginsTransaction()).isTrue();
    assertThat(StatementKind.ROLLBACK.endsTransaction()).isTrue();
    assertThat(StatementKind.SAVEPOINT.endsTransaction()).isFalse();
  }

  @Test
  void commitAndRollbackChain() {
    assertThat(classifier.classify("COMMIT AND CHAIN").chain()).isTrue();
    assertThat(classifier.classify("ROLLBACK WORK AND CHAIN").chain()).isTrue();
    assertThat(classifier.classify("COMMIT AND NO CHAIN").chain()).isFalse();
    assertThat(classifier.classify("COMMIT").chain()).isFalse();
  }

  @Test
  void unknownFirstWordGoesToTheParserAndTheMaster() {
    StatementTraits t = classifier.classify("FROBNICATE the database");
    assertThat(t.kind()).isEqualTo(StatementKind.OTHER);
    assertThat(t.unparsed()).isTrue();
    assertThat(t.readOnly()).isFalse();
  }
}
