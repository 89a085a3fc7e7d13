package io.tandem.router.split;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.protocol.CommandCode;
import io.tandem.proxy.protocol.ServerStatus;
import io.tandem.proxy.route.ReadYourWrites;
import io.tandem.proxy.route.Route;
import io.tandem.proxy.session.GtidPosition;
import io.tandem.router.classify.StatementClassifier;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The routing rules as a state machine, with a replica always available unless said otherwise. */
class ReadWriteSplitRouterTest {

  private static final BackendDefinition M1 = new BackendDefinition("m1", "127.0.0.1", 1, BackendDefinition.Role.MASTER, 100);
  private static final BackendDefinition M2 = new BackendDefinition("m2", "127.0.0.1", 2, BackendDefinition.Role.STANDBY, 90);
  private final io.tandem.proxy.route.WriterRole WRITER = new io.tandem.proxy.route.WriterRole(M1,
      java.time.Duration.ofSeconds(5));
  private static final BackendDefinition R1 = new BackendDefinition("r1", "127.0.0.1", 3, BackendDefinition.Role.REPLICA, 0);
  private static final BackendDefinition R2 = new BackendDefinition("r2", "127.0.0.1", 4, BackendDefinition.Role.REPLICA, 0);
  private static final StatementClassifier CLASSIFIER = new StatementClassifier(1000);

  /** Always offers {@code next} (r1 unless a test changes it; none when {@code available} is false), counts outstanding requests. */
  private static final class FakeReplicas implements ReplicaChooser {
    boolean available = true;
    BackendDefinition next = R1;
    Duration lastMaxLag;
    /** The session's last replica the router passed with its last choice. */
    BackendDefinition lastReplica;
    GtidPosition seen;
    final Map<String, Integer> outstanding = new HashMap<>();

    @Override
    public BackendDefinition choose(Duration maxLag, BackendDefinition last) {
      lastMaxLag = maxLag;
      lastReplica = last;
      return available ? next : null;
    }

    @Override
    public void started(BackendDefinition backend) {
      outstanding.merge(backend.name(), 1, Integer::sum);
    }

    @Override
    public void finished(BackendDefinition backend) {
      outstanding.merge(backend.name(), -1, Integer::sum);
    }

    @Override
    public GtidPosition position(BackendDefinition replica) {
      return seen;
    }
  }

  private final FakeReplicas replicas = new FakeReplicas();
  private final ReadWriteSplitRouter router = new ReadWriteSplitRouter(CLASSIFIER, replicas, WRITER, UserRoutePolicy.AUTO);

  /** Routes a statement and completes it with the given status; returns where it went. */
  private String run(String sql, int status) {
    Route route = router.routeQuery(sql);
    router.completed(route, status, false);
    return route.backend().name();
  }

  private String run(String sql) {
    return run(sql, ServerStatus.AUTOCOMMIT);
  }

  @Test
  void readsToReplicaWritesToMaster() {
    assertThat(run("SELECT * FROM t WHERE id = 1")).isEqualTo("r1");
    assertThat(run("INSERT INTO t VALUES (1)")).isEqualTo("m1");
    assertThat(run("UPDATE t SET a = 1")).isEqualTo("m1");
    assertThat(run("SELECT * FROM t FOR UPDATE")).isEqualTo("m1");
    assertThat(run("SELECT LAST_INSERT_ID()")).isEqualTo("m1");
    assertThat(replicas.outstanding).containsEntry("r1", 0).containsEntry("m1", 0);
  }

  @Test
  void aReadNamesTheReplicaTheSessionLastRanOnForAffinity() {
    assertThat(run("SELECT 1 FROM t")).isEqualTo("r1");
    assertThat(replicas.lastReplica).as("the first read: no last replica").isNull();
    replicas.next = R2;
    assertThat(run("SELECT 2 FROM t")).isEqualTo("r2");
    assertThat(replicas.lastReplica).isSameAs(R1);
    assertThat(run("INSERT INTO t VALUES (1)")).isEqualTo("m1");
    assertThat(run("SELECT 3 FROM t")).isEqualTo("r2");
    assertThat(replicas.lastReplica).as("a write in between does not count").isSameAs(R2);
  }

