package io.tandem.router.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.proxy.config.BackendDefinition;
import io.tandem.proxy.config.BackendDefinition.Role;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Eligibility, hysteresis and least-outstanding choice, on hand-made snapshots. */
class ReplicaSelectorTest {

  private static final Duration LIMIT = Duration.ofSeconds(1);
  private static final double MARGIN = 0.8;

  private static Duration ms(long ms) {
    return Duration.ofMillis(ms);
  }

  private static BackendDefinition def(String name, Role role) {
    return new BackendDefinition(name, "127.0.0.1", 3306, role, 0);
  }

  /** A healthy replica with the given lag and latch, eligible at LIMIT as the monitor would say. */
  private static BackendStatus replica(String name, long lagMs, boolean lagging) {
    Duration lag = ms(lagMs);
    boolean latch = ReplicaSelector.lagging(lagging, lag, LIMIT, MARGIN);
    return new BackendStatus(def(name, Role.REPLICA), Role.REPLICA, true, true, true, true, Duration.ZERO, lag, true,
        latch, !latch, null, Instant.now());
  }

  private static TopologySnapshot snapshot(BackendStatus... statuses) {
    List<BackendStatus> all = new ArrayList<>();
    all.add(new BackendStatus(def("m1", Role.MASTER), Role.MASTER, true, true, false, false, null, null, true, false,
        false, null, Instant.now()));
    all.addAll(List.of(statuses));
    return new TopologySnapshot(1, Instant.now(), "m1", LIMIT, MARGIN, all);
  }

  private static BackendStatus select(TopologySnapshot s, Map<String, Integer> outstanding, Map<String, Integer> weights,
      int tieBreak) {
    ReplicaSelector selector = new ReplicaSelector(weights);
    outstanding.forEach((name, n) -> selector.outstanding(name).set(n));
    return selector.select(s, LIMIT, Map.of(), tieBreak);
  }

  @Test
  void hysteresisLatch() {
    assertThat(ReplicaSelector.lagging(false, ms(1000), LIMIT, MARGIN)).as("at the limit: fine").isFalse();
    assertThat(ReplicaSelector.lagging(false, ms(1001), LIMIT, MARGIN)).as("over: latched").isTrue();
    assertThat(ReplicaSelector.lagging(true, ms(900), LIMIT, MARGIN)).as("back under the limit: still latched").isTrue();
    assertThat(ReplicaSelector.lagging(true, ms(800), LIMIT, MARGIN)).as("at 80%: still latched").isTrue();
    assertThat(ReplicaSelector.lagging(true, ms(799), LIMIT, MARGIN)).as("under 80%: released").isFalse();
    assertThat(ReplicaSelector.lagging(false, null, LIMIT, MARGIN)).as("unknown lag latches").isTrue();
  }

  @Test
  void replicaHoveringAtTheLimitDoesNotFlap() {
    boolean latch = false;
    List<Boolean> eligible = new ArrayList<>();
    for (long lag : new long[] {500, 1100, 950, 1050, 900, 850, 790, 950, 1000, 1010, 700}) {
      latch = ReplicaSelector.lagging(latch, ms(lag), LIMIT, MARGIN);
      eligible.add(!latch);
    }
    assertThat(eligible).containsExactly(true, false, false, false, false, false, true, true, true, false, true);
  }

  @Test
  void onlyCheckedHealthyReplicasWithKnownLagAreEligible() {
    BackendStatus unknown = BackendStatus.unknown(def("r1", Role.REPLICA), Role.REPLICA);
    BackendStatus unhealthy = new BackendStatus(def("r2", Role.REPLICA), Role.REPLICA, true, true, false, true,
        Duration.ZERO, ms(10), false, true, false, "replication IO thread not running", Instant.now());
    BackendStatus noLag = new BackendStatus(def("r3", Role.REPLICA), Role.REPLICA, true, true, true, true,
        Duration.ZERO, null, true, true, false, "no heartbeat replicated yet", Instant.now());
    BackendStatus standby = new BackendStatus(def("m2", Role.STANDBY), Role.STANDBY, true, true, true, true,
        Duration.ZERO, ms(5), true, false, false, null, Instant.now());
    TopologySnapshot s = snapshot(unknown, unhealthy, noLag, standby);
    assertThat(select(s, Map.of(), Map.of(), 0)).isNull();
    for (BackendStatus b : s.backends()) {
      assertThat(ReplicaSelector.eligible(b, Duration.ofSeconds(60), MARGIN, LIMIT)).as(b.name()).isFalse();
    }
    assertThat(s.eligibleReplicas()).isEmpty();
    assertThat(s.replicas()).extracting(BackendStatus::name).containsExactly("r1", "r2", "r3");
  }

