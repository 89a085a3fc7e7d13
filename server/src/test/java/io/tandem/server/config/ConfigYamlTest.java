package io.tandem.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.config.BackendDefinition.Role;
import io.tandem.proxy.config.BackendTls;
import io.tandem.proxy.config.FrontendTls;
import io.tandem.proxy.config.PoolSettings;
import io.tandem.proxy.config.ProxySettings;
import io.tandem.proxy.config.UserAccount;
import io.tandem.proxy.config.UserAccount.AuthPlugin;
import io.tandem.sandbox.SandboxCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigYamlTest {

  @TempDir
  Path dir;

  @Test
  void renderedSettingsLoadBackUnchanged() throws Exception {
    SandboxCertificates.generate(dir.resolve("tls"));
    Path logback = Files.writeString(dir.resolve("logback.xml"), "<configuration/>");
    ProxySettings settings = new ProxySettings("127.0.0.1", 6034, 77, 16 * 1024 * 1024,
        List.of(new UserAccount("app", "p\"a\\ss: #1", null, AuthPlugin.CACHING_SHA2_PASSWORD),
            new UserAccount("hashed", null, "*6BB4837EB74329105EE4568DDA7DC67ED2CA2AD9", AuthPlugin.MYSQL_NATIVE_PASSWORD),
            new UserAccount("0123", "true", null, AuthPlugin.MYSQL_NATIVE_PASSWORD)),
        List.of(new BackendDefinition("m1", "db1.example", 3306, Role.MASTER, 100),
            new BackendDefinition("r1", "db2.example", 3307, Role.REPLICA, -5)),
        new PoolSettings(Duration.ofMillis(1500), Duration.ofMinutes(30), 12),
        new FrontendTls(dir.resolve("tls/cert.pem"), dir.resolve("tls/key.pem"), true),
        new BackendTls(true, false), 4);
    LoggingSettings logging = new LoggingSettings(logback, "warn");

    String yaml = ConfigYaml.render(settings, logging, "first line\n\nthird line");
    TandemConfig loaded = ConfigLoader.parse(yaml, dir);

    assertThat(yaml).startsWith("# first line\n#\n# third line\nlisten:\n");
    assertThat(loaded.proxy()).isEqualTo(settings);
    assertThat(loaded.logging()).isEqualTo(logging);
  }

  @Test
  void quotesEscapeWhatYamlWouldInterpret() {
    assertThat(ConfigYaml.quote("plain")).isEqualTo("\"plain\"");
    assertThat(ConfigYaml.quote("a\"b\\c")).isEqualTo("\"a\\\"b\\\\c\"");
    assertThat(ConfigYaml.quote("tab\there\nnew")).isEqualTo("\"tab\\there\\nnew\"");
    assertThat(ConfigYaml.quote("\u0001")).isEqualTo("\"\\x01\"");
  }
}
