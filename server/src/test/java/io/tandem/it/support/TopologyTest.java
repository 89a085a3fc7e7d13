package io.tandem.it.support;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Base of integration test classes that share one {@link ProxyTopology} for all their tests. */
public abstract class TopologyTest {

  protected static ProxyTopology topology;

  @BeforeAll
  static void startTopology() throws Exception {
    topology = ProxyTopology.start();
  }

  @AfterAll
  static void stopTopology() {
    if (topology != null) {
      ProxyTopology t = topology;
      topology = null;
      t.close();
    }
  }
}
