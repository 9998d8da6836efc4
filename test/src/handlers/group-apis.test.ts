// Version handling of the group API handlers (8-16, 42, 47): what each version carries in and out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { FindCoordinatorRequest } from '../../../protocol/generated/message/find-coordinator-request.js';
import { JoinGroupRequest } from '../../../protocol/generated/message/join-group-request.js';
import { LeaveGroupRequest } from '../../../protocol/generated/message/leave-group-request.js';
import { OffsetCommitRequest } from '../../../protocol/generated/message/offset-commit-request.js';
import { OffsetFetchRequest } from '../../../protocol/generated/message/offset-fetch-request.js';
import { ListGroupsRequest } from '../../../protocol/generated/message/list-groups-request.js';
import { DescribeGroupsRequest } from '../../../protocol/generated/message/describe-groups-request.js';
import { DeleteGroupsRequest } from '../../../protocol/generated/message/delete-groups-request.js';
import { startBroker, type RunningBroker } from '../../../src/index.js';
import type { BrokerServices } from '../../../src/handlers/services.js';
import type { ApiHandler, RequestContext } from '../../../src/handlers/types.js';
import { createFindCoordinatorHandler } from '../../../src/handlers/10-find-coordinator.js';
import { createJoinGroupHandler } from '../../../src/handlers/11-join-group.js';
import { createLeaveGroupHandler } from '../../../src/handlers/13-leave-group.js';
import { createOffsetCommitHandler } from '../../../src/handlers/08-offset-commit.js';
import { createOffsetFetchHandler } from '../../../src/handlers/09-offset-fetch.js';
import { createListGroupsHandler } from '../../../src/handlers/16-list-groups.js';
import { createDescribeGroupsHandler } from '../../../src/handlers/15-describe-groups.js';
import { createDeleteGroupsHandler } from '../../../src/handlers/42-delete-groups.js';

let broker: RunningBroker;
let services: BrokerServices;
const log = pino({ level: 'silent' });