  @Test
  void noEligibleReplicaFallsBackToTheMaster() {
    replicas.available = false;
    assertThat(run("SELECT 1")).isEqualTo("m1");
  }

  @Test
  void transactionsStayOnTheMasterUntilTheyEnd() {
    assertThat(run("BEGIN", ServerStatus.AUTOCOMMIT | ServerStatus.IN_TRANS)).isEqualTo("m1");
    assertThat(run("SELECT 1", ServerStatus.AUTOCOMMIT | ServerStatus.IN_TRANS)).isEqualTo("m1");
    assertThat(run("COMMIT", ServerStatus.AUTOCOMMIT)).isEqualTo("m1");
    assertThat(run("SELECT 1")).isEqualTo("r1");
  }

  @Test
  void autocommitOffKeepsEverythingOnTheMaster() {
    Route set = router.routeQuery("SET autocommit = 0");
    assertThat(set.sessionCommand()).isTrue();
    router.completed(set, 0, false);
    assertThat(run("SELECT 1", 0)).isEqualTo("m1");
    assertThat(run("SET autocommit = 1", ServerStatus.AUTOCOMMIT)).isEqualTo("m1");
    assertThat(run("SELECT 1")).isEqualTo("r1");
  }

  @Test
  void readOnlyTransactionIsPinnedToItsReplica() {
    int inTrx = ServerStatus.AUTOCOMMIT | ServerStatus.IN_TRANS;
    assertThat(run("START TRANSACTION READ ONLY", inTrx)).isEqualTo("r1");
    assertThat(run("SELECT 1", inTrx)).isEqualTo("r1");
    assertThat(run("COMMIT")).isEqualTo("r1");
    assertThat(run("INSERT INTO t VALUES (1)")).isEqualTo("m1");
  }

  @Test
  void temporaryTablesLocksAndSerializableStayOnTheMaster() {
    assertThat(run("CREATE TEMPORARY TABLE tmp1 (a INT)")).isEqualTo("m1");
    assertThat(run("SELECT * FROM tmp1")).isEqualTo("m1");
    assertThat(run("SELECT * FROM other")).isEqualTo("r1");
    assertThat(run("SELECT GET_LOCK('x', 1)")).isEqualTo("m1");
    assertThat(run("SELECT * FROM other")).isEqualTo("m1");
  }

  @Test
  void lockTablesPinsUntilUnlock() {
    assertThat(run("LOCK TABLES t READ")).isEqualTo("m1");
    assertThat(run("SELECT * FROM t")).isEqualTo("m1");
    assertThat(run("UNLOCK TABLES")).isEqualTo("m1");
    assertThat(run("SELECT * FROM t")).isEqualTo("r1");
  }

  @Test
  void sessionCommandsGoToTheMasterAndFanOut() {
    Route r = router.routeQuery("SET NAMES utf8mb4");
    assertThat(r.backend()).isEqualTo(M1);
    assertThat(r.sessionCommand()).isTrue();
    router.completed(r, ServerStatus.AUTOCOMMIT, false);
    assertThat(router.routeQuery("USE app").sessionCommand()).isTrue();
  }

  @Test
  void hintsAndUserPolicy() {
    assertThat(run("/* tandem:master */ SELECT 1")).isEqualTo("m1");
    assertThat(run("/* tandem:max_lag=500ms */ SELECT 1")).isEqualTo("r1");
    assertThat(replicas.lastMaxLag).isEqualTo(Duration.ofMillis(500));
    ReadWriteSplitRouter masterUser = new ReadWriteSplitRouter(CLASSIFIER, replicas, WRITER,
        new UserRoutePolicy(UserRoutePolicy.DefaultRoute.MASTER, null));
    Route r = masterUser.routeQuery("SELECT 1");
    assertThat(r.backend()).isEqualTo(M1);
  }

