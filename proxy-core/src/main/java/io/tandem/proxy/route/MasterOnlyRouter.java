package io.tandem.proxy.route;

import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.config.ProxySettings;
import java.util.Comparator;

/** Sends everything to the configured master with the highest priority: no read splitting. */
public final class MasterOnlyRouter implements SessionRouter {

  private final Route route;

  public MasterOnlyRouter(BackendDefinition master) {
    this.route = Route.to(master);
  }

  /** The factory for a configuration: every session writes and reads on its active master. */
  public static RouterFactory factory(ProxySettings settings) {
    BackendDefinition master = activeMaster(settings);
    return user -> new MasterOnlyRouter(master);
  }

  /** The master with the highest priority. */
  public static BackendDefinition activeMaster(ProxySettings settings) {
    return settings.backends().stream()
        .filter(b -> b.role() == BackendDefinition.Role.MASTER)
        .max(Comparator.comparingInt(BackendDefinition::priority))
        .orElseThrow(() -> new IllegalArgumentException("no backend with role master"));
  }

  @Override
  public Route routeQuery(String sql) {
    return route;
  }

  @Override
  public Route routeCommand(int commandCode) {
    return route;
  }

  @Override
  public void completed(Route route, int serverStatus, boolean failed) {}

  @Override
  public boolean inspectsStatements() {
    return false;
  }
}