  @Test
  void otherLimitsUseTheLatchForTheMargin() {
    BackendStatus steady = replica("r1", 450, false);
    BackendStatus recovering = replica("r2", 900, true); // went over 1 s, now at 0.9 s: latched
    assertThat(steady.eligible()).isTrue();
    assertThat(recovering.eligible()).isFalse();
    // a looser hint: the latched replica needs lag < 5 s x 0.8
    assertThat(ReplicaSelector.eligible(recovering, Duration.ofSeconds(5), MARGIN, LIMIT)).isTrue();
    // a stricter hint: 450 ms <= 500 ms, but the latched one needs < 400 ms
    assertThat(ReplicaSelector.eligible(steady, ms(500), MARGIN, LIMIT)).isTrue();
    assertThat(ReplicaSelector.eligible(steady, ms(400), MARGIN, LIMIT)).isFalse();
    assertThat(ReplicaSelector.eligible(replica("r3", 350, true), ms(500), MARGIN, LIMIT)).isTrue();
    // at the snapshot's own limit the answer is the snapshot's flag
    assertThat(ReplicaSelector.eligible(recovering, LIMIT, MARGIN, LIMIT)).isFalse();
    assertThat(ReplicaSelector.eligible(steady, LIMIT, MARGIN, LIMIT)).isTrue();
  }

  @Test
  void leastOutstandingWins() {
    TopologySnapshot s = snapshot(replica("r1", 10, false), replica("r2", 20, false));
    assertThat(select(s, Map.of("r1", 3, "r2", 1), Map.of(), 0).name()).isEqualTo("r2");
    assertThat(select(s, Map.of("r1", 0, "r2", 1), Map.of(), 0).name()).isEqualTo("r1");
  }

  @Test
  void weightsScaleTheLoad() {
    TopologySnapshot s = snapshot(replica("r1", 10, false), replica("r2", 20, false));
    Map<String, Integer> weights = Map.of("r1", 3, "r2", 1);
    // (3+1)/3 = 1.33 < (1+1)/1 = 2: r1 despite more outstanding
    assertThat(select(s, Map.of("r1", 3, "r2", 1), weights, 0).name()).isEqualTo("r1");
    // (5+1)/3 = 2 > (0+1)/1 = 1: r2
    assertThat(select(s, Map.of("r1", 5, "r2", 0), weights, 0).name()).isEqualTo("r2");
    // weight 0 takes a replica out
    assertThat(select(s, Map.of("r2", 100), Map.of("r1", 0), 0).name()).isEqualTo("r2");
    assertThat(select(s, Map.of(), Map.of("r1", 0, "r2", 0), 0)).isNull();
  }

  @Test
  void tiesRotate() {
    TopologySnapshot s = snapshot(replica("r1", 10, false), replica("r2", 20, false), replica("r3", 2000, false));
    Set<String> chosen = new HashSet<>();
    for (int i = 0; i < 4; i++) {
      chosen.add(select(s, Map.of(), Map.of(), i).name());
    }
    assertThat(chosen).containsExactlyInAnyOrder("r1", "r2");
  }

  @Test
  void lagOverTheLimitIsSkipped() {
    TopologySnapshot s = snapshot(replica("r1", 3200, false), replica("r2", 20, false));
    for (int i = 0; i < 4; i++) {
      assertThat(select(s, Map.of("r2", 50), Map.of(), i).name()).isEqualTo("r2");
    }
    assertThat(new ReplicaSelector(Map.of()).select(s, Duration.ofSeconds(5), Map.of(), 0)).isNotNull();
  }