  @Test
  void foundRowsFollowsThePreviousStatement() {
    assertThat(run("SELECT SQL_CALC_FOUND_ROWS * FROM t LIMIT 1")).isEqualTo("r1");
    assertThat(run("SELECT FOUND_ROWS()")).isEqualTo("r1");
  }

  @Test
  void whatAnswersAboutThePreviousStatementGoesWhereItWent() {
    for (String about : new String[] {"SHOW WARNINGS", "SHOW COUNT(*) WARNINGS", "SHOW ERRORS LIMIT 1",
        "SELECT @@warning_count", "GET DIAGNOSTICS @n = NUMBER", "SELECT * FROM information_schema.OPTIMIZER_TRACE"}) {
      assertThat(run("SELECT a FROM t")).isEqualTo("r1");
      assertThat(run(about)).as("%s after a replica read", about).isEqualTo("r1");
      assertThat(run("INSERT INTO t VALUES (1)")).isEqualTo("m1");
      assertThat(run(about)).as("%s after a write", about).isEqualTo("m1");
    }
    assertThat(run("SELECT a FROM t")).isEqualTo("r1");
    assertThat(run("CREATE TABLE t2 AS SELECT ROW_COUNT() AS c")).as("a write, whatever it asks").isEqualTo("m1");
    assertThat(run("SELECT a FROM t")).isEqualTo("r1");
    assertThat(run("INSERT INTO t SELECT FOUND_ROWS()")).isEqualTo("m1");
  }

  @Test
  void otherCommandsGoToTheMaster() {
    Route r = router.routeCommand(CommandCode.STMT_PREPARE);
    assertThat(r.backend()).isEqualTo(M1);
  }

  @Test
  void noReplicaErrorRefusesReadsButNotWrites() {
    RoutingCounters counters = new RoutingCounters();
    ReadWriteSplitRouter strict = new ReadWriteSplitRouter(CLASSIFIER, replicas, WRITER,
        new UserRoutePolicy(UserRoutePolicy.DefaultRoute.AUTO, null, UserRoutePolicy.Consistency.EVENTUAL,
            Duration.ofMillis(100), UserRoutePolicy.NoReplica.ERROR), counters);
    replicas.available = false;
    Route read = strict.routeQuery("SELECT 1");
    assertThat(read.backend()).isNull();
    assertThat(read.refusal()).contains("no_replica=error");
    strict.completed(read, ServerStatus.AUTOCOMMIT, true);
    assertThat(strict.routeQuery("INSERT INTO t VALUES (1)").backend()).isEqualTo(M1);
    assertThat(counters.noReplicaRefused()).isEqualTo(1);
    assertThat(replicas.outstanding).containsEntry("m1", 1).doesNotContainKey("r1");
  }

  @Test
  void noReplicaMasterIsCounted() {
    RoutingCounters counters = new RoutingCounters();
    ReadWriteSplitRouter r = new ReadWriteSplitRouter(CLASSIFIER, replicas, WRITER, UserRoutePolicy.AUTO, counters);
    replicas.available = false;
    Route read = r.routeQuery("SELECT 1");
    r.completed(read, ServerStatus.AUTOCOMMIT, false);
    assertThat(read.backend()).isEqualTo(M1);
    assertThat(counters.noReplicaToMaster()).isEqualTo(1);
    assertThat(counters.commands("m1")).isEqualTo(1);
  }

  private ReadWriteSplitRouter sessionRouter(RoutingCounters counters) {
    return new ReadWriteSplitRouter(CLASSIFIER, replicas, WRITER,
        new UserRoutePolicy(UserRoutePolicy.DefaultRoute.AUTO, null, UserRoutePolicy.Consistency.SESSION,
            Duration.ofMillis(100), UserRoutePolicy.NoReplica.MASTER), counters);
  }

