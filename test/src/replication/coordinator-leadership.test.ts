// The group coordinator moves with the leader of its __consumer_offsets partition: FindCoordinator
// names the partition leader whichever node is asked, and when that leader is fenced the new
// leader loads the replicated offsets and serves them.
import { afterEach, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { eventually } from '../../helpers/eventually.js';
import type { LocalCluster } from '../../../src/metadata/raft-driver/local-cluster.js';
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { FindCoordinatorRequest } from '../../../protocol/generated/message/find-coordinator-request.js';
import { FindCoordinatorResponse } from '../../../protocol/generated/message/find-coordinator-response.js';
import { RawClient } from '../broker/raw-client.js';
import { node, startFastCluster } from './fast-cluster.js';

let cluster: LocalCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('coordinators follow partition leadership', () => {
  it('FindCoordinator names the __consumer_offsets leader, and committed offsets survive its fencing', async () => {
    cluster = await startFastCluster({ 'offsets.topic.num.partitions': '1' });
    const brokers = cluster.brokers;
    const controller = brokers.find((b) => b.quorum.isLeader)!;
    const [leaderId, nextId] = [1, 2, 3].filter((id) => id !== controller.config.nodeId) as [number, number];
    // __consumer_offsets on all three nodes, led by a node that is not the active controller.
    const [created] = await controller.controller.createTopics(
      [{ name: '__consumer_offsets', numPartitions: -1, replicationFactor: -1, assignments: new Map([[0, [leaderId, nextId, controller.config.nodeId]]]), configs: new Map([['cleanup.policy', 'compact']]) }],
      false,
    );
    expect(created!.errorCode).toBe(0);
    await eventually('__consumer_offsets hosted everywhere', () => (brokers.every((b) => b.replicas.partition('__consumer_offsets', 0)) ? true : undefined));

    const findFrom = async (nodeId: number): Promise<number> => {
      const client = await RawClient.connect(node(brokers, nodeId).endpoint().port);
      try {
        const body = FindCoordinatorRequest.defaults();
        body.keyType = 0;
        body.coordinatorKeys = ['movers'];
        const res = await client.request(ApiKey.FindCoordinator, 4, FindCoordinatorRequest, body, FindCoordinatorResponse);
        expect(res.coordinators[0]!.errorCode).toBe(0);
        return res.coordinators[0]!.nodeId;
      } finally {
        client.close();
      }
    };
    for (const id of [1, 2, 3]) expect(await findFrom(id)).toBe(leaderId);

    const kafka = new Kafka({ brokers: cluster.bootstrapServers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 500 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'tracked', numPartitions: 1, replicationFactor: 3 }], waitForLeaders: true });
    await admin.setOffsets({ groupId: 'movers', topic: 'tracked', partitions: [{ partition: 0, offset: '5' }] });
    // Replicated to every replica before the leader goes (the commit was acks=all).
    const committedEnd = node(brokers, leaderId).replicas.partition('__consumer_offsets', 0)!.log.logEndOffset;
    expect(committedEnd).toBeGreaterThan(0n);

    // The leader stops heartbeating: fenced, leadership moves, and every node names the new leader.
    node(brokers, leaderId).lifecycle!.stop();
    await eventually('new __consumer_offsets leader everywhere', () => (brokers.every((b) => b.image.topic('__consumer_offsets')!.partitions.get(0)!.leader === nextId) ? true : undefined), 20_000);
    for (const id of [1, 2, 3]) expect(await findFrom(id)).toBe(nextId);
    const fetched = await admin.fetchOffsets({ groupId: 'movers', topics: ['tracked'] });
    expect(fetched[0]!.partitions[0]).toMatchObject({ partition: 0, offset: '5' });
    await admin.setOffsets({ groupId: 'movers', topic: 'tracked', partitions: [{ partition: 0, offset: '7' }] });
    const again = await admin.fetchOffsets({ groupId: 'movers', topics: ['tracked'] });
    expect(again[0]!.partitions[0]).toMatchObject({ partition: 0, offset: '7' });
    await admin.disconnect();
  }, 60_000);

  it('a default local cluster replicates __consumer_offsets, so a group\u2019s offsets outlive its coordinator node', async () => {
    cluster = await startFastCluster();
    const brokers = cluster.brokers;
    const kafka = new Kafka({ brokers: cluster.bootstrapServers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 500 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'kept', numPartitions: 1, replicationFactor: 3 }], waitForLeaders: true });
    await admin.setOffsets({ groupId: 'keepers', topic: 'kept', partitions: [{ partition: 0, offset: '11' }] });
    const offsets = brokers[0]!.image.topic('__consumer_offsets')!;
    const partition = brokers[0]!.groups!.partitionFor('keepers');
    const state = offsets.partitions.get(partition)!;
    expect(state.replicas).toHaveLength(3);
    // The coordinator's node goes (controlled shutdown); another replica leads and serves the offsets.
    const coordinator = node(brokers, state.leader);
    await coordinator.stop();
    const survivors = brokers.filter((b) => b !== coordinator);
    await eventually('a new coordinator', () => (survivors.every((b) => b.image.topic('__consumer_offsets')!.partitions.get(partition)!.leader !== coordinator.config.nodeId) ? true : undefined), 20_000);
    const fetched = await admin.fetchOffsets({ groupId: 'keepers', topics: ['kept'] });
    expect(fetched[0]!.partitions[0]).toMatchObject({ partition: 0, offset: '11' });
    await admin.disconnect();
  }, 60_000);
});
