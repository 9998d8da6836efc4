import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import {
  FetchSessionCache,
  fetchSessionCacheSlots,
  nextEpoch,
  type FetchSessionRequest,
  type SessionPartitionRequest,
  type SessionPartitionResult,
} from '../../../src/replication/fetch-sessions.js';

function part(topic: string, partition: number, fetchOffset = 0n): SessionPartitionRequest {
  return { topic, topicId: `id-${topic}`, partition, fetchOffset, currentLeaderEpoch: -1, maxBytes: 1024 };
}

function req(sessionId: number, epoch: number, partitions: SessionPartitionRequest[], extra: Partial<FetchSessionRequest> = {}): FetchSessionRequest {
  return { sessionId, epoch, usesTopicIds: false, partitions, forgotten: [], connectionId: 'c1', ...extra };
}

function results(partitions: readonly SessionPartitionRequest[], hw = 10n, bytes = 0, errorCode = 0): SessionPartitionResult[] {
  return partitions.map((request) => ({ request, result: { errorCode, highWatermark: hw, lastStableOffset: hw, logStartOffset: 0n, recordBytes: bytes } }));
}

function ids(start = 100): () => number {
  let next = start;
  return () => next++;
}

/** Opens a session over `partitions` and returns its id. */
function open(cache: FetchSessionCache, partitions: SessionPartitionRequest[], connectionId = 'c1'): number {
  const ctx = cache.newContext(req(0, 0, partitions, { connectionId }));
  if (ctx.kind !== 'full') throw new Error(`expected full, got ${ctx.kind}`);
  return cache.createSession(ctx.request, results(partitions));
}

