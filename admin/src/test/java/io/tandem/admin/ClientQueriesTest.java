package io.tandem.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.proxy.protocol.ResultSetWriter.Column;
import org.junit.jupiter.api.Test;

class ClientQueriesTest {

  @Test
  void answersTheMysqlClientsVersionCommentQuery() {
    AdminResult.Rows r = (AdminResult.Rows) ClientQueries.answer("select @@version_comment limit 1", "1.0");
    assertThat(r.columns()).extracting(Column::name).containsExactly("@@version_comment");
    assertThat(r.rows()).containsExactly(java.util.List.of("Tandem admin"));
  }

  @Test
  void answersConnectorJsVariablesWithTheirAliasesAndNullForUnknownOnes() {
    String sql = "/* mysql-connector-j-8.4.0 */SELECT  @@session.auto_increment_increment AS auto_increment_increment,"
        + " @@character_set_client AS character_set_client, @@max_allowed_packet AS max_allowed_packet,"
        + " @@no_such_thing AS no_such_thing";
    AdminResult.Rows r = (AdminResult.Rows) new AdminCommands(new AdminContext(null, null, null, java.util.List.of(), null, null, null, null, null,
        "1.0")).execute(sql, "admin");
    assertThat(r.columns()).extracting(Column::name)
        .containsExactly("auto_increment_increment", "character_set_client", "max_allowed_packet", "no_such_thing");
    assertThat(r.rows().get(0)).containsExactly("1", "utf8mb4", "16777216", null);
  }

  @Test
  void acceptsSetAndAnswersShowVariablesEmpty() {
    assertThat(ClientQueries.answer("SET NAMES utf8mb4", "1.0")).isInstanceOf(AdminResult.Ok.class);
    AdminResult.Rows r = (AdminResult.Rows) ClientQueries.answer("SHOW VARIABLES LIKE 'lower_case%'", "1.0");
    assertThat(r.columns()).extracting(Column::name).containsExactly("Variable_name", "Value");
    assertThat(r.rows()).isEmpty();
  }

  @Test
  void leavesEverythingElseToTheAdminCommands() {
    assertThat(ClientQueries.answer("SHOW BACKENDS", "1.0")).isNull();
    assertThat(ClientQueries.answer("select @@a, now()", "1.0")).isNull();
  }
}
