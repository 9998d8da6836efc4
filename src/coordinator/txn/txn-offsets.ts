// Offsets a transactional producer commits for a consumer group (TxnOffsetCommit) stay pending
// until its transaction ends: a commit hands them to the group coordinator's offset store, an
// abort drops them. Kafka keeps them as transactional records in __consumer_offsets that the
// group coordinator materializes at the marker; here the hand-over is a direct call.

export interface TxnOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly leaderEpoch: number;
  readonly metadata: string | null;
  readonly commitTimestamp: number;
}

/** The consumer that sent TxnOffsetCommit (v3+ carries it, KIP-447); -1 / '' / null before. */
export interface TxnOffsetMember {
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export const NO_MEMBER: TxnOffsetMember = { generationId: -1, memberId: '', groupInstanceId: null };

/** Where committed transactional offsets go: the group coordinator's offset-commit path. */
export interface TxnOffsetSink {
  /**
   * Resolves with nothing (or 0) once taken; a retriable coordinator error (the group's partition is
   * loading or moved) makes the marker wait, so the offsets are not dropped with it.
   */
  commitTransactionalOffsets(groupId: string, member: TxnOffsetMember, offsets: readonly TxnOffset[]): Promise<void | number>;
  /** TxnOffsetCommit's member check against the group (an error code, 0 when the member may commit). */
  validateMember?(groupId: string, member: TxnOffsetMember): Promise<number>;
}

/**
 * Stand-in until a group coordinator offset store is wired in: keeps the last committed offset per
 * group and partition in memory, so tests and DescribeTransactions-style checks can see them.
 */
export class InMemoryTxnOffsetSink implements TxnOffsetSink {
  readonly committed = new Map<string, Map<string, TxnOffset>>();
  /** Tests set a member check here; without one every member may commit. */
  validateMember?: (groupId: string, member: TxnOffsetMember) => Promise<number>;

  commitTransactionalOffsets(groupId: string, _member: TxnOffsetMember, offsets: readonly TxnOffset[]): Promise<void | number> {
    let group = this.committed.get(groupId);
    if (group === undefined) this.committed.set(groupId, (group = new Map()));
    for (const o of offsets) group.set(`${o.topic}:${o.partition}`, o);
    return Promise.resolve();
  }
}

interface PendingGroup {
  member: TxnOffsetMember;
  offsets: Map<string, TxnOffset>;
}

/** Pending offsets per producer id, then group, then topic-partition (the last write wins). */
export class PendingTxnOffsets {
  private readonly byProducer = new Map<bigint, Map<string, PendingGroup>>();

  add(producerId: bigint, groupId: string, member: TxnOffsetMember, offsets: readonly TxnOffset[]): void {
    let groups = this.byProducer.get(producerId);
    if (groups === undefined) this.byProducer.set(producerId, (groups = new Map()));
    let group = groups.get(groupId);
    if (group === undefined) groups.set(groupId, (group = { member, offsets: new Map() }));
    group.member = member;
    for (const o of offsets) group.offsets.set(`${o.topic}\u0000${o.partition}`, o);
  }

  producerIds(): bigint[] {
    return [...this.byProducer.keys()];
  }

  /** Whether any open transaction holds an offset for this group's partition (Kafka's "unstable" offset). */
  has(groupId: string, topic: string, partition: number): boolean {
    const key = `${topic}\u0000${partition}`;
    for (const groups of this.byProducer.values()) if (groups.get(groupId)?.offsets.has(key) === true) return true;
    return false;
  }

  /** The producer's pending offsets by group, left in place. */
  peek(producerId: bigint): Map<string, { member: TxnOffsetMember; offsets: TxnOffset[] }> {
    const out = new Map<string, { member: TxnOffsetMember; offsets: TxnOffset[] }>();
    for (const [groupId, group] of this.byProducer.get(producerId) ?? []) out.set(groupId, { member: group.member, offsets: [...group.offsets.values()] });
    return out;
  }

  /** The producer's pending offsets of the groups `which` selects (those of one __consumer_offsets partition), left in place. */
  peekGroups(producerId: bigint, which: (groupId: string) => boolean): Map<string, { member: TxnOffsetMember; offsets: TxnOffset[] }> {
    const out = this.peek(producerId);
    for (const groupId of [...out.keys()]) if (!which(groupId)) out.delete(groupId);
    return out;
  }

  /** Removes the producer's pending offsets of the groups `which` selects. */
  dropGroups(producerId: bigint, which: (groupId: string) => boolean): void {
    const groups = this.byProducer.get(producerId);
    if (groups === undefined) return;
    for (const groupId of [...groups.keys()]) if (which(groupId)) groups.delete(groupId);
    if (groups.size === 0) this.byProducer.delete(producerId);
  }

  /** Removes and returns the producer's pending offsets by group. */
  take(producerId: bigint): Map<string, { member: TxnOffsetMember; offsets: TxnOffset[] }> {
    const out = this.peek(producerId);
    this.byProducer.delete(producerId);
    return out;
  }
}
