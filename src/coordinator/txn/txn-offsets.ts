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
  commitTransactionalOffsets(groupId: string, member: TxnOffsetMember, offsets: readonly TxnOffset[]): Promise<void>;
}

/**
 * Stand-in until a group coordinator offset store is wired in: keeps the last committed offset per
 * group and partition in memory, so tests and DescribeTransactions-style checks can see them.
 */
export class InMemoryTxnOffsetSink implements TxnOffsetSink {
  readonly committed = new Map<string, Map<string, TxnOffset>>();

  commitTransactionalOffsets(groupId: string, _member: TxnOffsetMember, offsets: readonly TxnOffset[]): Promise<void> {
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

  /** Removes and returns the producer's pending offsets by group. */
  take(producerId: bigint): Map<string, { member: TxnOffsetMember; offsets: TxnOffset[] }> {
    const groups = this.byProducer.get(producerId);
    this.byProducer.delete(producerId);
    const out = new Map<string, { member: TxnOffsetMember; offsets: TxnOffset[] }>();
    for (const [groupId, group] of groups ?? []) out.set(groupId, { member: group.member, offsets: [...group.offsets.values()] });
    return out;
  }
}
