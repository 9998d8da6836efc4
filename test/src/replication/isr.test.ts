// Kafka's follower lag rules (ReplicaState.updateFetchState / isCaughtUp) and the expansion test.
import { describe, expect, it } from 'vitest';
import { canJoinIsr, freshFollowerState, isCaughtUp, outOfSyncReplicas, recordFollowerFetch } from '../../../src/replication/isr.js';

describe('follower lag', () => {
  it('counts a follower caught up at a fetch of the leader log end, or of the log end at its previous fetch', () => {
    const s = freshFollowerState(true, 1000);
    // Fetch at the log end: caught up now.
    recordFollowerFetch(s, 10n, 10n, 2000, 5n);
    expect(s.lastCaughtUpTimeMs).toBe(2000);
    // The leader appended (log end 20); the next fetch reaches 10 = the log end at the previous
    // fetch: caught up as of that previous fetch (2000), not now.
    recordFollowerFetch(s, 10n, 20n, 3000, 5n);
    expect(s.lastCaughtUpTimeMs).toBe(2000);
    recordFollowerFetch(s, 20n, 30n, 4000, 5n);
    expect(s.lastCaughtUpTimeMs).toBe(3000);
    // Falling further behind than the previous log end: no credit.
    recordFollowerFetch(s, 25n, 40n, 5000, 5n);
    expect(s.lastCaughtUpTimeMs).toBe(3000);
    expect(s).toMatchObject({ logEndOffset: 25n, lastFetchLeaderLogEndOffset: 40n, lastFetchTimeMs: 5000, brokerEpoch: 5n });
  });

  it('keeps a follower at the log end in sync however long ago it caught up, and drops a lagging one after the max lag', () => {
    const s = freshFollowerState(true, 0);
    recordFollowerFetch(s, 10n, 10n, 0, -1n);
    expect(isCaughtUp(s, 10n, 1_000_000, 1000)).toBe(true);
    expect(isCaughtUp(s, 11n, 1000, 1000)).toBe(true);
    expect(isCaughtUp(s, 11n, 1001, 1000)).toBe(false);
    const followers = new Map([[2, s], [3, freshFollowerState(true, 900)]]);
    expect(outOfSyncReplicas([1, 2, 3], 1, followers, 11n, 1500, 1000)).toEqual([2]);
    // A member with no state at all (never fetched in this epoch and not reset as in-sync) is out.
    expect(outOfSyncReplicas([1, 4], 1, followers, 11n, 1500, 1000)).toEqual([4]);
  });

  it('lets a follower join once it reaches the high watermark and the leader epoch start', () => {
    const s = freshFollowerState(false, 0);
    expect(canJoinIsr(s, 0n, 0n)).toBe(false); // never fetched
    recordFollowerFetch(s, 8n, 12n, 10, -1n);
    expect(canJoinIsr(s, 9n, 0n)).toBe(false);
    expect(canJoinIsr(s, 8n, 9n)).toBe(false);
    expect(canJoinIsr(s, 8n, 8n)).toBe(true);
  });
});
