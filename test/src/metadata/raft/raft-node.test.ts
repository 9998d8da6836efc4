// One test per KRaft rule, driving RaftNode by hand: exact messages in, exact effects and
// messages out. Randomness is pinned (rng 0 → election timeout exactly 1000 ms).
import { describe, expect, it } from 'vitest';
import { InMemoryRaftLog } from '../../../../src/metadata/raft/memory-log.js';
import { RaftNode } from '../../../../src/metadata/raft/raft-node.js';
import {
  DEFAULT_RAFT_CONFIG,
  RaftErrorCode,
  type FetchRequest,
  type FetchResponse,
  type FetchSnapshotRequest,
  type LogEntry,
  type PersistedQuorumState,
  type RaftConfig,
  type RaftMessage,
  type RaftOutput,
} from '../../../../src/metadata/raft/types.js';

const zeroRng = { nextFloat: () => 0 };

function entry(offset: number, epoch: number): LogEntry {
  return { offset: BigInt(offset), epoch, payload: new Uint8Array([offset & 255]) };
}

/** A log whose entry i has epoch epochs[i]. */
function logOf(epochs: number[]): InMemoryRaftLog {
  const log = new InMemoryRaftLog();
  log.append(epochs.map((epoch, offset) => entry(offset, epoch)));
  return log;
}

function persisted(fields: Partial<PersistedQuorumState>): PersistedQuorumState {
  return { leaderId: -1, leaderEpoch: 0, votedId: -1, appliedOffset: 0n, currentVoters: [1, 2, 3], ...fields };
}

interface NodeSetup {
  id?: number;
  voters?: number[];
  log?: InMemoryRaftLog;
  state?: PersistedQuorumState;
  config?: Partial<RaftConfig>;
  rng?: { nextFloat(): number };
}

function makeNode(setup: NodeSetup = {}): { node: RaftNode; log: InMemoryRaftLog; started: RaftOutput } {
  const log = setup.log ?? new InMemoryRaftLog();
  const node = new RaftNode({
    nodeId: setup.id ?? 1,
    voters: setup.voters ?? [1, 2, 3],
    config: { ...DEFAULT_RAFT_CONFIG, ...setup.config },
    log,
    persisted: setup.state,
    rng: setup.rng ?? zeroRng,
  });
  return { node, log, started: node.start(0) };
}

function sent<K extends RaftMessage['kind']>(out: RaftOutput, kind: K, to?: number): Extract<RaftMessage, { kind: K }>[] {
  return out.messages
    .filter((m) => m.message.kind === kind && (to === undefined || m.to === to))
    .map((m) => m.message as Extract<RaftMessage, { kind: K }>);
}

function onlySent<K extends RaftMessage['kind']>(out: RaftOutput, kind: K, to?: number): Extract<RaftMessage, { kind: K }> {
  const found = sent(out, kind, to);
  expect(found).toHaveLength(1);
  return found[0]!;
}

function effectsOf<T extends RaftOutput['effects'][number]['type']>(out: RaftOutput, type: T): Extract<RaftOutput['effects'][number], { type: T }>[] {
  return out.effects.filter((e) => e.type === type) as Extract<RaftOutput['effects'][number], { type: T }>[];
}

function fetchRequest(fields: Partial<FetchRequest>): FetchRequest {
  return { kind: 'FetchRequest', requestId: 1, replicaId: 2, currentLeaderEpoch: 1, fetchOffset: 0n, lastFetchedEpoch: 0, maxWaitMs: 0, ...fields };
}

/** Node 1 becomes leader of [1,2,3] in `epoch` with node 2's vote; returns the leader. */
function electLeader(setup: NodeSetup & { epoch: number }): { node: RaftNode; log: InMemoryRaftLog } {
  const { node, log } = makeNode({ ...setup, state: persisted({ leaderEpoch: setup.epoch - 1 }) });
  node.tick(1000);
  expect(node.role).toBe('candidate');
  node.handleMessage(2, { kind: 'VoteResponse', errorCode: 0, leaderId: -1, leaderEpoch: setup.epoch, voteGranted: true }, 1001);
  expect(node.role).toBe('leader');
  expect(node.currentEpoch).toBe(setup.epoch);
  return { node, log };
}

