package io.tandem.proxy.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KillStatementTest {

  @Test
  void parsesTheForms() {
    assertThat(KillStatement.parse("KILL 12")).isEqualTo(new KillStatement(12, false));
    assertThat(KillStatement.parse("kill query 7;")).isEqualTo(new KillStatement(7, true));
    assertThat(KillStatement.parse("  KILL CONNECTION 3 ")).isEqualTo(new KillStatement(3, false));
    assertThat(KillStatement.parse("/* x */ KILL QUERY 9")).isEqualTo(new KillStatement(9, true));
  }

  @Test
  void leavesOtherStatementsAlone() {
    assertThat(KillStatement.parse("KILL USER app")).isNull();
    assertThat(KillStatement.parse("KILL QUERY ID 5")).isNull();
    assertThat(KillStatement.parse("SELECT 1")).isNull();
  }
}
