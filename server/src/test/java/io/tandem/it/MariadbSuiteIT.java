package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.it.support.ExternalCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * MariaDB's own regression tests through the proxy: {@code fidelity/mariadb-test.sh} runs each
 * test of {@code fidelity/main-tests.txt} with {@code mariadb-test-run.pl --extern} directly
 * against a sandbox's m1, through a splitting proxy ({@code consistency: session}) and through a
 * master-only one, and every output through a proxy must be the direct one (or differ from it
 * exactly as documented in {@code fidelity/accepted}). Part of {@code ./mvnw verify -Pfidelity};
 * the outputs and diffs are kept in {@code server/target/fidelity}.
 */
@Tag("fidelity")
class MariadbSuiteIT {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @Test
  void everyListedTestGivesThroughTheProxyWhatItGivesDirectly() throws Exception {
    Path suite = Path.of("/usr/share/mysql/mysql-test/mariadb-test-run.pl");
    assertThat(Files.exists(suite)).as("MariaDB's test suite: apt-get install mariadb-test").isTrue();
    Path kept = Path.of("target", "fidelity").toAbsolutePath();
    ExternalCommand.Result result = ExternalCommand.run(List.of("bash", ROOT.resolve("fidelity/mariadb-test.sh").toString(),
        "--keep", kept.toString()), Duration.ofMinutes(40));
    System.out.println(result.stdout());
    assertThat(result.exitCode()).as("fidelity/mariadb-test.sh:%n%s%n%s", result.stdout(), result.stderr()).isZero();
  }
}