/** Delivers messages between in-memory nodes until none are left (a loss-free network). */
function settle(nodes: Map<number, RaftNode>, from: number, out: RaftOutput, nowMs: number): void {
  const queue = out.messages.map((m) => ({ from, ...m }));
  for (let delivered = 0; queue.length > 0; delivered++) {
    if (delivered > 10_000) throw new Error('messages never settle');
    const { from: sender, to, message } = queue.shift()!;
    const target = nodes.get(to);
    if (!target) continue;
    queue.push(...target.handleMessage(sender, message, nowMs).messages.map((m) => ({ from: to, ...m })));
  }
}

describe('RaftNode elections', () => {
  it('a sole voter elects itself, writes LeaderChange and commits proposals at once', () => {
    const { node, log, started } = makeNode({ voters: [1] });
    expect(node.role).toBe('leader');
    expect(node.currentEpoch).toBe(1);
    expect(log.entryAt(0n)?.control).toEqual({ type: 'LeaderChange', leaderId: 1, voters: [1], grantingVoters: [1] });
    expect(effectsOf(started, 'high-watermark')).toEqual([{ type: 'high-watermark', offset: 1n }]);
    const { result, output } = node.propose([new Uint8Array([7]), new Uint8Array([8])], 5);
    expect(result).toEqual({ accepted: true, epoch: 1, baseOffset: 1n, lastOffset: 2n });
    expect(effectsOf(output, 'high-watermark')).toEqual([{ type: 'high-watermark', offset: 3n }]);
  });

  it('a voter stands for election after a randomized election timeout in [timeout, 2*timeout)', () => {
    const { node } = makeNode({ rng: { nextFloat: () => 0.5 } });
    expect(node.nextWakeupMs()).toBe(1500);
    expect(node.tick(1499).messages).toEqual([]);
    const out = node.tick(1500);
    expect(node.role).toBe('candidate');
    expect(node.currentEpoch).toBe(1);
    expect(sent(out, 'VoteRequest').map((m) => m.candidateEpoch)).toEqual([1, 1]);
    // The vote for itself is on disk before the requests go out.
    expect(effectsOf(out, 'persist-quorum-state')[0]?.state).toMatchObject({ leaderEpoch: 1, votedId: 1, leaderId: -1 });
  });

  it('grants a vote to an up-to-date candidate and persists it before answering', () => {
    const { node } = makeNode({ log: logOf([1, 1]), state: persisted({ leaderEpoch: 1 }) });
    const out = node.handleMessage(2, { kind: 'VoteRequest', candidateEpoch: 2, candidateId: 2, lastOffsetEpoch: 1, lastOffset: 2n }, 10);
    expect(onlySent(out, 'VoteResponse')).toMatchObject({ voteGranted: true, leaderEpoch: 2, errorCode: 0 });
    const persists = effectsOf(out, 'persist-quorum-state');
    expect(persists[persists.length - 1]?.state).toMatchObject({ leaderEpoch: 2, votedId: 2 });
    expect(node.role).toBe('voted');
  });

  it('rejects a candidate whose log ends at an older epoch, even if it is longer', () => {
    const { node } = makeNode({ log: logOf([1, 2]), state: persisted({ leaderEpoch: 2 }) });
    const out = node.handleMessage(2, { kind: 'VoteRequest', candidateEpoch: 3, candidateId: 2, lastOffsetEpoch: 1, lastOffset: 9n }, 10);
    expect(onlySent(out, 'VoteResponse')).toMatchObject({ voteGranted: false, leaderEpoch: 3 });
    expect(node.role).toBe('unattached');
  });

  it('rejects a candidate with the same last epoch but a shorter log', () => {
    const { node } = makeNode({ log: logOf([1, 1, 1]), state: persisted({ leaderEpoch: 1 }) });
    const out = node.handleMessage(2, { kind: 'VoteRequest', candidateEpoch: 2, candidateId: 2, lastOffsetEpoch: 1, lastOffset: 2n }, 10);
    expect(onlySent(out, 'VoteResponse').voteGranted).toBe(false);
  });

  it('votes once per epoch: repeats the vote to the same candidate, refuses another', () => {
    const { node } = makeNode({ state: persisted({ leaderEpoch: 4, votedId: 2 }) });
    expect(node.role).toBe('voted');
    const request = { kind: 'VoteRequest', candidateEpoch: 4, lastOffsetEpoch: 0, lastOffset: 0n } as const;
    expect(onlySent(node.handleMessage(3, { ...request, candidateId: 3 }, 1), 'VoteResponse').voteGranted).toBe(false);
    expect(onlySent(node.handleMessage(2, { ...request, candidateId: 2 }, 2), 'VoteResponse').voteGranted).toBe(true);
  });

  it('fences a vote request from an older epoch', () => {
    const { node } = makeNode({ state: persisted({ leaderEpoch: 5 }) });
    const out = node.handleMessage(2, { kind: 'VoteRequest', candidateEpoch: 4, candidateId: 2, lastOffsetEpoch: 9, lastOffset: 99n }, 1);
    expect(onlySent(out, 'VoteResponse')).toMatchObject({ voteGranted: false, errorCode: RaftErrorCode.FENCED_LEADER_EPOCH, leaderEpoch: 5 });
  });

  it('a candidate with a majority becomes leader, announces the epoch and writes LeaderChange', () => {
    const { node, log, started } = makeNode({ log: logOf([1]), state: persisted({ leaderEpoch: 1 }) });
    expect(started.messages).toEqual([]);
    node.tick(1000);
    const out = node.handleMessage(3, { kind: 'VoteResponse', errorCode: 0, leaderId: -1, leaderEpoch: 2, voteGranted: true }, 1001);
    expect(node.role).toBe('leader');
    expect(sent(out, 'BeginQuorumEpochRequest').length).toBe(2);
    expect(log.entryAt(1n)).toMatchObject({ epoch: 2, control: { type: 'LeaderChange', leaderId: 1, grantingVoters: [1, 3] } });
    expect(effectsOf(out, 'role-changed')).toEqual([{ type: 'role-changed', role: 'leader', epoch: 2, leaderId: 1 }]);
  });

  it('a candidate rejected by a majority backs off and then stands again in a new epoch', () => {
    const { node } = makeNode({ rng: { nextFloat: () => 0.5 } });
    node.tick(1500);
    const rejection = { kind: 'VoteResponse', errorCode: 0, leaderId: -1, leaderEpoch: 1, voteGranted: false } as const;
    node.handleMessage(2, rejection, 1501);
    node.handleMessage(3, rejection, 1502);
    expect(node.role).toBe('candidate');
    expect(node.nextWakeupMs()).toBe(1502 + 500);
    node.tick(2002);
    expect(node.currentEpoch).toBe(2);
  });

  it('a leader steps down when a vote request carries a higher epoch', () => {
    const { node } = electLeader({ epoch: 2 });
    node.handleMessage(3, { kind: 'VoteRequest', candidateEpoch: 3, candidateId: 3, lastOffsetEpoch: 2, lastOffset: 1n }, 1100);
    expect(node.role).toBe('voted');
    expect(node.currentEpoch).toBe(3);
  });

  it('keeps the running election timer when a higher epoch arrives while no leader is known', () => {
    const { node } = makeNode({ log: logOf([1, 1]), state: persisted({ leaderEpoch: 1 }) });
    node.handleMessage(2, { kind: 'VoteRequest', candidateEpoch: 7, candidateId: 2, lastOffsetEpoch: 0, lastOffset: 0n }, 900);
    expect(node.currentEpoch).toBe(7);
    // Restarting the timer on every stale candidate's epoch would starve this node's own candidacy.
    expect(node.nextWakeupMs()).toBe(1000);
  });

  it('BeginQuorumEpoch makes a voter follow the new leader and fetch from it', () => {
    const { node } = makeNode({ id: 2, state: persisted({ leaderEpoch: 1 }) });
    const out = node.handleMessage(3, { kind: 'BeginQuorumEpochRequest', leaderId: 3, leaderEpoch: 2 }, 10);
    expect(node.role).toBe('follower');
    expect(node.currentLeaderId).toBe(3);
    expect(onlySent(out, 'BeginQuorumEpochResponse', 3)).toMatchObject({ errorCode: 0, leaderId: 3, leaderEpoch: 2 });
    expect(onlySent(out, 'FetchRequest', 3)).toMatchObject({ currentLeaderEpoch: 2, fetchOffset: 0n, lastFetchedEpoch: 0 });
    expect(effectsOf(out, 'persist-quorum-state')[0]?.state).toMatchObject({ leaderId: 3, leaderEpoch: 2 });
  });

  it('a follower that hears nothing for the fetch timeout stands for election; an observer only forgets the leader', () => {
    const voter = makeNode({ id: 2, state: persisted({ leaderId: 1, leaderEpoch: 3 }) }).node;
    voter.tick(1999);
    expect(voter.role).toBe('follower');
    voter.tick(2000);
    expect(voter.role).toBe('candidate');
    expect(voter.currentEpoch).toBe(4);

    const observer = makeNode({ id: 9, state: persisted({ leaderId: 1, leaderEpoch: 3 }) }).node;
    observer.tick(2000);
    expect(observer.role).toBe('unattached');
    expect(observer.currentEpoch).toBe(3);
  });
});

