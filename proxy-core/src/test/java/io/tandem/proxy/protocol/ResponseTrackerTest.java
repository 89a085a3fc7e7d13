package io.tandem.proxy.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class ResponseTrackerTest {

  private static int feed(ResponseTracker t, int... payloadBytes) {
    ByteBuf buf = Unpooled.buffer();
    for (int b : payloadBytes) {
      buf.writeByte(b);
    }
    return t.onPacket(payloadBytes[0] & 0xFF, payloadBytes.length, buf, 0, true);
  }

  private static int[] ok(int status) {
    return new int[] {0x00, 0, 0, status & 0xFF, status >> 8, 0, 0};
  }

  private static int[] eofOk(int status) {
    return new int[] {0xFE, 0, 0, status & 0xFF, status >> 8, 0, 0};
  }

  private static int[] eof(int status) {
    return new int[] {0xFE, 0, 0, status & 0xFF, status >> 8};
  }

  @Test
  void okEndsAQuery() {
    ResponseTracker t = new ResponseTracker(true);
    assertThat(t.commandSent(CommandCode.QUERY)).isTrue();
    assertThat(feed(t, ok(ServerStatus.AUTOCOMMIT))).isEqualTo(ResponseTracker.DONE);
    assertThat(t.status()).isEqualTo(ServerStatus.AUTOCOMMIT);
  }

  @Test
  void textResultSetWithDeprecateEof() {
    ResponseTracker t = new ResponseTracker(true);
    t.commandSent(CommandCode.QUERY);
    assertThat(feed(t, 2)).isEqualTo(ResponseTracker.MORE); // column count
    assertThat(feed(t, 3, 'd', 'e', 'f')).isEqualTo(ResponseTracker.MORE);
    assertThat(feed(t, 3, 'd', 'e', 'f')).isEqualTo(ResponseTracker.MORE);
    assertThat(feed(t, 1, '1', 1, '2')).isEqualTo(ResponseTracker.MORE); // row
    assertThat(feed(t, 0xFB, 1, '2')).isEqualTo(ResponseTracker.MORE); // row starting with NULL
    assertThat(feed(t, eofOk(ServerStatus.IN_TRANS))).isEqualTo(ResponseTracker.DONE);
    assertThat(t.status()).isEqualTo(ServerStatus.IN_TRANS);
  }

  @Test
  void textResultSetWithClassicEofAndMoreResults() {
    ResponseTracker t = new ResponseTracker(false);
    t.commandSent(CommandCode.QUERY);
    feed(t, 1);
    feed(t, 3, 'd', 'e', 'f');
    assertThat(feed(t, eof(0))).isEqualTo(ResponseTracker.MORE); // end of column definitions
    feed(t, 1, '1');
    assertThat(feed(t, eof(ServerStatus.MORE_RESULTS_EXISTS))).isEqualTo(ResponseTracker.MORE);
    assertThat(feed(t, ok(ServerStatus.MORE_RESULTS_EXISTS))).isEqualTo(ResponseTracker.MORE);
    assertThat(feed(t, 0xFF, 0x7A, 0x04, '#', '4', '2', 'S', '0', '2', 'x')).isEqualTo(ResponseTracker.DONE);
    assertThat(t.error().error().code()).isEqualTo(1146);
    assertThat(t.error().error().sqlState()).isEqualTo("42S02");
  }

  @Test
  void errorInTheMiddleOfRowsEndsTheResponse() {
    ResponseTracker t = new ResponseTracker(true);
    t.commandSent(CommandCode.QUERY);
    feed(t, 1);
    feed(t, 3, 'd', 'e', 'f');
    feed(t, 1, '1');
    assertThat(feed(t, 0xFF, 0x17, 0x05, '#', '7', '0', '1', '0', '0', 'k')).isEqualTo(ResponseTracker.DONE);
    assertThat(t.error().error().code()).isEqualTo(1303);
  }

  @Test
  void localInfileRequestPausesUntilTheFileIsSent() {
    ResponseTracker t = new ResponseTracker(true);
    t.commandSent(CommandCode.QUERY);
    assertThat(feed(t, 0xFB, 'f')).isEqualTo(ResponseTracker.LOCAL_INFILE);
    t.localInfileSent();
    assertThat(feed(t, ok(ServerStatus.AUTOCOMMIT))).isEqualTo(ResponseTracker.DONE);
  }

  @Test
  void prepareWithParamsAndColumns() {
    for (boolean deprecateEof : new boolean[] {true, false}) {
      ResponseTracker t = new ResponseTracker(deprecateEof);
      t.commandSent(CommandCode.STMT_PREPARE);
      assertThat(feed(t, 0, 7, 0, 0, 0, 2, 0, 1, 0, 0, 0, 0)).isEqualTo(ResponseTracker.MORE);
      assertThat(t.preparedStatementId()).isEqualTo(7);
      assertThat(feed(t, 3, 'd', 'e', 'f')).isEqualTo(ResponseTracker.MORE); // param
      if (!deprecateEof) {
        assertThat(feed(t, eof(0))).isEqualTo(ResponseTracker.MORE);
      }
      assertThat(feed(t, 3, 'd', 'e', 'f')).isEqualTo(ResponseTracker.MORE);
      int last = feed(t, 3, 'd', 'e', 'f');
      if (!deprecateEof) {
        assertThat(last).isEqualTo(ResponseTracker.MORE);
        last = feed(t, eof(0));
      }
      assertThat(last).isEqualTo(ResponseTracker.DONE);
    }
  }

  @Test
  void prepareWithoutParamsOrColumnsIsOnePacket() {
    ResponseTracker t = new ResponseTracker(true);
    t.commandSent(CommandCode.STMT_PREPARE);
    assertThat(feed(t, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)).isEqualTo(ResponseTracker.DONE);
  }

  @Test
  void cursorOpenEndsAfterMetadata() {
    ResponseTracker t = new ResponseTracker(false);
    t.commandSent(CommandCode.STMT_EXECUTE);
    feed(t, 1);
    feed(t, 3, 'd', 'e', 'f');
    assertThat(feed(t, eof(ServerStatus.CURSOR_EXISTS))).isEqualTo(ResponseTracker.DONE);
    t.commandSent(CommandCode.STMT_FETCH);
    assertThat(feed(t, 0, 0, 1)).isEqualTo(ResponseTracker.MORE);
    assertThat(feed(t, eof(ServerStatus.LAST_ROW_SENT))).isEqualTo(ResponseTracker.DONE);
  }

  @Test
  void aQueryResultFlaggedCursorExistsStillHasItsRows() {
    // CALL of a procedure with an open cursor: the text result's EOF says CURSOR_EXISTS | MORE_RESULTS
    ResponseTracker t = new ResponseTracker(false);
    t.commandSent(CommandCode.QUERY);
    feed(t, 1);
    feed(t, 3, 'd', 'e', 'f');
    int flagged = ServerStatus.CURSOR_EXISTS | ServerStatus.MORE_RESULTS_EXISTS;
    assertThat(feed(t, eof(flagged))).isEqualTo(ResponseTracker.MORE);
    assertThat(feed(t, 1, '1')).isEqualTo(ResponseTracker.MORE);
    assertThat(feed(t, eof(flagged))).isEqualTo(ResponseTracker.MORE); // the CALL's own result follows
    assertThat(feed(t, ok(ServerStatus.AUTOCOMMIT))).isEqualTo(ResponseTracker.DONE);
    assertThat(t.rows()).isEqualTo(1);
  }

  @Test
  void commandsWithoutResponse() {
    ResponseTracker t = new ResponseTracker(true);
    assertThat(t.commandSent(CommandCode.STMT_CLOSE)).isFalse();
    assertThat(t.commandSent(CommandCode.STMT_SEND_LONG_DATA)).isFalse();
    assertThat(t.idle()).isTrue();
  }

  @Test
  void statisticsIsOneBarePacket() {
    ResponseTracker t = new ResponseTracker(true);
    t.commandSent(CommandCode.STATISTICS);
    assertThat(feed(t, 'U', 'p', 't', 'i', 'm', 'e')).isEqualTo(ResponseTracker.DONE);
  }
}
