package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.sandbox.SandboxOptions;
import io.tandem.sandbox.SandboxTopology;
import io.tandem.server.sandbox.SandboxProxyConfig;
import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The distribution's proxy, in its own JVM with 64 MiB of heap and 64 MiB of direct memory,
 * relays a 1 GiB result set: results stream with bounded memory, whatever their size.
 */
class StreamingIT {

  private static SandboxTopology sandbox;
  private static Process proxy;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    sandbox = SandboxTopology.start(SandboxOptions.forTests());
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path config = sandbox.baseDir().resolve("streaming-proxy.yaml");
    Files.writeString(config, SandboxProxyConfig.yamlFor(sandbox, port));
    Path lib = Path.of("target", "dist", "lib").toAbsolutePath();
    assertThat(lib).as("the distribution is built by 'package' before integration tests").isDirectory();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    proxy = new ProcessBuilder(List.of(java, "-Xmx64m", "-XX:MaxDirectMemorySize=64m",
        "-Dio.netty.leakDetection.level=paranoid",
        "-cp", lib + File.separator + "*", "io.tandem.server.Main", "run", "-c", config.toString()))
        .redirectErrorStream(true)
        .redirectOutput(sandbox.baseDir().resolve("streaming-proxy.log").toFile())
        .start();
    for (int i = 0; i < 100; i++) {
      try (Connection c = connect()) {
        return;
      } catch (SQLException notYet) {
        assertThat(proxy.isAlive()).as("proxy process is running; log: %s",
            sandbox.baseDir().resolve("streaming-proxy.log")).isTrue();
        Thread.sleep(200);
      }
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (proxy != null) {
      proxy.destroy();
      proxy.waitFor(10, TimeUnit.SECONDS);
      proxy.destroyForcibly();
    }
    sandbox.close();
  }

  private static Connection connect() throws SQLException {
    return DriverManager.getConnection("jdbc:mysql://127.0.0.1:" + port
        + "/app?user=app&password=app&sslMode=DISABLED");
  }

  @Test
  void resultSetSixteenTimesTheHeapStreamsThrough() throws Exception {
    long rows = 0;
    long bytes = 0;
    try (Connection c = connect();
        Statement s = c.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY)) {
      s.setFetchSize(Integer.MIN_VALUE); // Connector/J streams rows instead of buffering them
      try (ResultSet rs = s.executeQuery("SELECT seq, REPEAT('x', 1024) FROM seq_1_to_1000000")) {
        while (rs.next()) {
          rows++;
          bytes += rs.getString(2).length();
          if (rows != rs.getLong(1)) {
            throw new AssertionError("row " + rows + " arrived as " + rs.getLong(1));
          }
        }
      }
    }
    assertThat(rows).isEqualTo(1_000_000);
    assertThat(bytes).isEqualTo(1_024L * 1_000_000);
    assertThat(proxy.isAlive()).isTrue();
    try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 'after'")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("after");
    }
  }
}