function context(apiVersion: number): RequestContext {
  return {
    apiKey: 0, apiVersion, correlationId: 1, clientId: 'test-client', principal: 'User:ANONYMOUS', log,
    connection: { id: 'c1', listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', remoteAddress: '127.0.0.1', log },
  };
}

/** Calls a handler at `version`; these handlers always answer. */
async function call<Req, Res>(handler: ApiHandler<Req, Res>, request: Req, version: number): Promise<Res> {
  const res = await handler.handle(request, context(version));
  if (typeof res === 'symbol') throw new Error('handler gave no response');
  return res;
}

beforeAll(async () => {
  broker = await startBroker({ overrides: { 'offsets.topic.num.partitions': '3' } });
  const b = broker.broker;
  // Only what the group handlers call.
  services = {
    nodeId: b.config.nodeId,
    groups: b.groups!,
    metadata: b.image,
    brokerEndpoints: () => [{ nodeId: b.config.nodeId, host: 'localhost', port: broker.port, rack: null }],
  } as unknown as BrokerServices;
  await b.controller.createTopics([{ name: 'events', numPartitions: 2, replicationFactor: 1, assignments: new Map(), configs: new Map() }], false);
});
afterAll(async () => {
  await broker?.stop();
});

async function findGroupCoordinator(version: number, key: string): Promise<{ errorCode: number; nodeId: number; port: number }> {
  const handler = createFindCoordinatorHandler(services);
  for (let i = 0; i < 200; i++) {
    const res = await call(handler, { ...FindCoordinatorRequest.defaults(), key }, version);
    if (res.errorCode !== ErrorCode.COORDINATOR_NOT_AVAILABLE) return res;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('no coordinator');
}

describe('FindCoordinator', () => {
  it('creates __consumer_offsets on first need and names this broker (v0-3)', async () => {
    expect(await findGroupCoordinator(0, 'g')).toMatchObject({ errorCode: 0, nodeId: 1, port: broker.port });
    expect(broker.broker.image.topic('__consumer_offsets')?.partitions.size).toBe(3);
    const handler = createFindCoordinatorHandler(services);
    const txn = await call(handler, { ...FindCoordinatorRequest.defaults(), key: 'tx-1', keyType: 1 }, 3);
    expect(txn).toMatchObject({ errorCode: 0, nodeId: 1, errorMessage: null });
    const bad = await call(handler, { ...FindCoordinatorRequest.defaults(), key: 'x', keyType: 7 }, 2);
    expect(bad.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('answers batched keys (v4+)', async () => {
    await findGroupCoordinator(0, 'g');
    const handler = createFindCoordinatorHandler(services);
    const res = await call(handler, { ...FindCoordinatorRequest.defaults(), keyType: 0, coordinatorKeys: ['a', 'b'] }, 4);
    expect(res.coordinators.map((c) => [c.key, c.errorCode, c.nodeId, c.port])).toEqual([['a', 0, 1, broker.port], ['b', 0, 1, broker.port]]);
    const share = await call(handler, { ...FindCoordinatorRequest.defaults(), keyType: 2, coordinatorKeys: ['s'] }, 6);
    expect(share.coordinators[0]?.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });
});

describe('group handlers across versions', () => {
  beforeAll(async () => {
    await findGroupCoordinator(0, 'g');
  });

  it('JoinGroup v0 waits the session timeout for rejoins; v4 asks for a member id first; LeaveGroup v0 and v3', async () => {
    const join = createJoinGroupHandler(services);
    const leave = createLeaveGroupHandler(services);
    const req = { ...JoinGroupRequest.defaults(), groupId: 'jv', sessionTimeoutMs: 10_000, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from('m') }] };
    const v0 = await call(join, req, 0);
    expect(v0).toMatchObject({ errorCode: 0, generationId: 1, protocolName: 'range', protocolType: null });
    expect(v0.memberId).toMatch(/^test-client-/);
    expect(v0.members[0]).toMatchObject({ memberId: v0.memberId, groupInstanceId: null });
    const left = await call(leave, { ...LeaveGroupRequest.defaults(), groupId: 'jv', memberId: v0.memberId }, 0);
    expect(left).toMatchObject({ errorCode: 0, members: [] });
    const again = await call(leave, { ...LeaveGroupRequest.defaults(), groupId: 'jv', memberId: v0.memberId }, 1);
    expect(again.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);

    const v7 = await call(join, { ...req, groupId: 'jv7' }, 7);
    expect(v7).toMatchObject({ errorCode: ErrorCode.MEMBER_ID_REQUIRED, protocolName: null });
    const joined = await call(join, { ...req, groupId: 'jv7', memberId: v7.memberId }, 7);
    expect(joined).toMatchObject({ errorCode: 0, protocolType: 'consumer', protocolName: 'range', memberId: v7.memberId });
    const batch = await call(leave, { ...LeaveGroupRequest.defaults(), groupId: 'jv7', members: [{ memberId: v7.memberId, groupInstanceId: null, reason: 'bye' }, { memberId: 'ghost', groupInstanceId: null, reason: null }] }, 5);
    expect(batch).toMatchObject({ errorCode: 0, members: [{ memberId: v7.memberId, errorCode: 0 }, { memberId: 'ghost', errorCode: ErrorCode.UNKNOWN_MEMBER_ID }] });
  });

  it('OffsetCommit v0 and OffsetFetch v1, v5 and v8 (several groups, all topics)', async () => {
    const commit = createOffsetCommitHandler(services);
    const fetch = createOffsetFetchHandler(services);
    const committed = await call(commit, {
      ...OffsetCommitRequest.defaults(), groupId: 'oc',
      topics: [{ name: 'events', partitions: [{ partitionIndex: 1, committedOffset: 42n, committedLeaderEpoch: 9, commitTimestamp: -1n, committedMetadata: 'hello' }] }],
    }, 0);
    expect(committed.topics).toEqual([{ name: 'events', partitions: [{ partitionIndex: 1, errorCode: 0 }] }]);
    const v1 = await call(fetch, { ...OffsetFetchRequest.defaults(), groupId: 'oc', topics: [{ name: 'events', partitionIndexes: [0, 1] }] }, 1);
    expect(v1.topics[0]?.partitions).toEqual([
      { partitionIndex: 0, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
      // v0 commits carry no leader epoch.
      { partitionIndex: 1, committedOffset: 42n, committedLeaderEpoch: -1, metadata: 'hello', errorCode: 0 },
    ]);
    await call(commit, {
      ...OffsetCommitRequest.defaults(), groupId: 'oc2', generationIdOrMemberEpoch: -1,
      topics: [{ name: 'events', partitions: [{ partitionIndex: 0, committedOffset: 7n, committedLeaderEpoch: 3, commitTimestamp: -1n, committedMetadata: null }] }],
    }, 8);
    const v8 = await call(fetch, { ...OffsetFetchRequest.defaults(), groups: [{ groupId: 'oc', memberId: null, memberEpoch: -1, topics: null }, { groupId: 'oc2', memberId: null, memberEpoch: -1, topics: null }, { groupId: 'none', memberId: null, memberEpoch: -1, topics: null }] }, 8);
    expect(v8.groups.map((g) => [g.groupId, g.errorCode, g.topics.flatMap((t) => t.partitions.map((p) => `${t.name}-${p.partitionIndex}@${p.committedOffset}/${p.committedLeaderEpoch}`))])).toEqual([
      ['oc', 0, ['events-1@42/-1']],
      ['oc2', 0, ['events-0@7/3']],
      ['none', 0, []],
    ]);
  });

  it('ListGroups filters by state (v4) and type (v5); DescribeGroups reports authorized operations when asked (v3+); DeleteGroups', async () => {
    const list = createListGroupsHandler(services);
    const describeGroups = createDescribeGroupsHandler(services);
    const all = await call(list, ListGroupsRequest.defaults(), 0);
    expect(all.groups.find((g) => g.groupId === 'oc')).toEqual({ groupId: 'oc', protocolType: '', groupState: '', groupType: '' });
    const empty = await call(list, { ...ListGroupsRequest.defaults(), statesFilter: ['Empty'] }, 4);
    expect(empty.groups.find((g) => g.groupId === 'oc')).toMatchObject({ groupState: 'Empty' });
    const stable = await call(list, { ...ListGroupsRequest.defaults(), statesFilter: ['Stable'] }, 4);
    expect(stable.groups.find((g) => g.groupId === 'oc')).toBeUndefined();
    expect((await call(list, { ...ListGroupsRequest.defaults(), typesFilter: ['consumer'] }, 5)).groups).toEqual([]);
    expect((await call(list, { ...ListGroupsRequest.defaults(), typesFilter: ['classic'] }, 5)).groups.find((g) => g.groupId === 'oc')).toMatchObject({ groupType: 'classic' });

    const described = await call(describeGroups, { groups: ['oc', 'missing'], includeAuthorizedOperations: true }, 5);
    expect(described.groups.map((g) => [g.groupId, g.errorCode, g.groupState, g.authorizedOperations])).toEqual([
      ['oc', 0, 'Empty', 328],
      ['missing', 0, 'Dead', 328],
    ]);
    expect((await call(describeGroups, { ...DescribeGroupsRequest.defaults(), groups: ['oc'] }, 0)).groups[0]?.authorizedOperations).toBe(-2147483648);

    const del = createDeleteGroupsHandler(services);
    const deleted = await call(del, { ...DeleteGroupsRequest.defaults(), groupsNames: ['oc', 'missing', ''] }, 2);
    expect(deleted.results).toEqual([
      { groupId: 'oc', errorCode: 0 },
      { groupId: 'missing', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
      { groupId: '', errorCode: ErrorCode.INVALID_GROUP_ID },
    ]);
  });
});