  @Test
  void instanceCountsOutstandingReads() {
    ReplicaSelector selector = new ReplicaSelector(Map.of("r2", 2));
    TopologySnapshot s = snapshot(replica("r1", 10, false), replica("r2", 20, false));
    Map<String, Integer> picks = new HashMap<>();
    List<BackendStatus> held = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      BackendStatus b = selector.select(s, LIMIT, Map.of(), i);
      selector.outstanding(b.name()).incrementAndGet();
      held.add(b);
      picks.merge(b.name(), 1, Integer::sum);
    }
    assertThat(picks).containsEntry("r1", 10).containsEntry("r2", 20);
    for (BackendStatus b : held) {
      selector.outstanding(b.name()).decrementAndGet();
    }
    assertThat(selector.outstanding("r1").get()).isZero();
    assertThat(selector.weight("r1")).isEqualTo(1);
  }

  @Test
  void candidatesFollowTheSnapshotTheLimitAndTheOfflineMap() {
    ReplicaSelector selector = new ReplicaSelector(Map.of());
    TopologySnapshot both = snapshot(replica("r1", 10, false), replica("r2", 600, false));
    TopologySnapshot r1Lagging = snapshot(replica("r1", 3000, true), replica("r2", 600, false));
    selector.outstanding("r2").set(5);
    assertThat(selector.select(both, LIMIT, Map.of(), 0).name()).isEqualTo("r1");
    assertThat(selector.select(r1Lagging, LIMIT, Map.of(), 0).name()).as("the next snapshot").isEqualTo("r2");
    assertThat(selector.select(both, ms(500), Map.of(), 0).name()).as("a limit r2 is over").isEqualTo("r1");
    assertThat(selector.select(both, LIMIT, Map.of("r1", "offline"), 0).name()).as("r1 offline").isEqualTo("r2");
    assertThat(selector.select(both, LIMIT, Map.of("r1", "offline", "r2", "offline"), 0)).isNull();
    assertThat(selector.select(both, LIMIT, Map.of(), 0).name()).as("back online").isEqualTo("r1");
    selector.outstanding("r1").set(9);
    assertThat(selector.select(both, LIMIT, Map.of(), 0).name()).as("counters read on every read").isEqualTo("r2");
  }

  @Test
  void tiesAreSharedWhenOthersAreBusier() {
    ReplicaSelector selector = new ReplicaSelector(Map.of());
    TopologySnapshot s = snapshot(replica("r1", 10, false), replica("r2", 20, false), replica("r3", 30, false));
    selector.outstanding("r1").set(4);
    Set<String> chosen = new HashSet<>();
    for (int i = -3; i < 3; i++) {
      chosen.add(selector.select(s, LIMIT, Map.of(), i).name());
    }
    assertThat(chosen).containsExactlyInAnyOrder("r2", "r3");
  }

  @Test
  void aSessionStaysOnItsLastReplicaWhileItIsAtMostOneReadBusier() {
    ReplicaSelector selector = new ReplicaSelector(Map.of());
    TopologySnapshot s = snapshot(replica("r1", 10, false), replica("r2", 20, false));
    BackendDefinition r1 = s.status("r1").backend();
    BackendDefinition r2 = s.status("r2").backend();
    for (int i = 0; i < 4; i++) {
      assertThat(selector.select(s, LIMIT, Map.of(), i, r1).name()).as("both idle: stays, whatever the tie-break")
          .isEqualTo("r1");
      assertThat(selector.select(s, LIMIT, Map.of(), i, r2).name()).isEqualTo("r2");
    }
    selector.outstanding("r1").set(1);
    assertThat(selector.select(s, LIMIT, Map.of(), 0, r1).name()).as("one read busier: stays").isEqualTo("r1");
    assertThat(selector.select(s, LIMIT, Map.of(), 0, null).name()).as("no last replica: the least loaded")
        .isEqualTo("r2");
    selector.outstanding("r1").set(2);
    assertThat(selector.select(s, LIMIT, Map.of(), 0, r1).name()).as("two reads busier: moves").isEqualTo("r2");
    selector.outstanding("r2").set(1);
    assertThat(selector.select(s, LIMIT, Map.of(), 0, r1).name()).as("one busier again: stays").isEqualTo("r1");
    assertThat(selector.select(s, LIMIT, Map.of("r1", "offline"), 0, r1).name()).as("offline: moves")
        .isEqualTo("r2");
    TopologySnapshot r1Lagging = snapshot(replica("r1", 3000, true), replica("r2", 20, false));
    assertThat(selector.select(r1Lagging, LIMIT, Map.of(), 0, r1).name()).as("not eligible: moves").isEqualTo("r2");
    BackendDefinition sameName = def("r1", Role.REPLICA);
    selector.outstanding("r1").set(0);
    selector.outstanding("r2").set(0);
    Set<String> chosen = new HashSet<>();
    for (int i = 0; i < 4; i++) {
      chosen.add(selector.select(s, LIMIT, Map.of(), i, sameName).name());
    }
    assertThat(chosen).as("another definition is no last replica: ties shared").containsExactlyInAnyOrder("r1", "r2");
  }

  @Test
  void affinityFollowsTheWeights() {
    ReplicaSelector selector = new ReplicaSelector(Map.of("r1", 3));
    TopologySnapshot s = snapshot(replica("r1", 10, false), replica("r2", 20, false));
    BackendDefinition r1 = s.status("r1").backend();
    BackendDefinition r2 = s.status("r2").backend();
    selector.outstanding("r1").set(3);
    assertThat(selector.select(s, LIMIT, Map.of(), 0, r1).name()).as("3 / 3 <= (0 + 1) / 1: stays").isEqualTo("r1");
    selector.outstanding("r1").set(4);
    assertThat(selector.select(s, LIMIT, Map.of(), 0, r1).name()).as("4 / 3 > 1: moves").isEqualTo("r2");
    selector.outstanding("r1").set(0);
    selector.outstanding("r2").set(1);
    assertThat(selector.select(s, LIMIT, Map.of(), 0, r2).name()).as("1 / 1 > (0 + 1) / 3: moves").isEqualTo("r1");
  }
}
