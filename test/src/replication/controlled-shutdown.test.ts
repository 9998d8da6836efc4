// Controlled shutdown: a stopping broker asks the active controller (BrokerHeartbeat
// wantShutDown) to move its leaderships to other in-sync replicas first, so its partitions have
// new leaders when it goes, long before its broker session would have expired.
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/eventually.js';
import type { LocalCluster } from '../../../src/metadata/raft-driver/local-cluster.js';
import { batchOf, node, startFastCluster } from './fast-cluster.js';

let cluster: LocalCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('controlled shutdown', () => {
  it('moves the stopping broker\u2019s leaderships away before it exits', async () => {
    // A session far longer than the test: only the controlled shutdown can move leadership in time.
    cluster = await startFastCluster({ 'broker.session.timeout.ms': '60000' });
    const brokers = cluster.brokers;
    const controller = brokers.find((b) => b.quorum.isLeader)!;
    const [leavingId, otherId] = [1, 2, 3].filter((id) => id !== controller.config.nodeId) as [number, number];
    const [created] = await controller.controller.createTopics(
      [{ name: 'handover', numPartitions: -1, replicationFactor: -1, assignments: new Map([[0, [leavingId, otherId, controller.config.nodeId]], [1, [otherId, leavingId, controller.config.nodeId]]]), configs: new Map() }],
      false,
    );
    expect(created!.errorCode).toBe(0);
    await eventually('handover hosted everywhere', () => (brokers.every((b) => b.replicas.partition('handover', 0) && b.replicas.partition('handover', 1)) ? true : undefined));
    const leaving = node(brokers, leavingId);
    expect((await leaving.replicas.produce('handover', 0, batchOf('x', 'y'), { acks: -1, produceVersion: 9 })).errorCode).toBe(0);

    const started = Date.now();
    await leaving.stop();
    const stopMs = Date.now() - started;
    const survivors = brokers.filter((b) => b !== leaving);
    // Within a moment of the stop (not the 60 s session): partition 0 has a new leader, and the
    // leaving broker is out of both ISRs.
    await eventually('the new leader everywhere', () => (survivors.every((b) => b.image.topic('handover')!.partitions.get(0)!.leader === otherId) ? true : undefined), 3000);
    for (const b of survivors) {
      for (const p of [0, 1]) expect(b.image.topic('handover')!.partitions.get(p)!.isr).not.toContain(leavingId);
      expect(b.image.broker(leavingId)).toMatchObject({ inControlledShutdown: true, fenced: false });
    }
    console.log(`controlled shutdown: broker stop took ${stopMs} ms, leadership moved before it returned`);
    // The new leader has the acknowledged records and takes new ones.
    const next = node(brokers, otherId).replicas.partition('handover', 0)!;
    expect(next.log.logEndOffset).toBe(2n);
    expect((await node(brokers, otherId).replicas.produce('handover', 0, batchOf('z'), { acks: -1, produceVersion: 9, timeoutMs: 10_000 })).errorCode).toBe(0);
  }, 60_000);
});
