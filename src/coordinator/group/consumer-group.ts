// KIP-848 consumer groups: server-side assignment, member epochs and reconciliation.
// The data here is plain; GroupCoordinator owns it and changes it inside the group's queue.
import type { Cancel } from './scheduler.js';
import {
  consumerGroupMetadataKey,
  consumerGroupMetadataValue,
  currentAssignmentKey,
  currentAssignmentValue,
  memberMetadataKey,
  memberMetadataValue,
  targetAssignmentMemberKey,
  targetAssignmentMemberValue,
  targetAssignmentMetadataKey,
  targetAssignmentMetadataValue,
  type ConsumerGroupRecord,
} from './records.js';

/** topic id → partitions. */
export type Assignment = Map<string, Set<number>>;

export type MemberState = 'stable' | 'unrevoked_partitions' | 'unreleased_partitions';

export interface ConsumerMember {
  memberId: string;
  instanceId: string | null;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[];
  serverAssignor: string | null;
  memberEpoch: number;
  previousMemberEpoch: number;
  state: MemberState;
  /** What the member owns now (and was told it may use). */
  assigned: Assignment;
  /** Partitions the member was asked to give up and has not yet acknowledged. */
  pendingRevocation: Assignment;
  sessionTimer: Cancel | null;
  revocationTimer: Cancel | null;
}

export class ConsumerGroupState {
  groupEpoch = 0;
  assignmentEpoch = 0;
  readonly members = new Map<string, ConsumerMember>();
  readonly staticMembers = new Map<string, string>();
  targetAssignment = new Map<string, Assignment>();
  /** The subscribed topics' ids and partition counts when the target was last computed. */
  topicSignature = '';
  /** Assignor that computed the target assignment. */
  assignorName = 'uniform';
  /** What __consumer_offsets holds for this group: record key (hex) → value (hex), to write only changes. */
  readonly persisted = new Map<string, string>();

  /** Kafka's consumer group states: empty, assigning, reconciling, stable. */
  get state(): 'Empty' | 'Assigning' | 'Reconciling' | 'Stable' {
    if (this.members.size === 0) return 'Empty';
    if (this.groupEpoch > this.assignmentEpoch) return 'Assigning';
    for (const m of this.members.values()) if (m.memberEpoch !== this.assignmentEpoch || m.state !== 'stable') return 'Reconciling';
    return 'Stable';
  }

  subscribedTopicNames(): Set<string> {
    const out = new Set<string>();
    for (const m of this.members.values()) for (const t of m.subscribedTopicNames) out.add(t);
    return out;
  }
}

export function copyAssignment(a: Assignment): Assignment {
  return new Map([...a].map(([t, p]) => [t, new Set(p)]));
}

export function assignmentEquals(a: Assignment, b: Assignment): boolean {
  const nonEmpty = (x: Assignment) => [...x].filter(([, p]) => p.size > 0);
  const left = nonEmpty(a);
  if (left.length !== nonEmpty(b).length) return false;
  return left.every(([t, p]) => {
    const q = b.get(t);
    return q !== undefined && q.size === p.size && [...p].every((n) => q.has(n));
  });
}

function has(a: Assignment, topicId: string, partition: number): boolean {
  return a.get(topicId)?.has(partition) ?? false;
}

function add(a: Assignment, topicId: string, partition: number): void {
  let set = a.get(topicId);
  if (set === undefined) a.set(topicId, (set = new Set()));
  set.add(partition);
}

export interface TopicInfo {
  readonly topicId: string;
  readonly name: string;
  readonly partitions: number;
}

export interface AssignorMember {
  readonly memberId: string;
  readonly topics: ReadonlySet<string>;
  /** The member's current target, so assignment stays sticky. */
  readonly current: Assignment;
}

/**
 * The uniform assignor, kept simple: every partition of the subscribed topics goes to a member
 * subscribed to its topic; partitions stay where they are while the owner is within its fair
 * share, the rest go to the least-loaded eligible member.
 */