describe('RaftNode retries', () => {
  it('a candidate asks again only the voters that have not answered, after the request timeout', () => {
    const { node } = makeNode({ voters: [1, 2, 3, 4, 5], config: { requestTimeoutMs: 500 } });
    node.tick(1000);
    node.handleMessage(2, { kind: 'VoteResponse', errorCode: 0, leaderId: -1, leaderEpoch: 1, voteGranted: true }, 1001);
    node.handleMessage(3, { kind: 'VoteResponse', errorCode: 0, leaderId: -1, leaderEpoch: 1, voteGranted: false }, 1002);
    expect(node.nextWakeupMs()).toBe(1500);
    const out = node.tick(1500);
    expect(node.role).toBe('candidate');
    expect(out.messages.map((m) => m.to).sort()).toEqual([4, 5]);
  });

  it('a leader repeats BeginQuorumEpoch to voters that have not fetched, every half fetch timeout', () => {
    const { node } = electLeader({ epoch: 1 });
    node.handleMessage(2, fetchRequest({ fetchOffset: 1n, lastFetchedEpoch: 1, maxWaitMs: 500 }), 1100);
    const out = node.tick(1001 + DEFAULT_RAFT_CONFIG.fetchTimeoutMs / 2);
    expect(sent(out, 'BeginQuorumEpochRequest').length).toBe(1);
    expect(onlySent(out, 'BeginQuorumEpochRequest', 3)).toMatchObject({ leaderId: 1, leaderEpoch: 1 });
  });

  it('fences BeginQuorumEpoch and EndQuorumEpoch from an older epoch', () => {
    const { node } = makeNode({ id: 2, state: persisted({ leaderId: 3, leaderEpoch: 5 }) });
    const begin = node.handleMessage(1, { kind: 'BeginQuorumEpochRequest', leaderId: 1, leaderEpoch: 4 }, 1);
    expect(onlySent(begin, 'BeginQuorumEpochResponse')).toMatchObject({ errorCode: RaftErrorCode.FENCED_LEADER_EPOCH, leaderId: 3, leaderEpoch: 5 });
    const end = node.handleMessage(1, { kind: 'EndQuorumEpochRequest', leaderId: 1, leaderEpoch: 4, preferredSuccessors: [2] }, 2);
    expect(onlySent(end, 'EndQuorumEpochResponse').errorCode).toBe(RaftErrorCode.FENCED_LEADER_EPOCH);
    expect(node.role).toBe('follower');
    expect(node.currentLeaderId).toBe(3);
  });
});