describe('FetchSessionCache', () => {
  it('opens a session on (0, 0) with epoch 1, and an incremental request reads every session partition', () => {
    const cache = new FetchSessionCache({ maxSlots: 10, newId: ids() });
    const id = open(cache, [part('a', 0), part('a', 1)]);
    expect(id).toBe(100);
    expect(cache.get(id)?.epoch).toBe(1);
    const ctx = cache.newContext(req(id, 1, [part('b', 0)]));
    expect(ctx.kind).toBe('incremental');
    if (ctx.kind !== 'incremental') return;
    expect(ctx.partitions.map((p) => `${p.topic}-${p.partition}`)).toEqual(['a-0', 'a-1', 'b-0']);
    expect(cache.get(id)?.epoch).toBe(2);
  });

  it('answers INVALID_FETCH_SESSION_EPOCH for a wrong epoch and FETCH_SESSION_ID_NOT_FOUND for an unknown id', () => {
    const cache = new FetchSessionCache({ maxSlots: 10, newId: ids() });
    const id = open(cache, [part('a', 0)]);
    expect(cache.newContext(req(id, 5, []))).toEqual({ kind: 'error', errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH });
    expect(cache.newContext(req(id + 1, 1, []))).toEqual({ kind: 'error', errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND });
    // A failed request does not advance the epoch.
    expect(cache.newContext(req(id, 1, [])).kind).toBe('incremental');
  });

  it('refuses to mix topic-id and topic-name requests in one session', () => {
    const cache = new FetchSessionCache({ maxSlots: 10, newId: ids() });
    const id = open(cache, [part('a', 0)]);
    expect(cache.newContext(req(id, 1, [], { usesTopicIds: true }))).toEqual({ kind: 'error', errorCode: ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR });
  });

  it('sends only partitions with records, errors or changed offsets in incremental answers', () => {
    const cache = new FetchSessionCache({ maxSlots: 10, newId: ids() });
    const parts = [part('a', 0), part('a', 1), part('a', 2)];
    const id = open(cache, parts);
    const session = cache.get(id)!;
    const ctx = cache.newContext(req(id, 1, []));
    if (ctx.kind !== 'incremental') throw new Error(ctx.kind);
    const pairs = results(ctx.partitions);
    // a-0 unchanged, a-1 has records, a-2 has a new high watermark.
    pairs[1] = { request: pairs[1]!.request, result: { ...pairs[1]!.result, recordBytes: 70 } };
    pairs[2] = { request: pairs[2]!.request, result: { ...pairs[2]!.result, highWatermark: 11n } };
    expect(session.select(pairs)).toEqual([false, true, true]);
    // The partition that returned data moves to the back.
    expect(session.requests().map((p) => p.partition)).toEqual([0, 2, 1]);
    // Nothing new: nothing sent.
    expect(session.select(results(session.requests(), 10n).map((r) => (r.request.partition === 2 ? { ...r, result: { ...r.result, highWatermark: 11n, lastStableOffset: 10n } } : r)))).toEqual([false, false, false]);
    // An error is always sent, and the partition is sent again when it recovers.
    const errored = results(session.requests(), 10n, 0, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(session.select(errored)).toEqual([true, true, true]);
    expect(session.select(results(session.requests(), 10n))).toEqual([true, true, true]);
  });

  it('drops forgotten partitions and closes a session that becomes empty', () => {
    const cache = new FetchSessionCache({ maxSlots: 10, newId: ids() });
    const id = open(cache, [part('a', 0), part('b', 0)]);
    const ctx = cache.newContext(req(id, 1, [], { forgotten: [{ topicKey: 'a', partition: 0 }] }));
    expect(ctx.kind === 'incremental' && ctx.partitions.map((p) => p.topic)).toEqual(['b']);
    const last = cache.newContext(req(id, 2, [], { forgotten: [{ topicKey: 'b', partition: 0 }] }));
    expect(last).toEqual({ kind: 'sessionless', partitions: [] });
    expect(cache.get(id)).toBeUndefined();
  });

  it('updates a partition already in the session instead of adding it twice', () => {
    const cache = new FetchSessionCache({ maxSlots: 10, newId: ids() });
    const id = open(cache, [part('a', 0, 5n)]);
    const ctx = cache.newContext(req(id, 1, [part('a', 0, 9n)]));
    expect(ctx.kind === 'incremental' && ctx.partitions.map((p) => p.fetchOffset)).toEqual([9n]);
  });

  it('closes a session on FINAL epoch (-1) and answers sessionless; (id, 0) replaces the session', () => {
    const cache = new FetchSessionCache({ maxSlots: 10, newId: ids() });
    const id = open(cache, [part('a', 0)]);
    expect(cache.newContext(req(id, -1, [part('a', 0)])).kind).toBe('sessionless');
    expect(cache.get(id)).toBeUndefined();
    const second = open(cache, [part('a', 0)]);
    const ctx = cache.newContext(req(second, 0, [part('a', 0)]));
    expect(ctx.kind).toBe('full');
    expect(cache.get(second)).toBeUndefined();
  });

  it('gives out no session when the cache is full of busier, fresh sessions, and evicts idle ones', () => {
    let now = 0;
    const cache = new FetchSessionCache({ maxSlots: 2, newId: ids(), now: () => now, evictionMs: 1000 });
    open(cache, [part('a', 0), part('a', 1)]);
    open(cache, [part('b', 0), part('b', 1)]);
    expect(open(cache, [part('c', 0)])).toBe(0);
    // A larger session may replace the smallest one.
    const big = open(cache, [part('d', 0), part('d', 1), part('d', 2)]);
    expect(big).not.toBe(0);
    expect(cache.size).toBe(2);
    now = 5000;
    expect(open(cache, [part('e', 0)])).not.toBe(0);
    expect(cache.size).toBe(2);
  });

  it('opens no session with zero slots', () => {
    const cache = new FetchSessionCache({ maxSlots: 0 });
    expect(open(cache, [part('a', 0)])).toBe(0);
  });

  it('drops a connection\'s sessions when it closes', () => {
    const cache = new FetchSessionCache({ maxSlots: 10, newId: ids() });
    const mine = open(cache, [part('a', 0)], 'c1');
    const theirs = open(cache, [part('a', 0)], 'c2');
    cache.connectionClosed('c1');
    expect(cache.get(mine)).toBeUndefined();
    expect(cache.get(theirs)).toBeDefined();
  });

  it('wraps epochs to 1 and reads the slot count from broker config', () => {
    expect(nextEpoch(0)).toBe(1);
    expect(nextEpoch(2147483647)).toBe(1);
    expect(fetchSessionCacheSlots(new Map())).toBe(1000);
    expect(fetchSessionCacheSlots(new Map([['max.incremental.fetch.session.cache.slots', '7']]))).toBe(7);
  });
});