  private static Route complete(ReadWriteSplitRouter r, String sql, int status) {
    Route route = r.routeQuery(sql);
    r.completed(route, status, false);
    return route;
  }

  @Test
  void sessionConsistencyAwaitsWritesOnReplicasUntilShownApplied() {
    ReadWriteSplitRouter r = sessionRouter(new RoutingCounters());
    ReadYourWrites ryw = r.readYourWrites();
    assertThat(r.routeQuery("SELECT 1").awaitWrites()).as("nothing written yet").isFalse();
    r.completed(new Route(R1, false), ServerStatus.AUTOCOMMIT, false);
    complete(r, "INSERT INTO t VALUES (1)", ServerStatus.AUTOCOMMIT);
    assertThat(ryw.positionPending()).isTrue();
    ryw.positionRead(GtidPosition.parse("1-1-10"));
    Route read = r.routeQuery("SELECT * FROM t");
    assertThat(read.backend()).isEqualTo(R1);
    assertThat(read.awaitWrites()).isTrue();
    ryw.appliedOn(R1);
    r.completed(read, ServerStatus.AUTOCOMMIT, false);
    assertThat(r.routeQuery("SELECT * FROM t").awaitWrites()).as("r1 showed it has the write").isFalse();
  }

  @Test
  void theMonitorsViewOfAReplicaSavesTheWait() {
    RoutingCounters counters = new RoutingCounters();
    ReadWriteSplitRouter r = sessionRouter(counters);
    complete(r, "UPDATE t SET a = 1", ServerStatus.AUTOCOMMIT);
    r.readYourWrites().positionRead(GtidPosition.parse("1-1-10"));
    replicas.seen = GtidPosition.parse("0-1-3,1-1-9");
    assertThat(r.routeQuery("SELECT 1").awaitWrites()).isTrue();
    r.completed(new Route(R1, false, true), ServerStatus.AUTOCOMMIT, false);
    replicas.seen = GtidPosition.parse("0-1-3,1-1-11");
    assertThat(r.routeQuery("SELECT 1").awaitWrites()).isFalse();
    assertThat(counters.consistencyKnownApplied()).isEqualTo(1);
  }

  @Test
  void writesInATransactionCountOnceItCommits() {
    ReadWriteSplitRouter r = sessionRouter(new RoutingCounters());
    int inTrx = ServerStatus.AUTOCOMMIT | ServerStatus.IN_TRANS;
    complete(r, "BEGIN", inTrx);
    complete(r, "INSERT INTO t VALUES (1)", inTrx);
    assertThat(r.readYourWrites().positionPending()).as("not committed yet").isFalse();
    complete(r, "COMMIT", ServerStatus.AUTOCOMMIT);
    assertThat(r.readYourWrites().positionPending()).isTrue();
  }

  @Test
  void readsAndSessionCommandsAreNotWrites() {
    ReadWriteSplitRouter r = sessionRouter(new RoutingCounters());
    replicas.available = false;
    complete(r, "SELECT * FROM t", ServerStatus.AUTOCOMMIT);
    complete(r, "SET NAMES utf8mb4", ServerStatus.AUTOCOMMIT);
    complete(r, "USE app", ServerStatus.AUTOCOMMIT);
    assertThat(r.readYourWrites().positionPending()).isFalse();
    Route failed = r.routeQuery("INSERT INTO t VALUES (1)");
    r.completed(failed, ServerStatus.AUTOCOMMIT, true);
    assertThat(r.readYourWrites().positionPending()).as("a failed write wrote nothing").isFalse();
  }

  @Test
  void anUnknownWritePositionKeepsReadsOnTheMaster() {
    ReadWriteSplitRouter r = sessionRouter(new RoutingCounters());
    complete(r, "INSERT INTO t VALUES (1)", ServerStatus.AUTOCOMMIT);
    r.readYourWrites().positionRead(null);
    assertThat(complete(r, "SELECT 1", ServerStatus.AUTOCOMMIT).backend()).isEqualTo(M1);
    complete(r, "INSERT INTO t VALUES (2)", ServerStatus.AUTOCOMMIT);
    r.readYourWrites().positionRead(GtidPosition.parse("1-1-12"));
    assertThat(r.routeQuery("SELECT 1").backend()).isEqualTo(R1);
  }