export function uniformAssign(members: readonly AssignorMember[], topics: readonly TopicInfo[]): Map<string, Assignment> {
  const out = new Map<string, Assignment>(members.map((m) => [m.memberId, new Map()]));
  const load = new Map<string, number>(members.map((m) => [m.memberId, 0]));
  const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : 1));
  const total = topics.reduce((n, t) => n + (sorted.some((m) => m.topics.has(t.name)) ? t.partitions : 0), 0);
  const quota = Math.ceil(total / Math.max(1, members.length));
  const unassigned: [TopicInfo, number][] = [];
  for (const topic of topics) {
    for (let p = 0; p < topic.partitions; p++) {
      const owner = sorted.find((m) => m.topics.has(topic.name) && has(m.current, topic.topicId, p) && (load.get(m.memberId) ?? 0) < quota);
      if (owner !== undefined) {
        add(out.get(owner.memberId)!, topic.topicId, p);
        load.set(owner.memberId, (load.get(owner.memberId) ?? 0) + 1);
      } else {
        unassigned.push([topic, p]);
      }
    }
  }
  for (const [topic, p] of unassigned) {
    let best: AssignorMember | undefined;
    for (const m of sorted) if (m.topics.has(topic.name) && (best === undefined || load.get(m.memberId)! < load.get(best.memberId)!)) best = m;
    if (best === undefined) continue;
    add(out.get(best.memberId)!, topic.topicId, p);
    load.set(best.memberId, load.get(best.memberId)! + 1);
  }
  return out;
}

/** The range assignor: per topic, contiguous ranges over the subscribed members sorted by id. */
export function rangeAssign(members: readonly AssignorMember[], topics: readonly TopicInfo[]): Map<string, Assignment> {
  const out = new Map<string, Assignment>(members.map((m) => [m.memberId, new Map()]));
  for (const topic of topics) {
    const subscribers = members.filter((m) => m.topics.has(topic.name)).sort((a, b) => (a.memberId < b.memberId ? -1 : 1));
    if (subscribers.length === 0) continue;
    const per = Math.floor(topic.partitions / subscribers.length);
    const extra = topic.partitions % subscribers.length;
    let next = 0;
    subscribers.forEach((m, i) => {
      const count = per + (i < extra ? 1 : 0);
      for (let k = 0; k < count; k++) add(out.get(m.memberId)!, topic.topicId, next++);
    });
  }
  return out;
}

export const ASSIGNORS: Record<string, typeof uniformAssign> = { uniform: uniformAssign, range: rangeAssign };

/**
 * Moves a member toward its target (Kafka's CurrentAssignmentBuilder): partitions it must give
 * up are revoked first, and it keeps its epoch until it acknowledges; only then does it get the
 * new epoch and the target partitions that no other member still holds.
 * `ownedByOthers(topicId, p)` says whether another member still owns or is revoking a partition.
 */
export function reconcile(member: ConsumerMember, target: Assignment, targetEpoch: number, owned: Assignment | null, ownedByOthers: (topicId: string, p: number) => boolean): void {
  if (member.state === 'unrevoked_partitions') {
    // Waiting for the member to confirm it no longer owns the revoked partitions.
    const stillOwned = owned === null || [...member.pendingRevocation].some(([t, ps]) => [...ps].some((p) => has(owned, t, p)));
    if (stillOwned) return;
    member.pendingRevocation = new Map();
  }
  const kept: Assignment = new Map();
  const revoke: Assignment = new Map();
  for (const [t, ps] of member.assigned) for (const p of ps) add(has(target, t, p) ? kept : revoke, t, p);
  if (revoke.size > 0) {
    member.assigned = kept;
    member.pendingRevocation = revoke;
    member.state = 'unrevoked_partitions';
    return;
  }
  const next = copyAssignment(kept);
  let unreleased = false;
  for (const [t, ps] of target) {
    for (const p of ps) {
      if (has(next, t, p)) continue;
      if (ownedByOthers(t, p)) unreleased = true;
      else add(next, t, p);
    }
  }
  member.assigned = next;
  member.previousMemberEpoch = member.memberEpoch;
  member.memberEpoch = targetEpoch;
  member.state = unreleased ? 'unreleased_partitions' : 'stable';
}

/** Kafka's MemberState byte values (ConsumerGroupCurrentMemberAssignmentValue.state). */
const MEMBER_STATE_CODES: Record<MemberState, number> = { stable: 0, unrevoked_partitions: 1, unreleased_partitions: 2 };

function topicPartitionsOf(a: Assignment): { topicId: string; partitions: number[] }[] {
  return [...a].filter(([, p]) => p.size > 0).map(([topicId, p]) => ({ topicId, partitions: [...p].sort((x, y) => x - y) }));
}

function assignmentOf(list: readonly { topicId: string; partitions: number[] }[]): Assignment {
  return new Map(list.map((t) => [t.topicId, new Set(t.partitions)]));
}

/**
 * The records that describe the group now, in Kafka's ConsumerGroup* schemas, reduced to what
 * differs from what was last written: changed values, and tombstones for keys that went away
 * (an empty group writes tombstones for all of them). Call `markPersisted` once appended.
 */
