// The classic group state machine and committed offsets, driven directly with a manual clock.
// A real in-memory broker supplies __consumer_offsets; a second coordinator instance over the
// same partition logs stands in for the broker after a restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ErrorCode } from '../../../../protocol/generated/error-codes.js';
import { ConsumerProtocolSubscription } from '../../../../protocol/generated/message/consumer-protocol-subscription.js';
import { Writer } from '../../../../protocol/runtime/index.js';
import { startBroker, type RunningBroker } from '../../../../src/index.js';
import { GroupCoordinator, type JoinGroupParams, type JoinOutcome } from '../../../../src/coordinator/group/group-coordinator.js';
import { ManualScheduler } from '../../../../src/coordinator/group/scheduler.js';
import { javaStringHashCode, partitionForGroup } from '../../../../src/coordinator/group/partition-for.js';

const SESSION = 10_000;
const REBALANCE = 30_000;

function subscription(topics: string[]): Buffer {
  const value = { topics, userData: null, ownedPartitions: [], generationId: -1, rackId: null };
  const w = new Writer(2 + ConsumerProtocolSubscription.size(value, 0));
  w.int16(0);
  ConsumerProtocolSubscription.write(w, value, 0);
  return w.buf;
}

let broker: RunningBroker;
let groupSeq = 0;

beforeAll(async () => {
  broker = await startBroker({ overrides: { 'offsets.topic.num.partitions': '5', 'group.max.size': '3' } });
});
afterAll(async () => {
  await broker?.stop();
});

function coordinator(scheduler = new ManualScheduler()): { groups: GroupCoordinator; clock: ManualScheduler } {
  const b = broker.broker;
  const groups = new GroupCoordinator({ nodeId: 1, config: b.config, metadata: b.image, controller: b.controller, replicas: b.replicas, log: pino({ level: 'silent' }), scheduler });
  return { groups, clock: scheduler };
}

/** Waits until the coordinator can serve (the offsets topic is created on first need). */
async function ready(groups: GroupCoordinator): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { errorCode } = await groups.describeGroup('probe');
    if (errorCode === ErrorCode.NONE) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('coordinator never became ready');
}

function joinParams(groupId: string, over: Partial<JoinGroupParams> = {}): JoinGroupParams {
  return {
    groupId,
    memberId: '',
    groupInstanceId: null,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: SESSION,
    rebalanceTimeoutMs: REBALANCE,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription(['t']) }],
    requireKnownMemberId: false,
    apiVersion: 5,
    ...over,
  };
}

/** Flushes queued work (requests and timer callbacks): a describe runs after everything queued before it. */
async function settle(groups: GroupCoordinator, groupId: string): Promise<void> {
  await groups.describeGroup(groupId);
}

/**
 * Lets pending joins reach the group, then fires the (zero) initial rebalance delay, which
 * re-arms itself once for each round in which new members arrived (InitialDelayedJoin).
 */
async function completeInitialJoin(groups: GroupCoordinator, clock: ManualScheduler, groupId: string): Promise<void> {
  for (let round = 0; round < 4; round++) {
    await settle(groups, groupId);
    clock.advance(0);
  }
  await settle(groups, groupId);
}

describe('partition for a group', () => {
  it("matches Kafka's Utils.abs(String.hashCode) % partitions", () => {
    // Values computed by the JVM (jshell) in Kafka operators' scripts: my-group → 12 of 50.
    expect(partitionForGroup('my-group', 50)).toBe(12);
    expect(javaStringHashCode('')).toBe(0);
    expect(javaStringHashCode('a')).toBe(97);
    // Overflow wraps at 32 bits like Java's int.
    expect(javaStringHashCode('polygenelubricants')).toBe(-2147483648);
    expect(partitionForGroup('polygenelubricants', 50)).toBe(0);
  });
});