  @Test
  void aFallbackMovesTheReadToTheMaster() {
    RoutingCounters counters = new RoutingCounters();
    ReadWriteSplitRouter r = sessionRouter(counters);
    complete(r, "INSERT INTO t VALUES (1)", ServerStatus.AUTOCOMMIT);
    r.readYourWrites().positionRead(GtidPosition.parse("1-1-12"));
    Route read = r.routeQuery("SELECT 1");
    r.readYourWrites().notApplied(read.backend());
    Route instead = r.toMaster(read);
    assertThat(instead.backend()).isEqualTo(M1);
    assertThat(instead.awaitWrites()).isFalse();
    r.completed(instead, ServerStatus.AUTOCOMMIT, false);
    assertThat(counters.consistencyWaitsTimedOut()).isEqualTo(1);
    assertThat(counters.commands("m1")).isEqualTo(2);
    assertThat(replicas.outstanding).containsEntry("r1", 0).containsEntry("m1", 0);
  }

  @Test
  void multiStatementPacketsThatChangeSessionStatePinTheSessionToTheMaster() {
    assertThat(run("SELECT 1; SELECT 2")).isEqualTo("r1");
    Route r = router.routeQuery("SELECT 1; SET sql_mode = 'ANSI'");
    assertThat(r.backend()).isEqualTo(M1);
    assertThat(r.sessionCommand()).as("never replayed: it may hold writes").isFalse();
    router.completed(r, ServerStatus.AUTOCOMMIT, false);
    assertThat(run("SELECT 1")).isEqualTo("m1");
  }

  @Test
  void lockTablesInsideAMultiStatementPacketIsSeen() {
    assertThat(run("SELECT 1; LOCK TABLES t READ")).isEqualTo("m1");
    assertThat(run("SELECT * FROM t")).isEqualTo("m1");
  }

  @Test
  void variablesSetBySelectIntoAreReadOnTheMaster() {
    Route into = router.routeQuery("SELECT a INTO @v FROM t LIMIT 1");
    assertThat(into.backend()).isEqualTo(M1);
    assertThat(into.sessionCommand()).as("replaying it on a replica would compute a replica's value").isFalse();
    router.completed(into, ServerStatus.AUTOCOMMIT, false);
    assertThat(run("SELECT @v")).isEqualTo("m1");
    assertThat(run("EXPLAIN SELECT * FROM t WHERE a = @v")).as("its plan depends on @v").isEqualTo("m1");
    assertThat(run("SELECT * FROM t")).isEqualTo("r1");
    Route set = router.routeQuery("SET @w = 5");
    assertThat(set.sessionCommand()).isTrue();
  }

  @Test
  void textPreparedStatementsAreRoutedByWhatTheyRun() {
    assertThat(run("PREPARE found FROM 'SELECT FOUND_ROWS()'")).isEqualTo("m1");
    assertThat(run("SELECT SQL_CALC_FOUND_ROWS * FROM t LIMIT 1")).isEqualTo("r1");
    assertThat(run("EXECUTE found")).as("where the counting SELECT ran").isEqualTo("r1");
    assertThat(run("EXECUTE IMMEDIATE 'SHOW WARNINGS'")).isEqualTo("r1");
    assertThat(run("PREPARE assign FROM 'DO @v := (SELECT COUNT(*) FROM t)'")).isEqualTo("m1");
    assertThat(run("SELECT @v")).isEqualTo("r1");
    assertThat(run("EXECUTE assign")).isEqualTo("m1");
    assertThat(run("SELECT @v")).as("assigned on the master only").isEqualTo("m1");
  }

