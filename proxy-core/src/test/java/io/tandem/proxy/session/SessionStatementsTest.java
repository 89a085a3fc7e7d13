package io.tandem.proxy.session;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SessionStatementsTest {

  private final SessionState state = new SessionState("app", 45, "app");

  @Test
  void useChangesTheSchema() {
    SessionStatements.apply("USE other", state);
    assertThat(state.schema()).isEqualTo("other");
    SessionStatements.apply("/* hint */ use `we``ird`;", state);
    assertThat(state.schema()).isEqualTo("we`ird");
  }

  @Test
  void setStatementsAreReplayedLatestPerVariable() {
    SessionStatements.apply("SET NAMES latin1", state);
    SessionStatements.apply("SET sql_mode = 'ANSI_QUOTES'", state);
    SessionStatements.apply("SET @@session.wait_timeout=100", state);
    SessionStatements.apply("set SQL_MODE='TRADITIONAL'", state);
    SessionStatements.apply("SET @user_var := 5", state);
    SessionStatements.apply("SET GLOBAL max_connections = 10", state);
    SessionStatements.apply("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", state);
    SessionStatements.apply("SET autocommit=0", state);
    SessionStatements.apply("SET STATEMENT max_statement_time=1 FOR UPDATE t SET a = 1", state);
    SessionStatements.apply("SET PASSWORD = PASSWORD('x')", state);
    SessionStatements.apply("SET DEFAULT ROLE r FOR app", state);
    assertThat(state.replayStatements()).as("SET STATEMENT runs its statement once: never replayed").containsExactly(
        "SET NAMES latin1",
        "SET @@session.wait_timeout=100",
        "set SQL_MODE='TRADITIONAL'",
        "SET @user_var := 5");
  }

  @Test
  void setStatementsAreReplayedInTheOrderTheyLastRan() {
    SessionStatements.apply("SET @saved = @@character_set_client", state);
    SessionStatements.apply("SET NAMES utf8", state);
    SessionStatements.apply("SET character_set_client = @saved", state);
    // SET NAMES first would change what @saved reads
    assertThat(state.replayStatements()).containsExactly("SET @saved = @@character_set_client", "SET NAMES utf8",
        "SET character_set_client = @saved");
    SessionStatements.apply("SET NAMES latin1", state);
    assertThat(state.replayStatements()).containsExactly("SET @saved = @@character_set_client",
        "SET character_set_client = @saved", "SET NAMES latin1");
  }

  @Test
  void multiAssignmentIsKeptWhole() {
    SessionStatements.apply("SET a=1, b='x,y'", state);
    assertThat(state.replayStatements()).containsExactly("SET a=1, b='x,y'");
  }

  @Test
  void autocommitOffIsReplayedFromStatusFlags() {
    state.serverStatus(0);
    assertThat(state.replayStatements()).containsExactly("SET autocommit=0");
    state.reset();
    assertThat(state.replayStatements()).isEmpty();
  }

  @Test
  void otherStatementsChangeNothing() {
    SessionStatements.apply("SELECT 1", state);
    SessionStatements.apply("UPDATE t SET a=1", state);
    assertThat(state.replayStatements()).isEmpty();
    assertThat(state.schema()).isEqualTo("app");
  }

  @Test
  void aBareAutocommitSetIsRecognized() {
    assertThat(SessionStatements.autocommitOnly("SET AUTOCOMMIT = 0")).isFalse();
    assertThat(SessionStatements.autocommitOnly("set autocommit=1")).isTrue();
    assertThat(SessionStatements.autocommitOnly("SET SESSION autocommit = ON;")).isTrue();
    assertThat(SessionStatements.autocommitOnly("SET @@autocommit := off")).isFalse();
    assertThat(SessionStatements.autocommitOnly("/* c */ SET @@session.autocommit=1")).isTrue();
    assertThat(SessionStatements.autocommitOnly("SET autocommit = 0, sql_mode = ''")).isNull();
    assertThat(SessionStatements.autocommitOnly("SET autocommit = @v")).isNull();
    assertThat(SessionStatements.autocommitOnly("SET GLOBAL autocommit = 0")).isNull();
  }

  @Test
  void setsOfGlobalVariablesAreRecognized() {
    assertThat(SessionStatements.changesGlobals("SET GLOBAL max_allowed_packet = 1024")).isTrue();
    assertThat(SessionStatements.changesGlobals("/* c */ set @@global.sql_mode = ''")).isTrue();
    assertThat(SessionStatements.changesGlobals("SET @a = 1, GLOBAL div_precision_increment = 7")).isTrue();
    assertThat(SessionStatements.changesGlobals("SET PERSIST wait_timeout = 60")).isTrue();
    assertThat(SessionStatements.changesGlobals("SELECT 1; SET GLOBAL wait_timeout = 60")).isTrue();
    assertThat(SessionStatements.changesGlobals("SET SESSION sql_mode = ''")).isFalse();
    assertThat(SessionStatements.changesGlobals("SET @global = 1")).isFalse();
    assertThat(SessionStatements.changesGlobals("SELECT @@global.max_allowed_packet")).isFalse();
    assertThat(SessionStatements.changesGlobals("SELECT 'SET GLOBAL x = 1'")).isFalse();
    assertThat(SessionStatements.changesGlobals("SETTINGS")).isFalse();
  }

  @Test
  void preparedSessionChangesAreRecognized() {
    assertThat(SessionStatements.preparesSessionChange("PREPARE s FROM 'SET sql_mode = ansi'")).isTrue();
    assertThat(SessionStatements.preparesSessionChange("prepare `s` from \"  use db2\"")).isTrue();
    assertThat(SessionStatements.preparesSessionChange("EXECUTE IMMEDIATE 'SET @a = 1'")).isTrue();
    assertThat(SessionStatements.preparesSessionChange("PREPARE s FROM @text")).as("not known").isTrue();
    assertThat(SessionStatements.preparesSessionChange("PREPARE s FROM 'SELECT ''SET'''")).isFalse();
    assertThat(SessionStatements.preparesSessionChange("EXECUTE IMMEDIATE 'SELECT 1'")).isFalse();
    assertThat(SessionStatements.preparesSessionChange("EXECUTE s")).isFalse();
  }
}
