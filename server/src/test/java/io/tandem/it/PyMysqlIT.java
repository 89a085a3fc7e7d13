package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.it.support.ExternalCommand;
import io.tandem.it.support.ExternalCommand.Result;
import io.tandem.it.support.ProxyTopology;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PyMySQL (Debian's python3-pymysql, run by the system Python) through the proxy; the script
 * is {@code src/test/resources/pymysql_roundtrip.py}.
 */
class PyMysqlIT {

  /** The system Python, where Debian installs python3-pymysql (not a pyenv Python on PATH). */
  private static final String PYTHON = "/usr/bin/python3";

  private static ProxyTopology topology;

  @BeforeAll
  static void start() throws Exception {
    ExternalCommand.require(PYTHON, "apt-get install python3 python3-pymysql");
    Result probe = ExternalCommand.run(List.of(PYTHON, "-c", "import pymysql"), Duration.ofSeconds(30));
    if (probe.exitCode() != 0) {
      throw new AssertionError("PyMySQL is missing from " + PYTHON + "; run: apt-get install python3-pymysql\n"
          + probe.describe());
    }
    topology = ProxyTopology.start();
  }

  @AfterAll
  static void stop() {
    if (topology != null) {
      topology.close();
    }
  }

  @Test
  void parametersTransactionsAndErrors() throws Exception {
    Path script = Files.createTempFile("pymysql_roundtrip", ".py");
    try {
      try (InputStream in = PyMysqlIT.class.getResourceAsStream("/pymysql_roundtrip.py")) {
        assertThat(in).as("pymysql_roundtrip.py on the test classpath").isNotNull();
        Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
      }
      Result r = ExternalCommand.run(List.of(PYTHON, script.toString(), "127.0.0.1",
          String.valueOf(topology.port()), "app", "app", "app"), Duration.ofSeconds(60));
      assertThat(r.exitCode()).as(r.describe()).isZero();
      assertThat(r.lines().subList(1, r.lines().size())).as(r.describe()).containsExactly(
          "server_id=1",
          "inserted=3",
          "row=2|Ünïcødé ✓ 🚀|12.34|it's \"quoted\"",
          "row=3|back\\slash|99.99|x",
          "unicode_match=1",
          "error=1146",
          "after_error=after error",
          "inside_tx=1",
          "after_rollback=0",
          "total=4/107",
          "done");
    } finally {
      Files.deleteIfExists(script);
    }
  }
}
