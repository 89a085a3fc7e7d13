/**
 * Replica health and lag: where the health checks run ({@link io.tandem.router.monitor.ReplicaMonitor})
 * and how a read picks its replica ({@link io.tandem.router.monitor.ReplicaSelector}).
 *
 * <h2>Checks, every interval (default 250 ms)</h2>
 *
 * <ul>
 *   <li><b>Active master</b>: {@code REPLACE INTO tandem.heartbeat VALUES (1, @@server_id, NOW(6))}
 *       (the table is created with {@code CREATE TABLE IF NOT EXISTS} once per connection). The
 *       write goes to the binary log like any other, so it replicates; the master itself is never
 *       lag-checked. With semisync, a write may wait for acknowledgements: it has its own, longer
 *       timeout ({@link io.tandem.router.monitor.MonitorSettings#heartbeatTimeout()}), a tick that
 *       finds it still running skips the master, and the replicas' checks do not wait for it.
 *   <li><b>Replicas and standby masters</b>: {@code SHOW SLAVE STATUS}, or {@code SHOW REPLICA
 *       STATUS} once the first form is refused with a syntax error (MySQL 8.4); then {@code SELECT
 *       TIMESTAMPDIFF(MICROSECOND, ts, NOW(6)) FROM tandem.heartbeat WHERE id = 1}. Healthy means:
 *       reachable, IO and SQL threads both {@code Yes}, {@code Seconds_Behind_Master} not NULL
 *       (see {@link io.tandem.router.monitor.ReplicationStatus#problem()} for last errors).
 *       {@code Seconds_Behind_Master} is never used as the lag: it reads 0 while a stalled IO
 *       thread has applied everything it received. The heartbeat does not have that blind spot:
 *       when the IO thread stops, the replicated timestamp stops advancing and the lag grows.
 * </ul>
 *
 * <h2>The lag and the clocks</h2>
 *
 * <p>lag = replica's {@code NOW(6)} − the replicated {@code ts}, which the master wrote with its
 * own clock; both connections run with {@code time_zone = '+00:00'} so that daylight-saving
 * changes cannot enter the difference. The result is the replication delay plus the clock offset
 * between the two hosts: on one machine (the sandbox) that offset is zero; in production the
 * database hosts must be NTP-synchronised (a few milliseconds), which they usually are for
 * replication anyway. A negative result (replica clock behind) counts as no lag. A clock-free
 * alternative would write the monitor's own monotonic clock into the row and compare with the
 * monitor's clock when the replica's copy is read; it was not taken because several proxies share
 * the row, and each would then read the others' clocks.
 *
 * <p>Resolution: the heartbeat advances once per interval, so a caught-up replica shows a lag
 * between 0 and one interval (plus the write's commit time). Lag limits should be at least two
 * intervals.
 *
 * <h2>Eligibility and hysteresis</h2>
 *
 * <p>A replica is eligible when healthy and its lag is at most the limit. Once it went over the
 * limit (or was unhealthy, or its lag was unknown), it is eligible again only below
 * {@code limit × hysteresis} (default 0.8: a replica that exceeded 1 s returns below 800 ms), so a
 * replica hovering around the limit does not flap. A replica not checked yet is not eligible.
 *
 * <h2>Threads</h2>
 *
 * <p>The monitor has its own one-thread event loop; all its state lives on it. Readers get an
 * immutable {@link io.tandem.router.monitor.TopologySnapshot} through a volatile reference.
 */
package io.tandem.router.monitor;