describe('RaftNode restart from persisted quorum state', () => {
  it('a restarted leader resigns its epoch instead of leading again', () => {
    const { node, started } = makeNode({ state: persisted({ leaderId: 1, leaderEpoch: 6, votedId: 1 }) });
    expect(node.role).toBe('resigned');
    expect(node.currentEpoch).toBe(6);
    expect(sent(started, 'EndQuorumEpochRequest').length).toBe(2);
    node.tick(1000);
    expect(node.role).toBe('candidate');
    expect(node.currentEpoch).toBe(7);
  });

  it('a restarted candidate resumes its candidacy in the same epoch', () => {
    const { node, started } = makeNode({ state: persisted({ leaderEpoch: 4, votedId: 1 }) });
    expect(node.role).toBe('candidate');
    expect(node.currentEpoch).toBe(4);
    expect(sent(started, 'VoteRequest').map((m) => m.candidateEpoch)).toEqual([4, 4]);
  });
});

describe('RaftNode replication and the high watermark', () => {
  it('answers a fetch whose last epoch diverged with the end of the largest common epoch', () => {
    const { node } = electLeader({ log: logOf([1, 1]), epoch: 3 });
    // The fetcher has [1,1,2,2]: epoch 2 never reached this leader, whose epoch 1 ends at 2.
    const out = node.handleMessage(2, fetchRequest({ currentLeaderEpoch: 3, fetchOffset: 4n, lastFetchedEpoch: 2 }), 1100);
    const response = onlySent(out, 'FetchResponse', 2);
    expect(response.divergingEpoch).toEqual({ epoch: 1, endOffset: 2n });
    expect(response.records).toEqual([]);
    // A diverging fetch says nothing about what the replica holds.
    expect(node.describeQuorum(1100).currentVoters.find((r) => r.replicaId === 2)?.logEndOffset).toBe(-1n);
  });

  it('a follower truncates to the diverging epoch end and fetches again from there', () => {
    const { node, log, started } = makeNode({ id: 2, log: logOf([1, 1, 2, 2]), state: persisted({ leaderId: 1, leaderEpoch: 3 }) });
    const fetch = onlySent(started, 'FetchRequest', 1);
    expect(fetch).toMatchObject({ fetchOffset: 4n, lastFetchedEpoch: 2 });
    const response: FetchResponse = {
      kind: 'FetchResponse',
      requestId: fetch.requestId,
      errorCode: 0,
      highWatermark: 1n,
      logStartOffset: 0n,
      currentLeader: { leaderId: 1, leaderEpoch: 3 },
      divergingEpoch: { epoch: 1, endOffset: 2n },
      records: [],
    };
    const out = node.handleMessage(1, response, 10);
    expect(effectsOf(out, 'log-truncated')).toEqual([{ type: 'log-truncated', toOffset: 2n }]);
    expect(log.endOffset()).toBe(2n);
    expect(onlySent(out, 'FetchRequest', 1)).toMatchObject({ fetchOffset: 2n, lastFetchedEpoch: 1 });
  });

  it('a follower refuses to truncate below its high watermark', () => {
    const { node, started } = makeNode({ id: 2, log: logOf([1, 1, 1]), state: persisted({ leaderId: 1, leaderEpoch: 1 }) });
    const first = onlySent(started, 'FetchRequest', 1);
    const base = { kind: 'FetchResponse', errorCode: 0, logStartOffset: 0n, currentLeader: { leaderId: 1, leaderEpoch: 1 }, records: [] as LogEntry[] } as const;
    const next = onlySent(node.handleMessage(1, { ...base, requestId: first.requestId, highWatermark: 3n }, 1), 'FetchRequest', 1);
    expect(node.currentHighWatermark).toBe(3n);
    expect(() => node.handleMessage(1, { ...base, requestId: next.requestId, highWatermark: 3n, divergingEpoch: { epoch: 0, endOffset: 1n } }, 2)).toThrow(
      /below high watermark/,
    );
  });

  it('does not advance the high watermark onto entries of an older epoch until its own epoch is replicated', () => {
    const { node } = electLeader({ log: logOf([1, 1, 2]), epoch: 3 });
    // Log: [1,1,2] then LeaderChange of epoch 3 at offset 3.
    const first = node.handleMessage(2, fetchRequest({ currentLeaderEpoch: 3, fetchOffset: 3n, lastFetchedEpoch: 2 }), 1100);
    // A majority (1 and 2) holds offsets 0..2, all from older epochs: not committed yet.
    expect(effectsOf(first, 'high-watermark')).toEqual([]);
    expect(onlySent(first, 'FetchResponse', 2)).toMatchObject({ highWatermark: -1n, records: [{ offset: 3n, epoch: 3 }] });
    const second = node.handleMessage(2, fetchRequest({ requestId: 2, currentLeaderEpoch: 3, fetchOffset: 4n, lastFetchedEpoch: 3 }), 1101);
    expect(effectsOf(second, 'high-watermark')).toEqual([{ type: 'high-watermark', offset: 4n }]);
    expect(onlySent(second, 'FetchResponse', 2).highWatermark).toBe(4n);
  });

  it('observers fetch but do not count towards the high watermark', () => {
    const { node } = electLeader({ epoch: 1 });
    const observed = node.handleMessage(9, fetchRequest({ replicaId: 9, fetchOffset: 1n, lastFetchedEpoch: 1 }), 1100);
    expect(effectsOf(observed, 'high-watermark')).toEqual([]);
    const voted = node.handleMessage(2, fetchRequest({ fetchOffset: 1n, lastFetchedEpoch: 1 }), 1101);
    expect(effectsOf(voted, 'high-watermark')).toEqual([{ type: 'high-watermark', offset: 1n }]);
    const described = node.describeQuorum(1200);
    expect(described.observers.map((r) => r.replicaId)).toEqual([9]);
    expect(described.observers[0]).toMatchObject({ logEndOffset: 1n, lastFetchTimestamp: 1100n });
  });

  it('a follower caps the leader high watermark at its own log end', () => {
    const { node, started } = makeNode({ id: 2, state: persisted({ leaderId: 1, leaderEpoch: 1 }) });
    const fetch = onlySent(started, 'FetchRequest', 1);
    const out = node.handleMessage(
      1,
      { kind: 'FetchResponse', requestId: fetch.requestId, errorCode: 0, highWatermark: 5n, logStartOffset: 0n, currentLeader: { leaderId: 1, leaderEpoch: 1 }, records: [entry(0, 1), entry(1, 1)] },
      1,
    );
    expect(effectsOf(out, 'high-watermark')).toEqual([{ type: 'high-watermark', offset: 2n }]);
  });

  it('ignores a fetch response that does not answer the request in flight', () => {
    const { node, log, started } = makeNode({ id: 2, state: persisted({ leaderId: 1, leaderEpoch: 1 }) });
    const fetch = onlySent(started, 'FetchRequest', 1);
    const out = node.handleMessage(
      1,
      { kind: 'FetchResponse', requestId: fetch.requestId + 1, errorCode: 0, highWatermark: 1n, logStartOffset: 0n, currentLeader: { leaderId: 1, leaderEpoch: 1 }, records: [entry(0, 1)] },
      1,
    );
    expect(out.effects).toEqual([]);
    expect(log.endOffset()).toBe(0n);
  });

  it('parks a fetch with nothing new until an append or the max wait', () => {
    const { node } = electLeader({ epoch: 1 });
    // The fetch counted: 2 of 3 voters hold the LeaderChange record. The high watermark it
    // moved is news to the fetcher, so it is answered at once rather than parked.
    const first = node.handleMessage(2, fetchRequest({ fetchOffset: 1n, lastFetchedEpoch: 1, maxWaitMs: 500 }), 1100);
    expect(effectsOf(first, 'high-watermark')).toEqual([{ type: 'high-watermark', offset: 1n }]);
    expect(onlySent(first, 'FetchResponse', 2)).toMatchObject({ highWatermark: 1n, records: [] });
    // Asked again with nothing new and the high watermark known, the fetch is parked.
    const parked = node.handleMessage(2, fetchRequest({ requestId: 2, fetchOffset: 1n, lastFetchedEpoch: 1, maxWaitMs: 500 }), 1150);
    expect(sent(parked, 'FetchResponse')).toEqual([]);
    const { output } = node.propose([new Uint8Array([1])], 1200);
    expect(onlySent(output, 'FetchResponse', 2)).toMatchObject({ highWatermark: 1n, records: [{ offset: 1n }] });
    // Node 3's first fetch learns the high watermark at once; its next one waits out maxWaitMs.
    expect(onlySent(node.handleMessage(3, fetchRequest({ replicaId: 3, requestId: 4, fetchOffset: 2n, lastFetchedEpoch: 1, maxWaitMs: 500 }), 1250), 'FetchResponse', 3)).toMatchObject({ requestId: 4 });
    node.handleMessage(3, fetchRequest({ replicaId: 3, requestId: 5, fetchOffset: 2n, lastFetchedEpoch: 1, maxWaitMs: 500 }), 1300);
    expect(node.nextWakeupMs()).toBe(1800);
    expect(onlySent(node.tick(1800), 'FetchResponse', 3)).toMatchObject({ requestId: 5, records: [] });
  });

  it('rejects fetches from another epoch and points non-leaders at the leader', () => {
    const { node } = electLeader({ epoch: 2 });
    expect(onlySent(node.handleMessage(2, fetchRequest({ currentLeaderEpoch: 1 }), 1100), 'FetchResponse').errorCode).toBe(RaftErrorCode.FENCED_LEADER_EPOCH);
    expect(onlySent(node.handleMessage(2, fetchRequest({ currentLeaderEpoch: 3 }), 1100), 'FetchResponse').errorCode).toBe(RaftErrorCode.UNKNOWN_LEADER_EPOCH);
    const follower = makeNode({ id: 3, state: persisted({ leaderId: 1, leaderEpoch: 2 }) }).node;
    const answer = onlySent(follower.handleMessage(9, fetchRequest({ replicaId: 9, currentLeaderEpoch: 2 }), 5), 'FetchResponse');
    expect(answer).toMatchObject({ errorCode: RaftErrorCode.NOT_LEADER_OR_FOLLOWER, currentLeader: { leaderId: 1, leaderEpoch: 2 } });
  });

  it('an observer with no leader asks a voter and follows the leader it names', () => {
    const { node, started } = makeNode({ id: 9 });
    const ask = started.messages[0]!;
    expect(ask.message.kind).toBe('FetchRequest');
    const out = node.handleMessage(
      ask.to,
      { kind: 'FetchResponse', requestId: (ask.message as FetchRequest).requestId, errorCode: RaftErrorCode.NOT_LEADER_OR_FOLLOWER, highWatermark: -1n, logStartOffset: 0n, currentLeader: { leaderId: 2, leaderEpoch: 4 }, records: [] },
      3,
    );
    expect(node.role).toBe('follower');
    expect(onlySent(out, 'FetchRequest', 2).currentLeaderEpoch).toBe(4);
  });

  it('a leader that a majority stops fetching from resigns after 1.5 fetch timeouts (check quorum)', () => {
    const { node } = electLeader({ epoch: 1 });
    node.handleMessage(2, fetchRequest({ fetchOffset: 1n, lastFetchedEpoch: 1 }), 2000);
    node.tick(4999);
    expect(node.role).toBe('leader');
    const out = node.tick(5000);
    expect(node.role).toBe('resigned');
    expect(onlySent(out, 'EndQuorumEpochRequest', 2).preferredSuccessors).toEqual([2, 3]);
  });
});

