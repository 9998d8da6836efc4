// KIP-848 consumer groups: server-side assignment, member epochs, revocation before reassignment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ErrorCode } from '../../../../protocol/generated/error-codes.js';
import { startBroker, type RunningBroker } from '../../../../src/index.js';
import { GroupCoordinator, type ConsumerHeartbeatParams } from '../../../../src/coordinator/group/group-coordinator.js';
import { ManualScheduler } from '../../../../src/coordinator/group/scheduler.js';
import { rangeAssign, uniformAssign, type Assignment } from '../../../../src/coordinator/group/consumer-group.js';

let broker: RunningBroker;
let groups: GroupCoordinator;
let clock: ManualScheduler;
let topicId: string;

beforeAll(async () => {
  broker = await startBroker({ overrides: { 'offsets.topic.num.partitions': '2', 'group.coordinator.rebalance.protocols': 'classic,consumer' } });
  const b = broker.broker;
  clock = new ManualScheduler();
  groups = new GroupCoordinator({ nodeId: 1, config: b.config, metadata: b.image, controller: b.controller, replicas: b.replicas, log: pino({ level: 'silent' }), scheduler: clock });
  await b.controller.createTopics([{ name: 'orders', numPartitions: 4, replicationFactor: 1, assignments: new Map(), configs: new Map() }], false);
  topicId = b.image.topic('orders')!.topicId;
  for (let i = 0; i < 200 && (await groups.describeGroup('probe')).errorCode !== ErrorCode.NONE; i++) await new Promise((r) => setTimeout(r, 10));
});
afterAll(async () => {
  await broker?.stop();
});

function heartbeat(over: Partial<ConsumerHeartbeatParams>): ReturnType<GroupCoordinator['consumerGroupHeartbeat']> {
  return groups.consumerGroupHeartbeat({
    groupId: 'cg', memberId: '', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 30_000,
    subscribedTopicNames: null, serverAssignor: null, topicPartitions: null, clientId: 'c', clientHost: '/127.0.0.1', ...over,
  });
}

const parts = (a: { topicPartitions: { partitions: number[] }[] } | null) => a?.topicPartitions.flatMap((t) => t.partitions).sort() ?? null;

describe('assignors', () => {
  const topics = [{ topicId: 'T', name: 't', partitions: 5 }];
  const member = (memberId: string, current: Assignment = new Map()) => ({ memberId, topics: new Set(['t']), current });
  it('range gives contiguous ranges, the first members one more', () => {
    const out = rangeAssign([member('b'), member('a')], topics);
    expect([...out.get('a')!.get('T')!]).toEqual([0, 1, 2]);
    expect([...out.get('b')!.get('T')!]).toEqual([3, 4]);
  });
  it('uniform balances and keeps partitions where they are', () => {
    const out = uniformAssign([member('a', new Map([['T', new Set([0, 1, 2, 3, 4])]])), member('b')], topics);
    expect([...out.get('a')!.get('T')!].sort()).toEqual([0, 1, 2]);
    expect([...out.get('b')!.get('T')!].sort()).toEqual([3, 4]);
  });
});

