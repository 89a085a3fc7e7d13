package io.tandem.proxy.route;

/** Sends everything to the writer of the moment: no read splitting. */
public final class MasterOnlyRouter implements SessionRouter {

  private final WriterRole writer;

  public MasterOnlyRouter(WriterRole writer) {
    this.writer = writer;
  }

  /** The factory for a proxy: every session writes and reads on the writer of the moment. */
  public static RouterFactory factory(WriterRole writer) {
    return user -> new MasterOnlyRouter(writer);
  }

  @Override
  public Route routeQuery(String sql) {
    return Route.toWriter(writer.state(), false);
  }

  @Override
  public Route routeCommand(int commandCode) {
    return Route.toWriter(writer.state(), false);
  }

  @Override
  public void completed(Route route, int serverStatus, boolean failed) {}

  @Override
  public boolean inspectsStatements() {
    return false;
  }
}
