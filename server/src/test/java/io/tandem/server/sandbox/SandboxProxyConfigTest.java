package io.tandem.server.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.config.BackendDefinition.Role;
import io.tandem.proxy.config.ProxySettings;
import io.tandem.proxy.config.UserAccount;
import io.tandem.proxy.config.UserAccount.AuthPlugin;
import io.tandem.sandbox.SandboxCertificates;
import io.tandem.server.config.ConfigLoader;
import io.tandem.server.config.ConfigYaml;
import io.tandem.server.config.LoggingSettings;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sandbox's proxy settings, without starting servers (integration tests cover that). */
class SandboxProxyConfigTest {

  @TempDir
  Path dir;

  private List<BackendDefinition> backends() {
    return List.of(
        SandboxProxyConfig.backend("m1", "127.0.0.1", 23306, "master"),
        SandboxProxyConfig.backend("m2", "127.0.0.1", 23307, "standby"),
        SandboxProxyConfig.backend("r1", "127.0.0.1", 23308, "replica"),
        SandboxProxyConfig.backend("r2", "127.0.0.1", 23309, "replica"));
  }

  @Test
  void rolesAndPriorities() {
    assertThat(backends()).containsExactly(
        new BackendDefinition("m1", "127.0.0.1", 23306, Role.MASTER, 100),
        new BackendDefinition("m2", "127.0.0.1", 23307, Role.STANDBY, 90),
        new BackendDefinition("r1", "127.0.0.1", 23308, Role.REPLICA, 0),
        new BackendDefinition("r2", "127.0.0.1", 23309, Role.REPLICA, 0));
  }

  @Test
  void appUserOnLoopbackWithOptionalTls() {
    ProxySettings s = SandboxProxyConfig.settings(backends(), dir.resolve("cert.pem"), dir.resolve("key.pem"), 6033);
    assertThat(s.listenHost()).isEqualTo("127.0.0.1");
    assertThat(s.listenPort()).isEqualTo(6033);
    assertThat(s.users()).containsExactly(new UserAccount("app", "app", null, AuthPlugin.MYSQL_NATIVE_PASSWORD));
    assertThat(s.frontendTls().enabled()).isTrue();
    assertThat(s.frontendTls().required()).isFalse();
    assertThat(s.backendTls().enabled()).isFalse();
  }

  @Test
  void asYamlItLoadsBackToTheSameSettings() throws Exception {
    SandboxCertificates.generate(dir.resolve("tls"));
    ProxySettings s = SandboxProxyConfig.settings(backends(), dir.resolve("tls/cert.pem"),
        dir.resolve("tls/key.pem"), 6033);
    String yaml = ConfigYaml.render(s, LoggingSettings.unchanged(), "");
    assertThat(ConfigLoader.parse(yaml, dir).proxy()).isEqualTo(s);
  }
}