describe('RaftNode graceful resignation', () => {
  it('sends EndQuorumEpoch with successors by progress; the first one stands at once', () => {
    const { node } = electLeader({ epoch: 1 });
    node.handleMessage(3, fetchRequest({ replicaId: 3, fetchOffset: 1n, lastFetchedEpoch: 1 }), 1100);
    const out = node.resign(1200);
    expect(node.role).toBe('resigned');
    const request = onlySent(out, 'EndQuorumEpochRequest', 2);
    expect(request).toMatchObject({ leaderId: 1, leaderEpoch: 1, preferredSuccessors: [3, 2] });

    const first = makeNode({ id: 3, state: persisted({ leaderId: 1, leaderEpoch: 1 }) }).node;
    const stood = first.handleMessage(1, request, 1201);
    expect(first.role).toBe('candidate');
    expect(sent(stood, 'VoteRequest').length).toBe(2);
    expect(first.currentEpoch).toBe(2);

    const second = makeNode({ id: 2, state: persisted({ leaderId: 1, leaderEpoch: 1 }) }).node;
    second.handleMessage(1, request, 1201);
    expect(second.nextWakeupMs()).toBeGreaterThan(1201);
  });
});

describe('RaftNode snapshots', () => {
  it('a follower behind the leader log start downloads the snapshot in chunks and resumes fetching after it', () => {
    const config = { snapshotChunkBytes: 3 };
    const leader = electLeader({ epoch: 1, config });
    const follower2 = makeNode({ id: 2, state: persisted({ leaderId: 1, leaderEpoch: 1 }), config });
    const nodes = new Map([
      [1, leader.node],
      [2, follower2.node],
    ]);
    settle(nodes, 2, follower2.started, 1100);
    settle(nodes, 1, leader.node.propose([new Uint8Array([1]), new Uint8Array([2]), new Uint8Array([3])], 1101).output, 1101);
    settle(nodes, 2, follower2.node.tick(1102), 1102);
    expect(leader.node.currentHighWatermark).toBe(4n);

    const snapshotBytes = new Uint8Array([10, 11, 12, 13, 14, 15, 16]);
    const taken = leader.node.snapshotTaken({ endOffset: 4n, epoch: 1 }, snapshotBytes);
    expect(effectsOf(taken, 'log-start-advanced')).toEqual([{ type: 'log-start-advanced', startOffset: 4n }]);
    expect(leader.log.startOffset()).toBe(4n);

    const follower3 = makeNode({ id: 3, state: persisted({ leaderId: 1, leaderEpoch: 1 }), config });
    const firstFetch = onlySent(follower3.started, 'FetchRequest', 1);
    const answer = onlySent(leader.node.handleMessage(3, firstFetch, 1200), 'FetchResponse', 3);
    expect(answer.snapshotId).toEqual({ endOffset: 4n, epoch: 1 });

    const effects: RaftOutput['effects'] = [];
    const requests: FetchSnapshotRequest[] = [];
    let out = follower3.node.handleMessage(1, answer, 1201);
    for (let step = 0; step < 10 && sent(out, 'FetchSnapshotRequest').length > 0; step++) {
      const request = onlySent(out, 'FetchSnapshotRequest', 1);
      requests.push(request);
      const response = onlySent(leader.node.handleMessage(3, request, 1202 + step), 'FetchSnapshotResponse', 3);
      out = follower3.node.handleMessage(1, response, 1202 + step);
      effects.push(...out.effects);
    }
    expect(requests.map((r) => r.position)).toEqual([0n, 3n, 6n]);
    expect(effects.filter((e) => e.type === 'snapshot-installed')).toEqual([{ type: 'snapshot-installed', snapshotId: { endOffset: 4n, epoch: 1 } }]);
    expect(follower3.node.currentHighWatermark).toBe(4n);
    expect(follower3.log.readSnapshot({ endOffset: 4n, epoch: 1 }, 0n, 100)?.bytes).toEqual(snapshotBytes);
    // Back to ordinary fetching, from the snapshot's end with the snapshot's epoch.
    expect(onlySent(out, 'FetchRequest', 1)).toMatchObject({ fetchOffset: 4n, lastFetchedEpoch: 1 });
  });

  it('refuses a snapshot past the high watermark or with the wrong epoch', () => {
    const { node } = makeNode({ voters: [1] });
    node.propose([new Uint8Array([1])], 1);
    expect(() => node.snapshotTaken({ endOffset: 3n, epoch: 1 }, new Uint8Array())).toThrow(/high watermark/);
    expect(() => node.snapshotTaken({ endOffset: 2n, epoch: 0 }, new Uint8Array())).toThrow(/epoch/);
  });

  it('sends the snapshot to a fetcher whose last epoch predates the snapshot', () => {
    const { node } = makeNode({ voters: [1], log: logOf([1, 1, 2]), state: persisted({ leaderEpoch: 2, currentVoters: [1] }) });
    node.propose([new Uint8Array([1])], 1);
    node.snapshotTaken({ endOffset: 4n, epoch: 3 }, new Uint8Array([1]));
    const request = fetchRequest({ replicaId: 9, currentLeaderEpoch: 3, fetchOffset: 5n, lastFetchedEpoch: 2 });
    expect(onlySent(node.handleMessage(9, request, 2), 'FetchResponse').snapshotId).toEqual({ endOffset: 4n, epoch: 3 });
  });
});

describe('RaftNode DescribeQuorum', () => {
  it('reports the leader, high watermark and each voter’s progress and timestamps', () => {
    const { node } = electLeader({ epoch: 1 });
    node.handleMessage(2, fetchRequest({ fetchOffset: 1n, lastFetchedEpoch: 1 }), 1500);
    const described = node.describeQuorum(1600);
    expect(described).toMatchObject({ errorCode: 0, leaderId: 1, leaderEpoch: 1, highWatermark: 1n, observers: [] });
    expect(described.currentVoters).toEqual([
      { replicaId: 1, logEndOffset: 1n, lastFetchTimestamp: 1600n, lastCaughtUpTimestamp: 1600n },
      { replicaId: 2, logEndOffset: 1n, lastFetchTimestamp: 1500n, lastCaughtUpTimestamp: 1500n },
      { replicaId: 3, logEndOffset: -1n, lastFetchTimestamp: -1n, lastCaughtUpTimestamp: -1n },
    ]);
    expect(makeNode({ id: 2 }).node.describeQuorum(0).errorCode).toBe(RaftErrorCode.NOT_LEADER_OR_FOLLOWER);
  });
});