describe('ConsumerGroupHeartbeat', () => {
  it('validates the first heartbeat', async () => {
    expect((await heartbeat({})).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await heartbeat({ subscribedTopicNames: ['orders'], topicPartitions: [] , serverAssignor: 'sticky' })).errorCode).toBe(ErrorCode.UNSUPPORTED_ASSIGNOR);
    expect((await heartbeat({ memberId: 'ghost', memberEpoch: 3 })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('assigns on join, revokes before reassigning to a new member, and fences stale epochs', async () => {
    const a = await heartbeat({ subscribedTopicNames: ['orders'], topicPartitions: [], serverAssignor: 'range' });
    expect(a).toMatchObject({ errorCode: 0, memberEpoch: 1, heartbeatIntervalMs: 5000 });
    expect(parts(a.assignment)).toEqual([0, 1, 2, 3]);
    const aId = a.memberId!;
    const owned = [{ topicId, partitions: [0, 1, 2, 3] }];
    expect((await heartbeat({ memberId: aId, memberEpoch: 1, topicPartitions: owned })).assignment).toBeNull();

    // b joins: epoch 2, but a still owns everything, so b gets nothing yet.
    const b = await heartbeat({ subscribedTopicNames: ['orders'], topicPartitions: [], serverAssignor: 'range' });
    expect(b.memberEpoch).toBe(2);
    expect(parts(b.assignment)).toEqual([]);
    const bId = b.memberId!;
    // a is told to give up what b is to get, and stays at epoch 1 until it confirms.
    const revoke = await heartbeat({ memberId: aId, memberEpoch: 1, topicPartitions: owned });
    const aTarget = aId < bId ? [0, 1] : [2, 3];
    const bTarget = aId < bId ? [2, 3] : [0, 1];
    expect(revoke).toMatchObject({ memberEpoch: 1 });
    expect(parts(revoke.assignment)).toEqual(aTarget);
    expect(parts((await heartbeat({ memberId: bId, memberEpoch: 2, topicPartitions: [] })).assignment)).toBeNull();
    const described = await groups.consumerGroupDescribe('cg');
    expect(described).toMatchObject({ groupState: 'Reconciling', groupEpoch: 2, assignmentEpoch: 2, assignorName: 'range' });

    // a confirms: it moves to epoch 2; then b receives the released partitions.
    const confirmed = await heartbeat({ memberId: aId, memberEpoch: 1, topicPartitions: [{ topicId, partitions: aTarget }] });
    expect(confirmed.memberEpoch).toBe(2);
    const bGets = await heartbeat({ memberId: bId, memberEpoch: 2, topicPartitions: [] });
    expect(parts(bGets.assignment)).toEqual(bTarget);
    await heartbeat({ memberId: bId, memberEpoch: 2, topicPartitions: [{ topicId, partitions: bTarget }] });
    const stable = await groups.consumerGroupDescribe('cg');
    expect(stable.groupState).toBe('Stable');
    expect(stable.members.find((m) => m.memberId === bId)?.assignment.topicPartitions).toEqual([{ topicId, topicName: 'orders', partitions: bTarget }]);

    expect((await heartbeat({ memberId: aId, memberEpoch: 0 + 7, topicPartitions: [] })).errorCode).toBe(ErrorCode.FENCED_MEMBER_EPOCH);

    // The group state is in __consumer_offsets as ConsumerGroup* records: a fresh coordinator reads it back.
    const node = broker.broker;
    const restarted = new GroupCoordinator({ nodeId: 1, config: node.config, metadata: node.image, controller: node.controller, replicas: node.replicas, log: pino({ level: 'silent' }), scheduler: new ManualScheduler() });
    const reloaded = await restarted.consumerGroupDescribe('cg');
    const summary = (d: typeof stable) => ({ ...d, members: [...d.members].sort((x, y) => (x.memberId < y.memberId ? -1 : 1)) });
    expect(summary(reloaded)).toEqual(summary(await groups.consumerGroupDescribe('cg')));
    restarted.stop();
    // Commits are checked against member epochs, and need OffsetCommit v9.
    const commit = (memberId: string, epoch: number, apiVersion: number) =>
      groups.commitOffsets({ groupId: 'cg', generationId: epoch, memberId, groupInstanceId: null, retentionTimeMs: -1n, apiVersion, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, committedMetadata: null }] }] });
    expect((await commit(aId, 2, 9))[0]?.partitions[0]?.errorCode).toBe(0);
    expect((await commit(aId, 1, 9))[0]?.partitions[0]?.errorCode).toBe(ErrorCode.STALE_MEMBER_EPOCH);
    expect((await commit(aId, 2, 8))[0]?.partitions[0]?.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    const fetchAs = (memberId: string | null, memberEpoch: number) => groups.fetchOffsets('cg', [{ name: 'orders', partitionIndexes: [0] }], { memberId, memberEpoch });
    expect((await fetchAs(aId, 2)).topics[0]?.partitions[0]?.committedOffset).toBe(5n);
    expect((await fetchAs(aId, 1)).errorCode).toBe(ErrorCode.STALE_MEMBER_EPOCH);
    expect((await fetchAs('ghost', 2)).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await fetchAs(null, -1)).errorCode).toBe(0);
    expect((await groups.listGroups([], ['consumer'])).groups).toContainEqual({ groupId: 'cg', protocolType: 'consumer', groupState: 'Stable', groupType: 'consumer' });

    // a leaves: b gets everything once it heartbeats.
    expect(await heartbeat({ memberId: aId, memberEpoch: -1 })).toMatchObject({ errorCode: 0, memberEpoch: -1 });
    const all = await heartbeat({ memberId: bId, memberEpoch: 2, topicPartitions: [{ topicId, partitions: bTarget }] });
    expect(all.memberEpoch).toBe(3);
    expect(parts(all.assignment)).toEqual([0, 1, 2, 3]);

    // b's session expires (group.consumer.session.timeout.ms): the group is empty.
    clock.advance(broker.broker.config.consumerGroup.sessionTimeoutMs);
    const empty = await groups.consumerGroupDescribe('cg');
    expect(empty).toMatchObject({ groupState: 'Empty', members: [] });
    expect((await groups.consumerGroupDescribe('nope')).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
  });
  it('static members: an instance id is taken over only after a -2 leave, which keeps the partitions and the epoch', async () => {
    const g = 'cg-static';
    const join = (instanceId: string, memberId = '') => heartbeat({ groupId: g, memberId, instanceId, subscribedTopicNames: ['orders'], topicPartitions: [], serverAssignor: 'uniform' });
    const a = await join('ia');
    const aId = a.memberId!;
    expect(parts(a.assignment)).toEqual([0, 1, 2, 3]);
    await heartbeat({ groupId: g, memberId: aId, memberEpoch: a.memberEpoch, topicPartitions: [{ topicId, partitions: [0, 1, 2, 3] }] });
    // Another process with the same instance id while the first still holds it.
    expect((await join('ia')).errorCode).toBe(ErrorCode.UNRELEASED_INSTANCE_ID);
    // Heartbeats must come from the holder of the instance id.
    expect((await heartbeat({ groupId: g, memberId: 'impostor', memberEpoch: a.memberEpoch, instanceId: 'ia' })).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect((await heartbeat({ groupId: g, memberId: aId, memberEpoch: a.memberEpoch, instanceId: 'unknown' })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const before = await groups.consumerGroupDescribe(g);

    // The static leave (epoch -2) keeps the member and its partitions; no new group epoch.
    expect(await heartbeat({ groupId: g, memberId: aId, memberEpoch: -2, instanceId: 'ia' })).toMatchObject({ errorCode: 0, memberEpoch: -2 });
    const away = await groups.consumerGroupDescribe(g);
    expect(away.groupEpoch).toBe(before.groupEpoch);
    expect(away.members).toHaveLength(1);
    expect(away.members[0]).toMatchObject({ memberId: aId, memberEpoch: -2 });

    // The restarted instance takes over: a new member id, the same partitions, the same epoch.
    const back = await join('ia');
    expect(back.errorCode).toBe(0);
    expect(back.memberId).not.toBe(aId);
    expect(parts(back.assignment)).toEqual([0, 1, 2, 3]);
    expect(back.memberEpoch).toBe(a.memberEpoch);
    const after = await groups.consumerGroupDescribe(g);
    expect(after).toMatchObject({ groupEpoch: before.groupEpoch, groupState: 'Stable' });
    expect(after.members.map((m) => m.memberId)).toEqual([back.memberId]);
    expect((await heartbeat({ groupId: g, memberId: aId, memberEpoch: a.memberEpoch, instanceId: 'ia' })).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);

    // A static member that never comes back is removed when its session times out.
    expect((await heartbeat({ groupId: g, memberId: back.memberId!, memberEpoch: -2, instanceId: 'ia' })).errorCode).toBe(0);
    clock.advance(broker.broker.config.consumerGroup.sessionTimeoutMs);
    expect(await groups.consumerGroupDescribe(g)).toMatchObject({ groupState: 'Empty', members: [] });
  });
});
