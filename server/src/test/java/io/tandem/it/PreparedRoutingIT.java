package io.tandem.it;

import static io.tandem.it.support.Sql.exec;
import static io.tandem.it.support.Sql.one;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.it.support.ProxyTopology;
import io.tandem.proxy.route.BackendAvailability;
import io.tandem.router.split.RoutingCounters;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Binary-protocol prepared statements under read/write splitting: a read-only prepared SELECT
 * executes on a replica (prepared there on first use, with the client's statement id mapped),
 * a prepared write on the master, as {@code @@server_id} and the proxy's counters show.
 */
class PreparedRoutingIT {

  private static final Set<String> REPLICAS = Set.of("3", "4");
  private static ProxyTopology topology;

  @BeforeAll
  static void start() throws Exception {
    topology = ProxyTopology.startSplit(Map.of());
    try (Connection c = topology.connect("")) {
      exec(c, "CREATE TABLE ps (id INT PRIMARY KEY, name VARCHAR(20), doc BLOB)",
          "INSERT INTO ps (id, name) VALUES (1, 'one'), (2, 'two'), (3, 'three')");
    }
    topology.awaitReplicated();
  }

  @AfterAll
  static void stop() {
    topology.close();
  }

  @Test
  void preparedSelectsRunOnReplicasAndWritesOnTheMaster() throws Exception {
    RoutingCounters counters = topology.routers().counters();
    try (Connection c = topology.connect("useServerPrepStmts=true&cachePrepStmts=true");
        PreparedStatement read = c.prepareStatement("SELECT name, @@server_id FROM ps WHERE id = ?");
        PreparedStatement write = c.prepareStatement("INSERT INTO ps (id, name) VALUES (?, CONCAT(?, @@server_id))")) {
      long replicasBefore = counters.commands("r1") + counters.commands("r2");
      Set<String> first = new HashSet<>();
      Set<String> then = new HashSet<>();
      BackendAvailability availability = topology.stack().availability();
      String left = null;
      try {
        for (int i = 0; i < 30; i++) {
          if (i == 15) {
            // the session keeps to its replica (affinity): taking that one offline moves its reads
            // to the other, whose connection gets the statement (and its types) on first use
            left = first.contains("3") ? "r1" : "r2";
            availability.set(left, BackendAvailability.Mode.OFFLINE_SOFT);
          }
          // the driver binds types on the first execution only: later ones leave them out
          read.setInt(1, 1 + i % 3);
          try (ResultSet rs = read.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo(new String[] {"one", "two", "three"}[i % 3]);
            (i < 15 ? first : then).add(rs.getString(2));
          }
        }
      } finally {
        if (left != null) {
          availability.set(left, BackendAvailability.Mode.ONLINE);
        }
      }
      assertThat(first).as("one replica ran the first 15 (a lone session stays on its replica)").hasSize(1)
          .isSubsetOf(REPLICAS);
      assertThat(then).as("the other replica ran the rest").hasSize(1).isSubsetOf(REPLICAS).doesNotContainAnyElementsOf(first);
      assertThat(counters.commands("r1") + counters.commands("r2") - replicasBefore).isGreaterThanOrEqualTo(29);

      write.setInt(1, 100);
      write.setString(2, "from ");
      assertThat(write.executeUpdate()).isEqualTo(1);
      try (Connection m1 = topology.root("m1")) {
        assertThat(one(m1, "SELECT name FROM app.ps WHERE id = 100")).isEqualTo("from 1");
      }
    }
  }

  @Test
  void manyStatementsAndTypeChangesKeepTheirMeaningOnEveryBackend() throws Exception {
    try (Connection c = topology.connect("useServerPrepStmts=true")) {
      for (int round = 0; round < 10; round++) {
        try (PreparedStatement ps = c.prepareStatement("SELECT CONCAT(?, '/', ?), @@server_id")) {
          ps.setInt(1, round);
          ps.setString(2, "s" + round);
          try (ResultSet rs = ps.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo(round + "/s" + round);
            assertThat(rs.getString(2)).isIn(REPLICAS);
          }
          ps.setString(1, "x");
          ps.setLong(2, 7L);
          try (ResultSet rs = ps.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("x/7");
          }
        }
      }
    }
  }

  @Test
  void longDataAndCursorsStayOnTheConnectionThatPrepared() throws Exception {
    try (Connection c = topology.connect("useServerPrepStmts=true&useCursorFetch=true&defaultFetchSize=1");
        PreparedStatement withBlob = c.prepareStatement("SELECT LENGTH(?), @@server_id")) {
      byte[] blob = "long data sent in pieces".getBytes(StandardCharsets.UTF_8);
      withBlob.setBinaryStream(1, new ByteArrayInputStream(blob), blob.length);
      try (ResultSet rs = withBlob.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(blob.length);
        assertThat(rs.getString(2)).as("COM_STMT_SEND_LONG_DATA went to the master").isEqualTo("1");
      }
      try (PreparedStatement cursor = c.prepareStatement("SELECT id, @@server_id FROM ps WHERE id <= ? ORDER BY id")) {
        cursor.setFetchSize(1);
        cursor.setInt(1, 3);
        try (ResultSet rs = cursor.executeQuery()) {
          int rows = 0;
          while (rs.next()) {
            rows++;
            assertThat(rs.getString(2)).as("a cursor is fetched where it was opened").isEqualTo("1");
          }
          assertThat(rows).isEqualTo(3);
        }
      }
    }
  }

  @Test
  void preparedStatementsInTransactionsRunOnTheMaster() throws Exception {
    try (Connection c = topology.connect("useServerPrepStmts=true");
        PreparedStatement ps = c.prepareStatement("SELECT @@server_id FROM ps WHERE id = ?")) {
      c.setAutoCommit(false);
      ps.setInt(1, 1);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("1");
      }
      c.commit();
      c.setAutoCommit(true);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isIn(REPLICAS);
      }
    }
  }

  @Test
  void mariadbConnectorPreparedStatements() throws Exception {
    try (Connection c = DriverManager.getConnection(topology.mariadbUrl("useServerPrepStmts=true"));
        PreparedStatement ps = c.prepareStatement("SELECT name, @@server_id FROM ps WHERE id = ?")) {
      Set<String> servers = new HashSet<>();
      for (int i = 0; i < 20; i++) {
        ps.setInt(1, 2);
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString(1)).isEqualTo("two");
          servers.add(rs.getString(2));
        }
      }
      assertThat(servers).isSubsetOf(REPLICAS).isNotEmpty();
      try (Statement s = c.createStatement()) {
        assertThat(s.executeUpdate("UPDATE ps SET name = 'two' WHERE id = 2")).isEqualTo(1);
      }
    }
  }

  @Test
  void closedStatementsAreClosedOnTheReplicasToo() throws Exception {
    try (Connection c = topology.connect("useServerPrepStmts=true")) {
      for (int i = 0; i < 50; i++) {
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM ps WHERE id = ? + " + i)) {
          ps.setInt(1, 1);
          ps.executeQuery().close();
        }
      }
      try (Connection r1 = topology.root("r1"); Connection r2 = topology.root("r2")) {
        String count = "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
            + " WHERE VARIABLE_NAME = 'PREPARED_STMT_COUNT'";
        long open = Long.parseLong(one(r1, count)) + Long.parseLong(one(r2, count));
        assertThat(open).as("statements left prepared on the replicas").isLessThan(5);
      }
    }
  }

  /**
   * Types bound on a replica, then an execution that must run on the preparing connection (a
   * cursor) without them: the proxy adds the types there. (Relayed as it was, the packet crashed
   * MariaDB 11.4's insert_params on the master.)
   */
  @org.junit.jupiter.api.Test
  void typesBoundOnAReplicaReachThePreparingConnectionToo() throws Exception {
    long m1 = topology.sandbox().server("m1").pid();
    try (io.tandem.it.support.RawClient c = new io.tandem.it.support.RawClient(topology.port())) {
      assertThat(c.login("app", "app", "app").isOk()).isTrue();
      c.command(0x16, "select length(?)".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      io.tandem.it.support.RawClient.Packet ok = c.readPacket();
      assertThat(ok.isOk()).isTrue();
      int id = java.nio.ByteBuffer.wrap(ok.payload()).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(1);
      for (int i = 0; i < 1 + 1 + 1 + 1; i++) {
        c.readPacket(); // the parameter, EOF, the column, EOF
      }
      java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(id);
      byte[] withTypes = {head.get(0), head.get(1), head.get(2), head.get(3), 0, 1, 0, 0, 0, 0, 1, (byte) 0xFD, 0, 3,
          'a', 'b', 'c'};
      for (int i = 0; i < 3; i++) { // reads: at least one lands on a replica and binds the types there
        c.command(0x17, withTypes);
        drainResult(c);
      }
      byte[] cursorNoTypes = {head.get(0), head.get(1), head.get(2), head.get(3), 1, 1, 0, 0, 0, 0, 0, 3, 'a', 'b',
          'c'};
      c.command(0x17, cursorNoTypes);
      io.tandem.it.support.RawClient.Packet answer = c.readPacket();
      assertThat(answer.isError()).as("the cursor execution: %s", answer.text()).isFalse();
    }
    assertThat(topology.sandbox().server("m1").pid()).as("m1 still the same process").isEqualTo(m1);
    try (var root = topology.root("m1")) {
      assertThat(one(root, "SELECT 1")).isEqualTo("1");
    }
  }

  private static void drainResult(io.tandem.it.support.RawClient c) throws Exception {
    io.tandem.it.support.RawClient.Packet first = c.readPacket();
    assertThat(first.isError()).as(first.text()).isFalse();
    int eofs = 0;
    while (eofs < 2) {
      if (c.readPacket().isEof()) {
        eofs++;
      }
    }
  }
}
