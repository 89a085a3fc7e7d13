/**
 * Writer failover between the masters of a dual-master pair: where the writer is switched
 * ({@link io.tandem.router.failover.FailoverController}).
 *
 * <h2>What is checked, every monitor interval (default 250 ms)</h2>
 *
 * <ul>
 *   <li>The writer: reachable, its read_only/semisync/GTID facts readable, and the writer probe —
 *       the monitor's heartbeat {@code REPLACE} — completing within {@code write_timeout}
 *       (default 2 s, longer than {@code rpl_semi_sync_master_timeout}): a master that accepts
 *       connections but cannot commit (hung, disk full, SIGSTOP) fails it. {@code fall}
 *       consecutive failed checks (default 3) mark the writer failed.
 *   <li>Before acting, the others are asked: if the standby or a replica is still connected to the
 *       writer and its received position ({@code Gtid_IO_Pos}) moved since the writer's first failed
 *       check, the fault is between the proxy and the writer: alert, no failover.
 * </ul>
 *
 * <h2>The lossless gate</h2>
 *
 * <p>The standby is promoted only if all hold, else writes are refused (BLOCKED) and reads go on:
 * at the writer's last good check semisync was ON with at least one semisync replica and its
 * {@code Rpl_semi_sync_master_no_tx} had not grown since the check before; the standby was
 * acknowledging ({@code Rpl_semi_sync_slave_status} ON); no automatic failover happened within
 * {@code failover_block_window}; and, at promotion, the standby gets every transaction any replica
 * received (from that replica's binary log when one received more) and applies all it received
 * within {@code catchup_timeout}. {@code allow_lossy_failover} skips the semisync conditions only.
 *
 * <h2>Promotion, each step logged and journaled</h2>
 *
 * <ol>
 *   <li>writes held ({@code hold_writes}); the old writer fenced ({@code read_only=ON}, bounded by
 *       {@code fence_timeout}) where reachable, and every proxy connection to it dropped;
 *   <li>the standby caught up (above);
 *   <li>its channel from the old writer stopped, {@code read_only=OFF}, the new writer published
 *       with the next epoch: held writes run there;
 *   <li>the replicas (and a reachable old writer) replicate from it with GTID auto-position.
 * </ol>
 *
 * <p>Afterwards, while the writer is healthy, another master found writable is fenced (the old
 * writer restarting from its own my.cnf), the semisync master side is on for the writer once its
 * standby acknowledges and off on the standby. The controller never fails back by itself
 * (nopreempt); {@link io.tandem.router.failover.FailoverController#switchover} is the planned way.
 */
package io.tandem.router.failover;
