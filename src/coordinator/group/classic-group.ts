// The state of one classic (JoinGroup/SyncGroup) group, as Kafka's ClassicGroup keeps it.
// Only the coordinator mutates it, always inside the group's serial queue.
import type { Cancel } from './scheduler.js';
import type { CommittedOffset } from './records.js';
import type { ConsumerGroupState } from './consumer-group.js';

export type ClassicGroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface JoinOutcome {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

export interface SyncOutcome {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

/** A response the coordinator owes a member once the rebalance gets far enough. */
export interface Pending<T> {
  resolve(value: T): void;
}

export interface MemberProtocol {
  readonly name: string;
  readonly metadata: Buffer;
}

export interface ClassicMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocolType: string;
  protocols: MemberProtocol[];
  assignment: Buffer;
  awaitingJoin: Pending<JoinOutcome> | null;
  awaitingSync: Pending<SyncOutcome> | null;
  /** Join version of the pending join, for what the response may carry. */
  joinVersion: number;
  /** Joined during the current rebalance (Kafka gives new members the session timeout to rejoin). */
  isNew: boolean;
  heartbeatTimer: Cancel | null;
}

export const EMPTY_BUFFER = Buffer.alloc(0);

export class ClassicGroup {
  state: ClassicGroupState = 'Empty';
  previousState: ClassicGroupState = 'Empty';
  stateTimestamp: number;
  generationId = 0;
  /** null for a "simple" group that only stores offsets. */
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, ClassicMember>();
  /** group.instance.id → member id of the static member holding it. */
  readonly staticMembers = new Map<string, string>();
  /** KIP-394: member ids handed out with MEMBER_ID_REQUIRED, not yet joined; value cancels their expiry. */
  readonly pendingMembers = new Map<string, Cancel>();
  /** Members that got their join response for this generation but have not sent SyncGroup. */
  readonly pendingSync = new Set<string>();
  /** Set while the group runs the KIP-848 consumer protocol; the classic fields are then unused. */
  consumer: ConsumerGroupState | null = null;
  /** Committed offsets: topic → partition → offset. */
  readonly offsets = new Map<string, Map<number, CommittedOffset>>();
  joinTimer: Cancel | null = null;
  syncTimer: Cancel | null = null;
  /** Set when a member joins during the initial delayed join, so the delay extends (InitialDelayedJoin). */
  newMemberAdded = false;

  constructor(
    readonly groupId: string,
    now: number,
  ) {
    this.stateTimestamp = now;
  }

  transitionTo(state: ClassicGroupState, now: number): void {
    this.previousState = this.state;
    this.state = state;
    this.stateTimestamp = now;
  }

  get isSimple(): boolean {
    return this.protocolType === null || this.protocolType === '';
  }

  hasMember(memberId: string): boolean {
    return this.members.has(memberId);
  }

  addMember(member: ClassicMember): void {
    if (this.members.size === 0) this.protocolType = member.protocolType;
    this.members.set(member.memberId, member);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    if (this.leaderId === null) this.leaderId = member.memberId;
  }

  removeMember(memberId: string): ClassicMember | undefined {
    const member = this.members.get(memberId);
    if (member === undefined) return undefined;
    this.members.delete(memberId);
    member.heartbeatTimer?.();
    member.heartbeatTimer = null;
    this.pendingSync.delete(memberId);
    if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId) {
      this.staticMembers.delete(member.groupInstanceId);
    }
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value ?? null;
    return member;
  }

  /** Re-keys a static member under a new member id (KIP-345 rejoin with an empty member id). */
  replaceStaticMember(oldMemberId: string, newMemberId: string): ClassicMember {
    const member = this.members.get(oldMemberId)!;
    this.members.delete(oldMemberId);
    member.memberId = newMemberId;
    this.members.set(newMemberId, member);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, newMemberId);
    if (this.leaderId === oldMemberId) this.leaderId = newMemberId;
    if (this.pendingSync.delete(oldMemberId)) this.pendingSync.add(newMemberId);
    return member;
  }

  get numAwaitingJoin(): number {
    let n = 0;
    for (const m of this.members.values()) if (m.awaitingJoin !== null) n++;
    return n;
  }

  hasAllMembersJoined(): boolean {
    return this.numAwaitingJoin === this.members.size && this.pendingMembers.size === 0;
  }

  /** The longest rebalance timeout among members: how long a rebalance waits for rejoins. */
  rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  /** Protocols every member supports. */
  candidateProtocols(): Set<string> {
    let candidates: Set<string> | null = null;
    for (const m of this.members.values()) {
      const names = new Set(m.protocols.map((p) => p.name));
      const previous: Set<string> | null = candidates;
      candidates = previous === null ? names : new Set<string>([...previous].filter((n: string) => names.has(n)));
    }
    return candidates ?? new Set();
  }

  /** Whether a joining member's protocols fit the group (Kafka's supportsProtocols). */
  supportsProtocols(protocolType: string, protocols: readonly MemberProtocol[]): boolean {
    if (this.members.size === 0) return protocolType.length > 0 && protocols.length > 0;
    if (protocolType !== this.protocolType) return false;
    const candidates = this.candidateProtocols();
    return protocols.some((p) => candidates.has(p.name));
  }

  /**
   * Kafka's selectProtocol: among protocols all members support, each member votes for the
   * first one in its own preference order; most votes wins (ties go to the earlier-listed by the
   * first member, which keeps the choice deterministic).
   */
  selectProtocol(): string {
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.protocols.find((p) => candidates.has(p.name));
      if (choice !== undefined) votes.set(choice.name, (votes.get(choice.name) ?? 0) + 1);
    }
    let best: string | null = null;
    let bestVotes = -1;
    const first = this.members.values().next().value as ClassicMember | undefined;
    const order = first?.protocols.map((p) => p.name) ?? [...candidates];
    for (const name of order) {
      const n = votes.get(name) ?? 0;
      if (candidates.has(name) && n > bestVotes) {
        best = name;
        bestVotes = n;
      }
    }
    if (best === null) throw new Error(`group ${this.groupId} has no protocol all members support`);
    return best;
  }

  metadataFor(member: ClassicMember, protocol: string | null = this.protocolName): Buffer {
    return member.protocols.find((p) => p.name === protocol)?.metadata ?? EMPTY_BUFFER;
  }

  /** Whether a rejoining member's protocols are the ones it had (no rebalance needed). */
  static sameProtocols(a: readonly MemberProtocol[], b: readonly MemberProtocol[]): boolean {
    return a.length === b.length && a.every((p, i) => p.name === b[i]!.name && p.metadata.equals(b[i]!.metadata));
  }

  offsetCount(): number {
    let n = 0;
    for (const partitions of this.offsets.values()) n += partitions.size;
    return n;
  }
}