export function consumerGroupChanges(groupId: string, cg: ConsumerGroupState, deleted = false): { key: Buffer; value: Buffer | null }[] {
  const now = new Map<string, { key: Buffer; value: Buffer }>();
  const put = (key: Buffer, value: Buffer) => now.set(key.toString('hex'), { key, value });
  if (!deleted) {
    for (const m of cg.members.values()) {
      put(memberMetadataKey(groupId, m.memberId), memberMetadataValue({
        instanceId: m.instanceId, rackId: m.rackId, clientId: m.clientId, clientHost: m.clientHost, subscribedTopicNames: m.subscribedTopicNames,
        subscribedTopicRegex: null, rebalanceTimeoutMs: m.rebalanceTimeoutMs, serverAssignor: m.serverAssignor, classicMemberMetadata: null,
      }));
      put(targetAssignmentMemberKey(groupId, m.memberId), targetAssignmentMemberValue({ topicPartitions: topicPartitionsOf(cg.targetAssignment.get(m.memberId) ?? new Map()) }));
      put(currentAssignmentKey(groupId, m.memberId), currentAssignmentValue({
        memberEpoch: m.memberEpoch, previousMemberEpoch: m.previousMemberEpoch, state: MEMBER_STATE_CODES[m.state],
        assignedPartitions: topicPartitionsOf(m.assigned), partitionsPendingRevocation: topicPartitionsOf(m.pendingRevocation),
      }));
    }
    put(targetAssignmentMetadataKey(groupId), targetAssignmentMetadataValue({ assignmentEpoch: cg.assignmentEpoch }));
    put(consumerGroupMetadataKey(groupId), consumerGroupMetadataValue({ epoch: cg.groupEpoch }));
  }
  const out: { key: Buffer; value: Buffer | null }[] = [];
  for (const [hex, record] of now) if (cg.persisted.get(hex) !== record.value.toString('hex')) out.push(record);
  for (const hex of cg.persisted.keys()) if (!now.has(hex)) out.push({ key: Buffer.from(hex, 'hex'), value: null });
  return out;
}

export function markPersisted(cg: ConsumerGroupState, written: readonly { key: Buffer; value: Buffer | null }[]): void {
  for (const r of written) {
    if (r.value === null) cg.persisted.delete(r.key.toString('hex'));
    else cg.persisted.set(r.key.toString('hex'), r.value.toString('hex'));
  }
}

/** Rebuilds a group from its last ConsumerGroup* records (tombstoned ones already dropped). */
export function restoreConsumerGroup(records: readonly { key: Buffer; value: Buffer; record: ConsumerGroupRecord }[]): ConsumerGroupState {
  const cg = new ConsumerGroupState();
  const member = (memberId: string): ConsumerMember => {
    let m = cg.members.get(memberId);
    if (m === undefined) {
      m = {
        memberId, instanceId: null, rackId: null, clientId: '', clientHost: '', rebalanceTimeoutMs: 0, subscribedTopicNames: [], serverAssignor: null,
        memberEpoch: 0, previousMemberEpoch: -1, state: 'stable', assigned: new Map(), pendingRevocation: new Map(), sessionTimer: null, revocationTimer: null,
      };
      cg.members.set(memberId, m);
    }
    return m;
  };
  for (const { key, value, record } of records) {
    cg.persisted.set(key.toString('hex'), value.toString('hex'));
    if (record.value === null) continue;
    switch (record.type) {
      case 3:
        cg.groupEpoch = record.value.epoch;
        break;
      case 6:
        cg.assignmentEpoch = record.value.assignmentEpoch;
        break;
      case 5: {
        const m = member(record.memberId);
        Object.assign(m, {
          instanceId: record.value.instanceId, rackId: record.value.rackId, clientId: record.value.clientId, clientHost: record.value.clientHost,
          subscribedTopicNames: record.value.subscribedTopicNames, rebalanceTimeoutMs: record.value.rebalanceTimeoutMs, serverAssignor: record.value.serverAssignor,
        });
        if (m.instanceId !== null) cg.staticMembers.set(m.instanceId, m.memberId);
        break;
      }
      case 7:
        cg.targetAssignment.set(record.memberId, assignmentOf(record.value.topicPartitions));
        break;
      case 8: {
        const m = member(record.memberId);
        const state = (Object.keys(MEMBER_STATE_CODES) as MemberState[]).find((k) => MEMBER_STATE_CODES[k] === record.value!.state) ?? 'stable';
        Object.assign(m, {
          memberEpoch: record.value.memberEpoch, previousMemberEpoch: record.value.previousMemberEpoch, state,
          assigned: assignmentOf(record.value.assignedPartitions), pendingRevocation: assignmentOf(record.value.partitionsPendingRevocation),
        });
        break;
      }
    }
  }
  return cg;
}
