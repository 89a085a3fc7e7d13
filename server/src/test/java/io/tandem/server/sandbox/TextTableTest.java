package io.tandem.server.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TextTableTest {

  @Test
  void columnsArePaddedToTheWidestCell() {
    String table = new TextTable("name", "port", "note")
        .row("m1", 23306, "master")
        .row("replica-1", 1, "")
        .render("  ");
    assertThat(table).isEqualTo("""
          name       port   note
          m1         23306  master
          replica-1  1
        """);
  }

  @Test
  void rowsMustMatchTheHeader() {
    assertThatThrownBy(() -> new TextTable("a", "b").row("only one"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
