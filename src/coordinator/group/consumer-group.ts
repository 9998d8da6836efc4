// KIP-848 consumer groups: server-side assignment, member epochs and reconciliation.
// The data here is plain; GroupCoordinator owns it and changes it inside the group's queue.
import type { Cancel } from './scheduler.js';

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
  for (const [t, ps] of member.assigned) for (const p of ps) (has(target, t, p) ? add(kept, t, p) : add(revoke, t, p));
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
