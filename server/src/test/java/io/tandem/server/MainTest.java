package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: usage, help and exit statuses. Nothing here starts a proxy. */
class MainTest {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @TempDir
  Path dir;

  private int tandem(String... args) {
    return Main.execute(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void topLevelHelp() {
    assertThat(tandem("--help")).isZero();
    assertThat(out()).isEqualTo(Main.USAGE);
    assertThat(out()).contains("run", "sandbox");
    assertThat(err()).isEmpty();
  }

  @Test
  void noCommandIsAUsageError() {
    assertThat(tandem()).isEqualTo(2);
    assertThat(err()).isEqualTo(Main.USAGE);
  }

  @Test
  void unknownCommandIsAUsageError() {
    assertThat(tandem("start")).isEqualTo(2);
    assertThat(err()).startsWith("tandem: unknown command start\n").endsWith(Main.USAGE);
  }

  @Test
  void subcommandHelp() {
    assertThat(tandem("run", "--help")).isZero();
    assertThat(out()).isEqualTo(RunCommand.USAGE);
    out.reset();
    assertThat(tandem("sandbox", "-h")).isZero();
    assertThat(out()).isEqualTo(SandboxCommand.USAGE);
    assertThat(out()).contains("--base-port P", "--port N", "--dir D", "TANDEM_SANDBOX_DIR");
  }

  @Test
  void unknownOptionShowsTheCommandsUsage() {
    assertThat(tandem("run", "--conf", "x.yaml")).isEqualTo(2);
    assertThat(err()).startsWith("tandem run: unknown option --conf\n").endsWith(RunCommand.USAGE);
  }

  @Test
  void badSandboxPortsAreUsageErrors() {
    assertThat(tandem("sandbox", "--port", "http")).isEqualTo(2);
    assertThat(err()).startsWith("tandem sandbox: --port: expected a port number (0-65535), got http\n");
    err.reset();
    assertThat(tandem("sandbox", "--base-port=65534")).isEqualTo(2);
    assertThat(err()).startsWith("tandem sandbox: --base-port: needs four ports from P, so at most 65532, got 65534\n");
  }

  @Test
  void invalidConfigListsEveryProblemAndExitsWithTwo() throws Exception {
    Path config = Files.writeString(dir.resolve("bad.yaml"), """
        listen: { port: abc }
        users: [ { name: app } ]
        backends: [ { name: m1, host: h, port: 70000, role: master } ]
        """);

    assertThat(tandem("run", "-c", config.toString())).isEqualTo(2);

    assertThat(err()).isEqualTo("tandem: " + config + ": 3 problems:\n"
        + "  listen.port: expected an integer, got \"abc\"\n"
        + "  users[0]: needs password or native_hash\n"
        + "  backends[0].port: must be between 1 and 65535, got 70000\n");
  }

  @Test
  void missingConfigFileExitsWithTwo() {
    Path absent = dir.resolve("absent.yaml");
    assertThat(tandem("run", "--config=" + absent)).isEqualTo(2);
    assertThat(err()).contains("config file not found: " + absent);
  }
}
