package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.it.support.ExternalCommand;
import io.tandem.it.support.ExternalCommand.Result;
import io.tandem.it.support.ProxyTopology;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code mariadb} command-line client (Debian's mariadb-client, libmariadb) in batch mode
 * through the proxy: plain queries, scripts, errors, LOAD DATA LOCAL INFILE and TLS.
 */
class MariadbCliIT {

  private static final String MARIADB = "/usr/bin/mariadb";
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private static ProxyTopology topology;

  @BeforeAll
  static void start() throws Exception {
    ExternalCommand.require(MARIADB, "apt-get install mariadb-client");
    topology = ProxyTopology.start();
  }

  @AfterAll
  static void stop() {
    if (topology != null) {
      topology.close();
    }
  }

  /** {@code mariadb} as {@code app} into schema {@code app}, batch mode, no column names. */
  private static List<String> cli(String... extra) {
    List<String> cmd = new ArrayList<>(List.of(MARIADB, "--no-defaults",
        "-h127.0.0.1", "-P" + topology.port(), "-uapp", "-papp",
        "--default-character-set=utf8mb4", "--connect-timeout=10", "-B", "-N"));
    cmd.addAll(List.of(extra));
    cmd.add("app");
    return cmd;
  }

  private static Result ok(Result r) {
    assertThat(r.exitCode()).as("mariadb exit code\n%s", r.describe()).isZero();
    assertThat(r.stderr()).as("mariadb stderr\n%s", r.describe()).isEmpty();
    return r;
  }

  @Test
  void selectPrintsTabSeparatedRows() {
    Result r = ok(ExternalCommand.run(cli("--skip-ssl", "-e",
        "CREATE TABLE cli_select (id INT PRIMARY KEY, name VARCHAR(20), price DECIMAL(6,2));"
            + "INSERT INTO cli_select VALUES (1, 'alpha', NULL), (2, 'béta ✓', 2.5), (3, 'gamma', 30);"
            + "SELECT id, name, price FROM cli_select ORDER BY id DESC"), TIMEOUT));
    assertThat(r.lines()).as(r.describe())
        .containsExactly("3\tgamma\t30.00", "2\tbéta ✓\t2.50", "1\talpha\tNULL");
  }

  @Test
  void serverIdIsTheMasters() {
    Result r = ok(ExternalCommand.run(cli("--skip-ssl", "-e", "SELECT @@server_id"), TIMEOUT));
    assertThat(r.lines()).as(r.describe()).containsExactly("1");
  }

  @Test
  void scriptWithSeveralResultSets() {
    String script = """
        CREATE TABLE cli_multi (id INT PRIMARY KEY, v VARCHAR(10));
        INSERT INTO cli_multi VALUES (1, 'one'), (2, 'two'), (3, 'three');
        SELECT COUNT(*) FROM cli_multi;
        SELECT v FROM cli_multi WHERE id = 2;
        DELIMITER //
        SELECT id FROM cli_multi WHERE id < 3 ORDER BY id; SELECT 'both', @@server_id//
        DELIMITER ;
        UPDATE cli_multi SET v = 'TWO' WHERE id = 2;
        SELECT GROUP_CONCAT(v ORDER BY id) FROM cli_multi;
        """;
    // the statement between the DELIMITER lines goes to the server as one multi-statement query
    Result r = ok(ExternalCommand.run(cli("--skip-ssl"), script, TIMEOUT));
    assertThat(r.lines()).as(r.describe())
        .containsExactly("3", "two", "1", "2", "both\t1", "one,TWO,three");
  }

  @Test
  void procedureResultWhileItsCursorIsOpenIsRelayedWhole() {
    // the SELECT inside the procedure runs while a cursor is open: its result's EOF after the
    // column definitions carries SERVER_STATUS_CURSOR_EXISTS, and its rows still follow
    String script = """
        CREATE TABLE cli_cursor (id INT PRIMARY KEY);
        INSERT INTO cli_cursor VALUES (1), (2), (3);
        DELIMITER //
        CREATE PROCEDURE cli_cursor_p()
        BEGIN
          DECLARE c CURSOR FOR SELECT id FROM cli_cursor;
          OPEN c;
          SELECT id * 10 FROM cli_cursor ORDER BY id;
          CLOSE c;
        END//
        DELIMITER ;
        CALL cli_cursor_p();
        SELECT 'after';
        """;
    Result r = ok(ExternalCommand.run(cli("--skip-ssl"), script, TIMEOUT));
    assertThat(r.lines()).as(r.describe()).containsExactly("10", "20", "30", "after");
  }

  @Test
  void errorGivesExitCodeOneAndTheServerError() {
    Result r = ExternalCommand.run(cli("--skip-ssl", "-e", "SELECT * FROM cli_no_such_table"), TIMEOUT);
    assertThat(r.exitCode()).as(r.describe()).isEqualTo(1);
    assertThat(r.stderr()).as(r.describe())
        .contains("ERROR 1146 (42S02)")
        .contains("cli_no_such_table");
    assertThat(r.stdout()).as(r.describe()).isEmpty();
    // the proxy and the session are fine afterwards
    Result again = ok(ExternalCommand.run(cli("--skip-ssl", "-e", "SELECT 'still here'"), TIMEOUT));
    assertThat(again.lines()).as(again.describe()).containsExactly("still here");
  }

  @Test
  void loadDataLocalInfileLoadsEveryLine() throws Exception {
    int lines = 100_000;
    Path dir = Files.createTempDirectory("tandem-cli-infile");
    Path file = dir.resolve("rows.tsv");
    try {
      try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
        for (int i = 1; i <= lines; i++) {
          w.write(i + "\tname-" + i + "\n");
        }
      }
      Result r = ok(ExternalCommand.run(cli("--skip-ssl", "--local-infile=1", "-e",
          "CREATE TABLE cli_load (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL);"
              + "LOAD DATA LOCAL INFILE '" + file + "' INTO TABLE cli_load;"
              + "SELECT COUNT(*), SUM(id), MIN(name), (SELECT name FROM cli_load WHERE id = 77777) FROM cli_load;"
              + "SELECT @@server_id"), TIMEOUT));
      assertThat(r.lines()).as(r.describe())
          .containsExactly(lines + "\t" + (long) lines * (lines + 1) / 2 + "\tname-1\tname-77777", "1");
    } finally {
      Files.deleteIfExists(file);
      Files.deleteIfExists(dir);
    }
  }

  @Test
  void tlsConnectionUsesACipherAndReturnsRows() {
    Result tls = ok(ExternalCommand.run(cli("--ssl", "--skip-ssl-verify-server-cert", "-e",
        "status; SELECT 'over tls', @@server_id"), TIMEOUT));
    assertThat(tls.stdout()).as("the client's status names the cipher in use\n%s", tls.describe())
        .containsPattern("SSL:\\s+Cipher in use is \\S+");
    assertThat(tls.lines()).as(tls.describe()).contains("over tls\t1");

    // the same status line without TLS, so the assertion above can tell the difference
    Result plain = ok(ExternalCommand.run(cli("--skip-ssl", "-e", "status"), TIMEOUT));
    assertThat(plain.stdout()).as(plain.describe())
        .containsPattern("SSL:\\s+Not in use")
        .doesNotContain("Cipher in use");
  }
}
