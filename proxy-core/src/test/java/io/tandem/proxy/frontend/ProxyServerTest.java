package io.tandem.proxy.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.config.BackendTls;
import io.tandem.proxy.config.FrontendTls;
import io.tandem.proxy.config.ProxySettings;
import io.tandem.proxy.config.UserAccount;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProxyServerTest {

  private static ProxySettings withWorkerThreads(int threads) {
    return new ProxySettings("127.0.0.1", 0, 10, 1024,
        List.of(new UserAccount("app", "app", null, UserAccount.AuthPlugin.MYSQL_NATIVE_PASSWORD)),
        List.of(new BackendDefinition("m1", "127.0.0.1", 1, BackendDefinition.Role.MASTER, 1)),
        ProxySettings.defaultPool(), FrontendTls.disabled(), BackendTls.disabled(), threads);
  }

  @Test
  void workerThreadsZeroMeansOnePerCoreNotNettysTwoPerCore() {
    assertThat(ProxyServer.workerThreads(withWorkerThreads(0))).isEqualTo(Runtime.getRuntime().availableProcessors());
  }

  @Test
  void workerThreadsSetAreTakenAsSet() {
    assertThat(ProxyServer.workerThreads(withWorkerThreads(3))).isEqualTo(3);
  }
}