  @Test
  void variablesGetDiagnosticsAssignsAreReadWhereItRan() {
    assertThat(run("SELECT CAST('x' AS SIGNED)")).isEqualTo("r1");
    replicas.next = R2;
    assertThat(run("GET DIAGNOSTICS @n = NUMBER")).as("where the warnings are").isEqualTo("r1");
    assertThat(run("SELECT @n")).isEqualTo("r1");
    assertThat(run("SELECT a FROM t")).isEqualTo("r2");
  }

  @Test
  void aSessionWritingOutsideTheBinaryLogReadsOnTheMaster() {
    assertThat(run("SET sql_log_bin = 0")).isEqualTo("m1");
    assertThat(run("SELECT a FROM t")).as("its writes are on the master only").isEqualTo("m1");
    assertThat(run("SET SESSION sql_log_bin = ON")).isEqualTo("m1");
    assertThat(run("SELECT a FROM t")).isEqualTo("r1");
  }

  @Test
  void readsOfAServersSessionsAndCountersGoToTheMaster() {
    assertThat(run("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE state = 'x'")).isEqualTo("m1");
    assertThat(run("SELECT * FROM `information_schema`.`innodb_trx`")).isEqualTo("m1");
    assertThat(run("SELECT variable_value FROM information_schema.global_status")).isEqualTo("m1");
    assertThat(run("SELECT * FROM performance_schema.threads")).isEqualTo("m1");
    assertThat(run("SELECT * FROM information_schema.TABLES WHERE table_schema = 'app'")).isEqualTo("r1");
  }

  @Test
  void aTextPreparedSetKeepsTheSessionOnTheMaster() {
    assertThat(run("PREPARE s FROM 'SET sql_mode = ansi'")).isEqualTo("m1");
    assertThat(run("SELECT 'a' || 'b'")).isEqualTo("r1");
    assertThat(run("EXECUTE s")).isEqualTo("m1");
    assertThat(run("SELECT 'a' || 'b'")).as("the master connection has the mode").isEqualTo("m1");
  }

  @Test
  void variablesAProcedureMayHaveSetAreReadOnTheMaster() {
    assertThat(run("SELECT @ep")).isEqualTo("r1");
    assertThat(run("CALL p('A', @ep, @msg)")).isEqualTo("m1");
    assertThat(run("SELECT @ep, @msg")).isEqualTo("m1");
    assertThat(run("SELECT * FROM t")).isEqualTo("r1");
  }

  @org.junit.jupiter.api.Test
  void writesFollowTheWriterRoleLookedUpAtEachStatement() {
    assertThat(router.routeQuery("INSERT INTO t VALUES (1)").backend()).isEqualTo(M1);
    WRITER.publish(new io.tandem.proxy.route.WriterRole.State(M2, 1, null, false));
    Route write = router.routeQuery("INSERT INTO t VALUES (2)");
    assertThat(write.backend()).isEqualTo(M2);
    assertThat(write.toWriter()).isTrue();
  }

  @org.junit.jupiter.api.Test
  void withoutWriterWritesAreRefusedAndReadsAndSessionCommandsUseReplicas() {
    WRITER.publish(new io.tandem.proxy.route.WriterRole.State(null, 0, "both masters are down", false));
    Route write = router.routeQuery("INSERT INTO t VALUES (1)");
    assertThat(write.backend()).isNull();
    assertThat(write.toWriter()).isTrue();
    assertThat(router.routeQuery("SELECT * FROM t").backend().role()).isEqualTo(BackendDefinition.Role.REPLICA);
    Route set = router.routeQuery("SET NAMES utf8mb4");
    assertThat(set.backend().role()).isEqualTo(BackendDefinition.Role.REPLICA);
    assertThat(set.sessionCommand()).isTrue();
    assertThat(router.routeCommand(io.tandem.proxy.protocol.CommandCode.INIT_DB).backend().role())
        .isEqualTo(BackendDefinition.Role.REPLICA);
  }
}
