package io.tandem.proxy.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GtidPositionTest {

  @Test
  void mariadbPositionsCompareBySequenceNumberPerDomain() {
    GtidPosition replica = GtidPosition.parse("0-1-100,1-1-57,2-2-9");
    assertThat(replica.covers(GtidPosition.parse("1-1-57"))).isTrue();
    assertThat(replica.covers(GtidPosition.parse("1-1-56"))).isTrue();
    assertThat(replica.covers(GtidPosition.parse("1-1-58"))).isFalse();
    assertThat(replica.covers(GtidPosition.parse("3-3-1"))).as("a domain it has not seen").isFalse();
    assertThat(replica.covers(GtidPosition.parse("1-2-50,2-2-9"))).isTrue();
    assertThat(replica.isGtidSet()).isFalse();
  }

  @Test
  void mysqlSetsCompareByContainment() {
    String uuid = "3E11FA47-71CA-11E1-9E33-C80AA9429562";
    GtidPosition replica = GtidPosition.parse(uuid + ":1-5:7-10,\n aaaaaaaa-71ca-11e1-9e33-c80aa9429562:1-3");
    assertThat(replica.isGtidSet()).isTrue();
    assertThat(replica.covers(GtidPosition.parse(uuid.toLowerCase() + ":1-5"))).isTrue();
    assertThat(replica.covers(GtidPosition.parse(uuid + ":8"))).isTrue();
    assertThat(replica.covers(GtidPosition.parse(uuid + ":6"))).as("a gap").isFalse();
    assertThat(replica.covers(GtidPosition.parse(uuid + ":1-10"))).isFalse();
    assertThat(replica.covers(GtidPosition.parse("bbbbbbbb-71ca-11e1-9e33-c80aa9429562:1"))).isFalse();
  }

  @Test
  void emptyIsCoveredByEverything() {
    assertThat(GtidPosition.parse(null)).isSameAs(GtidPosition.EMPTY);
    assertThat(GtidPosition.parse("  ")).isSameAs(GtidPosition.EMPTY);
    assertThat(GtidPosition.EMPTY.covers(GtidPosition.EMPTY)).isTrue();
    assertThat(GtidPosition.parse("0-1-1").covers(GtidPosition.EMPTY)).isTrue();
    assertThat(GtidPosition.EMPTY.covers(GtidPosition.parse("0-1-1"))).isFalse();
  }

  @Test
  void malformedTextIsRejected() {
    assertThatThrownBy(() -> GtidPosition.parse("1-2")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> GtidPosition.parse("a-b-c")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> GtidPosition.parse("uuid:x-y")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> GtidPosition.parse(":1-2")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void printsAsTheServerWroteIt() {
    assertThat(GtidPosition.parse(" 1-1-57 ")).hasToString("1-1-57");
  }

  @org.junit.jupiter.api.Test
  void transactionsBeyondCountsWhatAServerHasNotAppliedPerDomain() {
    GtidPosition received = GtidPosition.parse("1-1-120,2-2-7");
    assertThat(received.transactionsBeyond(GtidPosition.parse("1-1-100,2-2-7"))).isEqualTo(20);
    assertThat(received.transactionsBeyond(GtidPosition.parse("2-2-9"))).isEqualTo(120);
    assertThat(received.transactionsBeyond(received)).isZero();
    assertThat(GtidPosition.parse("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5")
        .transactionsBeyond(GtidPosition.EMPTY)).isEqualTo(-1);
  }
}
