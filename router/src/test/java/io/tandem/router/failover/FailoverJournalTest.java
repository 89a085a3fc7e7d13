package io.tandem.router.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.router.failover.FailoverJournal.Entry;
import io.tandem.router.failover.FailoverJournal.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FailoverJournalTest {

  @TempDir
  Path dir;

  @Test
  void aPromotionUnderWayIsReadBackByTheNextProcess() throws IOException {
    Path file = dir.resolve("sub").resolve("failover.journal");
    new FailoverJournal(file).write(new Entry(3, "m1", "m1", "m2", Step.SWITCHING));
    assertThat(new FailoverJournal(file).read()).isEqualTo(new Entry(3, "m1", "m1", "m2", Step.SWITCHING));
    new FailoverJournal(file).write(new Entry(3, "m2", null, null, Step.DONE));
    assertThat(new FailoverJournal(file).read()).isEqualTo(new Entry(3, "m2", null, null, Step.DONE));
    assertThat(Files.list(file.getParent())).as("no temporary file left").hasSize(1);
  }

  @Test
  void withoutAFileTheJournalLivesInMemory() throws IOException {
    FailoverJournal journal = new FailoverJournal(null);
    assertThat(journal.read()).isNull();
    journal.write(new Entry(1, "m2", null, null, Step.DONE));
    assertThat(journal.read()).isEqualTo(new Entry(1, "m2", null, null, Step.DONE));
  }

  @Test
  void anUnreadableJournalIsAnError() throws IOException {
    Path file = dir.resolve("failover.journal");
    Files.writeString(file, "epoch=x\nwriter=m1\n");
    assertThatThrownBy(() -> new FailoverJournal(file).read()).isInstanceOf(IOException.class)
        .hasMessageContaining("not a failover journal");
  }
}
