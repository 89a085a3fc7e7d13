package io.tandem.proxy.session;

import static io.tandem.proxy.session.PinningStatements.TABLE_UNLOCK;
import static io.tandem.proxy.session.PinningStatements.XA_END;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PinningStatementsTest {

  @ParameterizedTest
  @ValueSource(strings = {
      "SELECT c FROM sbtest1 WHERE id=1",
      "select * from t where name = 'temporary' and note = \"get_lock\"",
      "SELECT `temporary`, `lock` FROM t",
      "INSERT INTO t VALUES (1, 'a')",
      "UPDATE t SET a = 1 WHERE b = @@sql_mode",
      "SET NAMES utf8mb4 COLLATE utf8mb4_general_ci",
      "SET autocommit=1, sql_mode = concat(@@sql_mode,',STRICT_TRANS_TABLES')",
      "SET @a = 1, @b := 'x'",
      "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
      "SET character_set_results = NULL",
      "SET STATEMENT max_statement_time=1 FOR SELECT NOW()",
      "SELECT 1 /* a comment: create temporary table */",
      "SELECT 1 -- lock tables\n",
      "SELECT 1 # get_lock(\n",
      "SELECT 1; SELECT 2",
      "SELECT NOW(), RAND()",
      "BEGIN",
      "COMMIT",
  })
  void ordinaryStatementsPinNothing(String sql) {
    assertThat(PinningStatements.scan(sql)).as(sql).isZero();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "CREATE TEMPORARY TABLE t (a INT)|TEMPORARY_TABLE",
      "create temporary table if not exists t select 1|TEMPORARY_TABLE",
      "/*!40101 CREATE TEMPORARY TABLE t (a INT) */|TEMPORARY_TABLE",
      "SELECT GET_LOCK('a', 10)|USER_LOCK",
      "DO get_lock('x', 1)|USER_LOCK",
      "LOCK TABLES t WRITE|TABLE_LOCK",
      "  lock table t read|TABLE_LOCK",
      "FLUSH TABLES WITH READ LOCK|TABLE_LOCK",
      "BACKUP STAGE START|TABLE_LOCK",
      "HANDLER t OPEN|HANDLER",
      "CALL p(1)|STORED_PROCEDURE",
      "XA START 'x'|XA",
      "XA BEGIN 'x'|XA",
      "SELECT SQL_CALC_FOUND_ROWS * FROM t LIMIT 1|FOUND_ROWS",
      "SELECT LAST_INSERT_ID()|LAST_INSERT_ID",
      "SELECT NEXTVAL(s)|SEQUENCE",
      "SELECT NEXT VALUE FOR s|SEQUENCE",
      "SELECT PREVIOUS VALUE FOR s|SEQUENCE",
      "SELECT a INTO @v FROM t|USER_VARIABLE",
      "SELECT a FROM t INTO   @v|USER_VARIABLE",
      "SELECT @v := a FROM t|USER_VARIABLE",
      "SET @t = NOW()|USER_VARIABLE",
      "SET @a := (SELECT a FROM t)|USER_VARIABLE",
      "SET @b = @a|USER_VARIABLE",
      "SET sql_mode = @old_mode|USER_VARIABLE",
      "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE|NEXT_TRANSACTION",
      "SELECT 1; SET @a = 1|UNTRACKED_STATE",
      "SELECT 1; USE db2|UNTRACKED_STATE",
      "GET DIAGNOSTICS @n = NUMBER|USER_VARIABLE",
  })
  void pinningStatementsAreFound(String sql, PinReason reason) {
    assertThat(PinningStatements.scan(sql) & ~(TABLE_UNLOCK | XA_END)).as(sql)
        .isEqualTo(reason.bit());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "UNLOCK TABLES|" + (1 << 30),
      "BACKUP STAGE END|" + (1 << 30),
      "BACKUP UNLOCK|" + (1 << 30),
      "XA COMMIT 'x'|" + (1 << 29),
      "XA ROLLBACK 'x'|" + (1 << 29),
  })
  void endsOfLocksAndXaAreFound(String sql, int flag) {
    assertThat(PinningStatements.scan(sql)).as(sql).isEqualTo(flag);
  }
}
