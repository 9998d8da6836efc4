// A node that is not the active controller forwards topic creation (CreateTopics v7) and
// producer id blocks (AllocateProducerIds) to the one that is, as a KRaft broker does.
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../helpers/eventually.js';
import type { LocalCluster } from '../../../../src/metadata/raft-driver/local-cluster.js';
import { ErrorCode } from '../../../../protocol/generated/error-codes.js';
import { startFastCluster } from '../../replication/fast-cluster.js';

let cluster: LocalCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('controller forwarding', () => {
  it('creates topics and hands out producer id blocks from any node', async () => {
    cluster = await startFastCluster();
    const brokers = cluster.brokers;
    const follower = brokers.find((b) => !b.quorum.isLeader)!;
    const spec = { name: 'forwarded', numPartitions: 2, replicationFactor: 3, assignments: new Map(), configs: new Map([['retention.ms', '60000']]) };
    const [outcome] = await follower.controller.createTopics([spec], false);
    expect(outcome).toMatchObject({ name: 'forwarded', errorCode: 0, numPartitions: 2, replicationFactor: 3 });
    expect(outcome!.topicId).not.toBe('');
    for (const b of brokers) await eventually(`node ${b.config.nodeId} knows the topic`, () => b.image.topic('forwarded'));
    expect(brokers[0]!.image.topic('forwarded')!.topicId).toBe(outcome!.topicId);
    // The controller's own validation answers through the forwarding node.
    const [again] = await follower.controller.createTopics([spec], false);
    expect(again!.errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);

    const a = await follower.controller.allocateProducerIds(follower.config.nodeId, follower.lifecycle!.epoch);
    const b = await follower.controller.allocateProducerIds(follower.config.nodeId, follower.lifecycle!.epoch);
    expect(a.length).toBeGreaterThan(0);
    expect(b.start).toBe(a.start + BigInt(a.length));
    // A stale broker epoch is refused by the controller.
    await expect(follower.controller.allocateProducerIds(follower.config.nodeId, 123_456n)).rejects.toThrow(/error 77/);
  }, 60_000);
});
