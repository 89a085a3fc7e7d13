package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.it.support.TopologyTest;
import io.tandem.proxy.config.BackendTls;
import io.tandem.proxy.config.ProxySettings;
import io.tandem.proxy.frontend.ProxyServer;
import io.tandem.server.sandbox.SandboxProxyConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** With {@code tls.backend.enabled}, the proxy's sessions on the backend are encrypted. */
class BackendTlsIT extends TopologyTest {

  private static String sslCipher(int port) throws Exception {
    String url = "jdbc:mysql://127.0.0.1:" + port + "/app?user=app&password=app&sslMode=DISABLED";
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SHOW SESSION STATUS LIKE 'Ssl_cipher'")) {
      assertThat(rs.next()).isTrue();
      return rs.getString(2);
    }
  }

  @Test
  void backendSessionsUseTlsOnlyWhenConfigured() throws Exception {
    assertThat(sslCipher(topology.port())).isEmpty();
    ProxySettings base = SandboxProxyConfig.settingsFor(topology.sandbox(), 0);
    ProxySettings tls = new ProxySettings(base.listenHost(), 0, base.maxConnections(), base.maxPacketSize(),
        base.users(), base.backends(), base.pool(), base.frontendTls(), new BackendTls(true, false), 1);
    try (ProxyServer proxy = new ProxyServer(tls)) {
      assertThat(sslCipher(proxy.start())).isNotEmpty();
    }
  }
}