describe('classic group state machine', () => {
  let groups: GroupCoordinator;
  let clock: ManualScheduler;
  beforeAll(async () => {
    ({ groups, clock } = coordinator());
    await ready(groups);
  });

  it('hands out member ids (KIP-394), completes a rebalance with two members, and distributes the leader assignment', async () => {
    const g = `g${groupSeq++}`;
    const first = await groups.joinGroup(joinParams(g, { requireKnownMemberId: true, apiVersion: 4 }));
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^client-/);
    const a = groups.joinGroup(joinParams(g, { memberId: first.memberId, apiVersion: 4 }));
    // group.initial.rebalance.delay.ms is 0 for the dev broker: the first join completes on its own.
    await completeInitialJoin(groups, clock, g);
    const joinedA = await a;
    expect(joinedA).toMatchObject({ errorCode: 0, generationId: 1, leader: first.memberId, protocolName: 'range' });
    expect(joinedA.members).toHaveLength(1);
    const syncA = await groups.syncGroup({ groupId: g, generationId: 1, memberId: first.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: first.memberId, assignment: Buffer.from('A1') }] });
    expect(syncA).toMatchObject({ errorCode: 0, assignment: Buffer.from('A1') });

    // A second member starts a rebalance; the first learns of it from its heartbeat.
    const b = groups.joinGroup(joinParams(g, { clientId: 'other' }));
    await settle(groups, g);
    expect(await groups.heartbeat(g, 1, first.memberId, null)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const a2 = groups.joinGroup(joinParams(g, { memberId: first.memberId }));
    const [joinedA2, joinedB] = await Promise.all([a2, b]);
    expect(joinedA2.generationId).toBe(2);
    expect(joinedA2.leader).toBe(first.memberId);
    expect(joinedA2.members.map((m) => m.memberId).sort()).toEqual([first.memberId, joinedB.memberId].sort());
    expect(joinedB.members).toEqual([]);

    const followerSync = groups.syncGroup({ groupId: g, generationId: 2, memberId: joinedB.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    const leaderSync = await groups.syncGroup({
      groupId: g, generationId: 2, memberId: first.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range',
      assignments: [{ memberId: first.memberId, assignment: Buffer.from('A2') }, { memberId: joinedB.memberId, assignment: Buffer.from('B2') }],
    });
    expect(leaderSync.assignment).toEqual(Buffer.from('A2'));
    expect((await followerSync).assignment).toEqual(Buffer.from('B2'));
    expect(await groups.heartbeat(g, 2, joinedB.memberId, null)).toBe(ErrorCode.NONE);
    expect(await groups.heartbeat(g, 1, joinedB.memberId, null)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(await groups.heartbeat(g, 2, 'nobody', null)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const described = await groups.describeGroup(g);
    expect(described).toMatchObject({ groupState: 'Stable', protocolType: 'consumer', protocolData: 'range' });
    expect(described.members.map((m) => m.memberAssignment.toString()).sort()).toEqual(['A2', 'B2']);

    // The follower's session expires: it is removed and the leader must rejoin alone.
    clock.advance(SESSION - 1);
    expect(await groups.heartbeat(g, 2, first.memberId, null)).toBe(ErrorCode.NONE);
    clock.advance(2);
    await settle(groups, g);
    expect((await groups.describeGroup(g)).groupState).toBe('PreparingRebalance');
    const alone = await groups.joinGroup(joinParams(g, { memberId: first.memberId }));
    expect(alone).toMatchObject({ generationId: 3, leader: first.memberId });
    expect(alone.members).toHaveLength(1);
  });

  it('removes a member that does not rejoin within the rebalance timeout', async () => {
    const g = `g${groupSeq++}`;
    const a = await (async () => {
      const p = groups.joinGroup(joinParams(g));
      await completeInitialJoin(groups, clock, g);
      return p;
    })();
    await groups.syncGroup({ groupId: g, generationId: 1, memberId: a.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    const b = groups.joinGroup(joinParams(g));
    await settle(groups, g);
    // a keeps heartbeating but never rejoins.
    for (let t = 0; t < REBALANCE; t += 5000) {
      clock.advance(5000);
      await groups.heartbeat(g, 1, a.memberId, null);
    }
    const joinedB = await b;
    expect(joinedB).toMatchObject({ errorCode: 0, generationId: 2, leader: joinedB.memberId });
    expect(await groups.heartbeat(g, 1, a.memberId, null)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('rejects mismatched protocols and members beyond group.max.size', async () => {
    const g = `g${groupSeq++}`;
    const joins: Promise<JoinOutcome>[] = [];
    for (let i = 0; i < 3; i++) joins.push(groups.joinGroup(joinParams(g)));
    await settle(groups, g);
    expect(await groups.joinGroup(joinParams(g, { protocols: [{ name: 'roundrobin', metadata: Buffer.alloc(0) }] }))).toMatchObject({ errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL });
    expect(await groups.joinGroup(joinParams(g, { protocolType: 'connect' }))).toMatchObject({ errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL });
    await completeInitialJoin(groups, clock, g);
    await Promise.all(joins);
    expect(await groups.joinGroup(joinParams(g))).toMatchObject({ errorCode: ErrorCode.GROUP_MAX_SIZE_REACHED });
  });

  it('picks the protocol all members support by vote', async () => {
    const g = `g${groupSeq++}`;
    const p = (name: string) => ({ name, metadata: Buffer.from(name) });
    const x = groups.joinGroup(joinParams(g, { protocols: [p('range'), p('cooperative-sticky')] }));
    const y = groups.joinGroup(joinParams(g, { protocols: [p('cooperative-sticky'), p('range')] }));
    const z = groups.joinGroup(joinParams(g, { protocols: [p('cooperative-sticky'), p('range'), p('roundrobin')] }));
    await completeInitialJoin(groups, clock, g);
    const results = await Promise.all([x, y, z]);
    expect(results.map((r) => r.protocolName)).toEqual(['cooperative-sticky', 'cooperative-sticky', 'cooperative-sticky']);
  });

  it('lets a static member rejoin without a rebalance and fences its old member id (KIP-345)', async () => {
    const g = `g${groupSeq++}`;
    const join = groups.joinGroup(joinParams(g, { groupInstanceId: 'instance-1', apiVersion: 9 }));
    await completeInitialJoin(groups, clock, g);
    const first = await join;
    expect(first.memberId).toMatch(/^instance-1-/);
    await groups.syncGroup({ groupId: g, generationId: 1, memberId: first.memberId, groupInstanceId: 'instance-1', protocolType: null, protocolName: null, assignments: [{ memberId: first.memberId, assignment: Buffer.from('S') }] });
    const again = await groups.joinGroup(joinParams(g, { groupInstanceId: 'instance-1', apiVersion: 9 }));
    expect(again).toMatchObject({ errorCode: 0, generationId: 1, leader: again.memberId, skipAssignment: true });
    expect(again.memberId).not.toBe(first.memberId);
    expect(await groups.heartbeat(g, 1, first.memberId, 'instance-1')).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(await groups.heartbeat(g, 1, again.memberId, 'instance-1')).toBe(ErrorCode.NONE);
    const sync = await groups.syncGroup({ groupId: g, generationId: 1, memberId: again.memberId, groupInstanceId: 'instance-1', protocolType: null, protocolName: null, assignments: [] });
    expect(sync.assignment).toEqual(Buffer.from('S'));
    expect((await groups.describeGroup(g)).groupState).toBe('Stable');
    expect(await groups.leaveGroup(g, [{ memberId: first.memberId, groupInstanceId: 'instance-1' }])).toMatchObject({ members: [{ errorCode: ErrorCode.FENCED_INSTANCE_ID }] });
    expect(await groups.leaveGroup(g, [{ memberId: '', groupInstanceId: 'instance-1' }])).toMatchObject({ members: [{ errorCode: ErrorCode.NONE }] });
    clock.advance(REBALANCE);
    await settle(groups, g);
    expect((await groups.describeGroup(g)).groupState).toBe('Empty');
  });

  it('lets a static leader rejoin below v9 with other metadata: no rebalance, told the previous leader, syncs its assignment back', async () => {
    const g = `g${groupSeq++}`;
    const both = [{ name: 'range', metadata: subscription(['t']) }, { name: 'roundrobin', metadata: subscription(['t']) }];
    const join = groups.joinGroup(joinParams(g, { groupInstanceId: 'lead', apiVersion: 5, protocols: both }));
    await completeInitialJoin(groups, clock, g);
    const first = await join;
    await groups.syncGroup({ groupId: g, generationId: 1, memberId: first.memberId, groupInstanceId: 'lead', protocolType: null, protocolName: null, assignments: [{ memberId: first.memberId, assignment: Buffer.from('L') }] });
    // A restarted cooperative member owns nothing yet: same protocol, other metadata bytes.
    const changed = [{ name: 'range', metadata: subscription(['t', 'u']) }, { name: 'roundrobin', metadata: subscription(['t', 'u']) }];
    const again = await groups.joinGroup(joinParams(g, { groupInstanceId: 'lead', apiVersion: 5, protocols: changed }));
    // Kafka answers v5 with the leader as it was (the old member id) and no members, so the
    // client syncs as a follower instead of assigning a group of no members.
    expect(again).toMatchObject({ errorCode: 0, generationId: 1, leader: first.memberId, members: [], skipAssignment: false });
    expect(await groups.generation(g)).toEqual({ generationId: 1, state: 'Stable', leaderId: again.memberId, members: 1 });
    const sync = await groups.syncGroup({ groupId: g, generationId: 1, memberId: again.memberId, groupInstanceId: 'lead', protocolType: null, protocolName: null, assignments: [] });
    expect(sync).toMatchObject({ errorCode: 0, assignment: Buffer.from('L') });
    // Preferring a protocol the next generation would then select does rebalance.
    const other = groups.joinGroup(joinParams(g, { groupInstanceId: 'lead', apiVersion: 5, protocols: [...both].reverse() }));
    await settle(groups, g);
    expect((await groups.generation(g))?.state).not.toBe('Stable');
    clock.advance(REBALANCE);
    expect(await other).toMatchObject({ errorCode: 0, generationId: 2, protocolName: 'roundrobin' });
  });

  it('keeps a KIP-394 pending member id across a completed join, as Kafka does', async () => {
    const g = `g${groupSeq++}`;
    const firstId = (await groups.joinGroup(joinParams(g, { requireKnownMemberId: true, apiVersion: 4 }))).memberId;
    const secondId = (await groups.joinGroup(joinParams(g, { requireKnownMemberId: true, apiVersion: 4, clientId: 'late' }))).memberId;
    const a = groups.joinGroup(joinParams(g, { memberId: firstId, apiVersion: 4 }));
    // The initial (zero) delay completes the join without the second member, which is still pending.
    await completeInitialJoin(groups, clock, g);
    expect((await a).generationId).toBe(1);
    // It comes back with the id it was given: accepted (a new rebalance), not UNKNOWN_MEMBER_ID.
    const late = groups.joinGroup(joinParams(g, { memberId: secondId, apiVersion: 4, clientId: 'late' }));
    await settle(groups, g);
    expect((await groups.generation(g))?.state).toBe('PreparingRebalance');
    const a2 = groups.joinGroup(joinParams(g, { memberId: firstId, apiVersion: 4 }));
    const [joinedLate, joinedA] = await Promise.all([late, a2]);
    expect(joinedLate).toMatchObject({ errorCode: 0, generationId: 2, memberId: secondId });
    expect(joinedA.members.map((m) => m.memberId).sort()).toEqual([firstId, secondId].sort());
  });

  it('keeps a static member that does not rejoin a rebalance; a dynamic one is removed', async () => {
    const g = `g${groupSeq++}`;
    const s = groups.joinGroup(joinParams(g, { groupInstanceId: 'stays' }));
    const d = groups.joinGroup(joinParams(g, { clientId: 'dyn' }));
    await completeInitialJoin(groups, clock, g);
    let [js, jd] = await Promise.all([s, d]);
    if (js.generationId !== jd.generationId) {
      // The second joiner started another rebalance: both rejoin once more.
      [js, jd] = await Promise.all([
        groups.joinGroup(joinParams(g, { memberId: js.memberId, groupInstanceId: 'stays' })),
        groups.joinGroup(joinParams(g, { memberId: jd.memberId, clientId: 'dyn' })),
      ]);
    }
    const generation = jd.generationId;
    for (const m of [js, jd]) {
      void groups.syncGroup({ groupId: g, generationId: generation, memberId: m.memberId, groupInstanceId: m === js ? 'stays' : null, protocolType: null, protocolName: null, assignments: [] });
    }
    await settle(groups, g);
    expect((await groups.generation(g))?.state).toBe('Stable');
    // The dynamic member changes its subscription; the static one keeps heartbeating (so its
    // session stays alive) but does not rejoin within the rebalance timeout.
    const rejoin = groups.joinGroup(joinParams(g, { memberId: jd.memberId, clientId: 'dyn', protocols: [{ name: 'range', metadata: subscription(['t', 'u']) }] }));
    await settle(groups, g);
    for (let t = 0; t < REBALANCE; t += SESSION / 2) {
      expect(await groups.heartbeat(g, generation, js.memberId, 'stays')).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
      clock.advance(SESSION / 2);
      await settle(groups, g);
    }
    const answer = await rejoin;
    expect(answer).toMatchObject({ errorCode: 0, generationId: generation + 1, leader: jd.memberId });
    expect(answer.members.map((m) => m.memberId).sort()).toEqual([js.memberId, jd.memberId].sort());
    // The static member is still there, on the old generation: its heartbeat says so.
    expect(await groups.heartbeat(g, generation, js.memberId, 'stays')).toBe(ErrorCode.ILLEGAL_GENERATION);
  });

  it('checks SyncGroup protocol type and name (v5)', async () => {
    const g = `g${groupSeq++}`;
    const join = groups.joinGroup(joinParams(g));
    await completeInitialJoin(groups, clock, g);
    const a = await join;
    const sync = await groups.syncGroup({ groupId: g, generationId: 1, memberId: a.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'roundrobin', assignments: [] });
    expect(sync.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });
});

describe('committed offsets', () => {
  let groups: GroupCoordinator;
  let clock: ManualScheduler;
  beforeAll(async () => {
    ({ groups, clock } = coordinator());
    await ready(groups);
    await broker.broker.controller.createTopics([{ name: 't', numPartitions: 3, replicationFactor: 1, assignments: new Map(), configs: new Map() }], false);
  });

  const commit = (groupId: string, partition: number, offset: bigint, over: Partial<Parameters<GroupCoordinator['commitOffsets']>[0]> = {}) =>
    groups.commitOffsets({
      groupId, generationId: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n, apiVersion: 8,
      topics: [{ name: 't', partitions: [{ partitionIndex: partition, committedOffset: offset, committedLeaderEpoch: 4, committedMetadata: `meta-${offset}` }] }],
      ...over,
    });

  it('stores simple-group commits with metadata and reloads them from __consumer_offsets', async () => {
    const g = `offsets-${groupSeq++}`;
    expect((await commit(g, 0, 10n))[0]?.partitions[0]?.errorCode).toBe(0);
    expect((await commit(g, 0, 12n))[0]?.partitions[0]?.errorCode).toBe(0);
    expect((await commit(g, 2, 7n))[0]?.partitions[0]?.errorCode).toBe(0);
    const unknownTopic = await groups.commitOffsets({ groupId: g, generationId: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n, apiVersion: 8, topics: [{ name: 'nope', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] }] });
    expect(unknownTopic[0]?.partitions[0]?.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const tooLarge = await commit(g, 1, 1n, { topics: [{ name: 't', partitions: [{ partitionIndex: 1, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: 'x'.repeat(4097) }] }] });
    expect(tooLarge[0]?.partitions[0]?.errorCode).toBe(ErrorCode.OFFSET_METADATA_TOO_LARGE);

    const expected = [
      { partitionIndex: 0, committedOffset: 12n, committedLeaderEpoch: 4, metadata: 'meta-12', errorCode: 0 },
      { partitionIndex: 1, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
      { partitionIndex: 2, committedOffset: 7n, committedLeaderEpoch: 4, metadata: 'meta-7', errorCode: 0 },
    ];
    expect(await groups.fetchOffsets(g, [{ name: 't', partitionIndexes: [0, 1, 2] }])).toEqual({ errorCode: 0, topics: [{ name: 't', partitions: expected }] });

    // A fresh coordinator reads the same partition logs from the start.
    const { groups: restarted } = coordinator();
    expect(await restarted.fetchOffsets(g, [{ name: 't', partitionIndexes: [0, 1, 2] }])).toEqual({ errorCode: 0, topics: [{ name: 't', partitions: expected }] });
    expect(await restarted.fetchOffsets(g, null)).toEqual({ errorCode: 0, topics: [{ name: 't', partitions: [expected[0], expected[2]] }] });
    expect((await restarted.listGroups([], [])).groups).toContainEqual({ groupId: g, protocolType: '', groupState: 'Empty', groupType: 'classic' });
  });

  it('checks generation and member of group commits', async () => {
    const g = `offsets-${groupSeq++}`;
    expect((await commit(g, 0, 1n, { generationId: 3, memberId: 'm', apiVersion: 8 }))[0]?.partitions[0]?.errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await commit(g, 0, 1n, { generationId: 3, memberId: 'm', apiVersion: 9 }))[0]?.partitions[0]?.errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    const join = groups.joinGroup(joinParams(g));
    await completeInitialJoin(groups, clock, g);
    const a = await join;
    // Joined but not synced: the commit must wait for the rebalance to finish.
    expect((await commit(g, 0, 1n, { generationId: 1, memberId: a.memberId }))[0]?.partitions[0]?.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    await groups.syncGroup({ groupId: g, generationId: 1, memberId: a.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    expect((await commit(g, 0, 1n, { generationId: 0, memberId: a.memberId }))[0]?.partitions[0]?.errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await commit(g, 0, 1n, { generationId: 1, memberId: 'stranger' }))[0]?.partitions[0]?.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await commit(g, 0, 1n))[0]?.partitions[0]?.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    // A committed transaction's offsets need no member (TxnOffsetCommit before v3 names none).
    expect((await commit(g, 0, 2n, { transactional: true }))[0]?.partitions[0]?.errorCode).toBe(0);
    expect((await commit(g, 0, 5n, { generationId: 1, memberId: a.memberId }))[0]?.partitions[0]?.errorCode).toBe(0);

    // Non-empty: neither deletable nor its subscribed topics' offsets.
    expect(await groups.deleteGroup(g)).toBe(ErrorCode.NON_EMPTY_GROUP);
    expect(await groups.deleteOffsets(g, [{ name: 't', partitions: [0] }])).toEqual({ errorCode: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC }] }] });
    await groups.leaveGroup(g, [{ memberId: a.memberId, groupInstanceId: null }]);
    expect((await groups.describeGroup(g)).groupState).toBe('Empty');
    expect(await groups.deleteOffsets(g, [{ name: 't', partitions: [0] }])).toEqual({ errorCode: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0 }] }] });
    expect((await groups.fetchOffsets(g, null)).topics).toEqual([]);
    expect(await groups.deleteGroup(g)).toBe(ErrorCode.NONE);
    expect(await groups.deleteGroup(g)).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    expect((await groups.describeGroup(g)).groupState).toBe('Dead');
  });

  it('expires offsets of empty groups after offsets.retention.minutes, then the group', async () => {
    const g = `offsets-${groupSeq++}`;
    await commit(g, 0, 3n);
    const retention = broker.broker.config.offsetsRetentionMs;
    clock.advance(retention - 1000);
    await groups.expireOffsets();
    expect((await groups.fetchOffsets(g, [{ name: 't', partitionIndexes: [0] }])).topics[0]?.partitions[0]?.committedOffset).toBe(3n);
    clock.advance(1000);
    await groups.expireOffsets();
    expect((await groups.fetchOffsets(g, [{ name: 't', partitionIndexes: [0] }])).topics[0]?.partitions[0]?.committedOffset).toBe(-1n);
    expect((await groups.listGroups([], [])).groups.map((x) => x.groupId)).not.toContain(g);
    // The tombstones make it stick across a reload.
    const { groups: restarted } = coordinator();
    expect((await restarted.fetchOffsets(g, [{ name: 't', partitionIndexes: [0] }])).topics[0]?.partitions[0]?.committedOffset).toBe(-1n);
  });
});
