// Leader-side ISR rules, as Kafka's Partition and ReplicaState apply them (pure; the replica
// manager owns the state and the clock).
//
// * A follower's fetch offset is its log end offset. It is "caught up" at a fetch whose offset
//   reaches the leader's log end, and also (Kafka's lastFetchLeaderLogEndOffset rule) at a
//   fetch that reaches what the leader's log end was at the follower's previous fetch: then it
//   was caught up as of that previous fetch time.
// * Shrink: an ISR member other than the leader whose last caught-up time is more than
//   replica.lag.time.max.ms ago (and which is not at the leader's log end right now) leaves.
// * Expand: a replica outside the ISR joins once its log end reaches the high watermark and the
//   start of the current leader epoch, and the controller would accept it (registered, unfenced,
//   not shutting down).

export interface FollowerState {
  /** The follower's log end offset as its last fetch said; -1 before any fetch in this leader epoch. */
  logEndOffset: bigint;
  lastCaughtUpTimeMs: number;
  /** The leader's log end offset at the follower's previous fetch. */
  lastFetchLeaderLogEndOffset: bigint;
  lastFetchTimeMs: number;
  /** The broker epoch the follower fetched with (Fetch v15 ReplicaState); -1 when unknown. */
  brokerEpoch: bigint;
}

/** Kafka's makeLeader reset: ISR members count as caught up now, the others never were. */
export function freshFollowerState(inIsr: boolean, nowMs: number): FollowerState {
  return { logEndOffset: -1n, lastCaughtUpTimeMs: inIsr ? nowMs : 0, lastFetchLeaderLogEndOffset: -1n, lastFetchTimeMs: 0, brokerEpoch: -1n };
}

/** Kafka's ReplicaState.updateFetchState. */
export function recordFollowerFetch(state: FollowerState, fetchOffset: bigint, leaderLogEndOffset: bigint, nowMs: number, brokerEpoch: bigint): void {
  if (fetchOffset >= leaderLogEndOffset) state.lastCaughtUpTimeMs = Math.max(state.lastCaughtUpTimeMs, nowMs);
  else if (fetchOffset >= state.lastFetchLeaderLogEndOffset) state.lastCaughtUpTimeMs = Math.max(state.lastCaughtUpTimeMs, state.lastFetchTimeMs);
  state.logEndOffset = fetchOffset;
  state.lastFetchLeaderLogEndOffset = leaderLogEndOffset;
  state.lastFetchTimeMs = nowMs;
  state.brokerEpoch = brokerEpoch;
}

/** Kafka's ReplicaState.isCaughtUp. */
export function isCaughtUp(state: FollowerState, leaderLogEndOffset: bigint, nowMs: number, maxLagMs: number): boolean {
  return state.logEndOffset === leaderLogEndOffset || nowMs - state.lastCaughtUpTimeMs <= maxLagMs;
}

/** ISR members (not the leader) that have fallen out of sync. */
export function outOfSyncReplicas(
  isr: readonly number[],
  leaderId: number,
  followers: ReadonlyMap<number, FollowerState>,
  leaderLogEndOffset: bigint,
  nowMs: number,
  maxLagMs: number,
): number[] {
  return isr.filter((id) => {
    if (id === leaderId) return false;
    const state = followers.get(id);
    return state === undefined || !isCaughtUp(state, leaderLogEndOffset, nowMs, maxLagMs);
  });
}

/** Kafka's isFollowerInSync for an expansion. */
export function canJoinIsr(state: FollowerState, highWatermark: bigint, leaderEpochStartOffset: bigint): boolean {
  return state.logEndOffset >= 0n && state.logEndOffset >= highWatermark && state.logEndOffset >= leaderEpochStartOffset;
}
