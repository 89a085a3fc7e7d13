package io.tandem.proxy.route;

/** Sends everything to the writer of the moment: no read splitting. */
public final class MasterOnlyRouter implements SessionRouter {

  private final WriterRole writer;
  /** The writer role's state the last route was made for, and that route (the same until the role changes). */
  private WriterRole.State routedFor;
  private Route toWriter;

  public MasterOnlyRouter(WriterRole writer) {
    this.writer = writer;
  }

  private Route toWriter() {
    WriterRole.State state = writer.state();
    if (state != routedFor) {
      toWriter = Route.toWriter(state, false);
      routedFor = state;
    }
    return toWriter;
  }

  /** The factory for a proxy: every session writes and reads on the writer of the moment. */
  public static RouterFactory factory(WriterRole writer) {
    return user -> new MasterOnlyRouter(writer);
  }

  @Override
  public Route routeQuery(String sql) {
    return toWriter();
  }

  @Override
  public Route routeCommand(int commandCode) {
    return toWriter();
  }

  @Override
  public void completed(Route route, int serverStatus, boolean failed) {}

  @Override
  public boolean inspectsStatements() {
    return false;
  }
}
