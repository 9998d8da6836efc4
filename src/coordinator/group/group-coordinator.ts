// Kafka's group coordinator for classic groups: the JoinGroup/SyncGroup state machine, and
// committed offsets kept in memory and persisted in __consumer_offsets.
//
// Concurrency: every change to a group runs inside that group's serial queue. A JoinGroup or
// SyncGroup that must wait for other members returns a promise the state machine resolves
// later; callers await it outside the queue, so the queue is never blocked by a waiting member.
import { coordinatorAppendError } from '../append-errors.js';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import type { GroupMetadataValue } from '../../../protocol/generated/group-coordinator/group-metadata-value.js';
import { ConsumerProtocolSubscription } from '../../../protocol/generated/message/consumer-protocol-subscription.js';
import type { ConsumerGroupHeartbeatRequest } from '../../../protocol/generated/message/consumer-group-heartbeat-request.js';
import type { ConsumerGroupHeartbeatResponse } from '../../../protocol/generated/message/consumer-group-heartbeat-response.js';
import type {
  ConsumerGroupDescribeResponseDescribedGroup,
  ConsumerGroupDescribeResponseTopicPartitions,
} from '../../../protocol/generated/message/consumer-group-describe-response.js';
import { Reader } from '../../../protocol/runtime/index.js';
import type { BrokerConfig } from '../../config/server-properties.js';
import type { QuorumController } from '../../metadata/controller/controller.js';
import type { MetadataView } from '../../metadata/image/types.js';
import type { ReplicaManager } from '../../replication/replica-manager.js';
import { batchPositions, BatchHeader, buildRecordBatch, readRecordBatch, type RecordToWrite } from '../../records/index.js';
import { SerialQueue } from '../../storage/serial-queue.js';
import { ClassicGroup, EMPTY_BUFFER, type ClassicMember, type JoinOutcome, type MemberProtocol, type Pending, type SyncOutcome } from './classic-group.js';
import { OFFSETS_TOPIC, partitionForGroup } from './partition-for.js';
import {
  decodeCoordinatorRecord,
  groupMetadataKey,
  groupMetadataValue,
  offsetCommitKey,
  offsetCommitValue,
  type CommittedOffset,
  type ConsumerGroupRecord,
} from './records.js';
import { systemScheduler, type Cancel, type Scheduler } from './scheduler.js';
import {
  ASSIGNORS,
  ConsumerGroupState,
  assignmentEquals,
  consumerGroupChanges,
  copyAssignment,
  markPersisted,
  reconcile,
  restoreConsumerGroup,
  type Assignment,
  type ConsumerMember,
  type TopicInfo,
} from './consumer-group.js';

export type { JoinOutcome, SyncOutcome } from './classic-group.js';
export type { CommittedOffset } from './records.js';

/** Kafka's offset.metadata.max.bytes default. */
const OFFSET_METADATA_MAX_BYTES = 4096;
/** Read size when loading a partition (offsets.load.buffer.size). */
const LOAD_BUFFER_BYTES = 5 * 1024 * 1024;

export interface GroupCoordinatorOptions {
  readonly nodeId: number;
  readonly config: BrokerConfig;
  readonly metadata: MetadataView;
  readonly controller: QuorumController;
  readonly replicas: ReplicaManager;
  readonly log: Logger;
  readonly scheduler?: Scheduler;
}

export interface JoinGroupParams {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: MemberProtocol[];
  /** JoinGroup v4+: a first join gets MEMBER_ID_REQUIRED (KIP-394). */
  requireKnownMemberId: boolean;
  apiVersion: number;
}

export interface SyncGroupParams {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Buffer }[];
}

export interface MemberIdentity {
  memberId: string;
  groupInstanceId: string | null;
}

export interface LeaveOutcome {
  errorCode: number;
  members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

export interface OffsetCommitParams {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** -1 for the broker's offsets.retention.minutes. */
  retentionTimeMs: bigint;
  topics: { name: string; partitions: { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: string | null }[] }[];
  apiVersion: number;
  /**
   * Offsets of a committed transaction (TxnOffsetCommit): Kafka accepts those without a member
   * in a non-empty group (older TxnOffsetCommit versions carry none) and during CompletingRebalance.
   */
  transactional?: boolean;
}

export interface TopicPartitionsResult {
  name: string;
  partitions: { partitionIndex: number; errorCode: number }[];
}

export interface FetchedOffset {
  partitionIndex: number;
  committedOffset: bigint;
  committedLeaderEpoch: number;
  metadata: string | null;
  errorCode: number;
}

export interface OffsetFetchOutcome {
  errorCode: number;
  topics: { name: string; partitions: FetchedOffset[] }[];
}

export interface DescribedGroup {
  errorCode: number;
  groupId: string;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: { memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; memberMetadata: Buffer; memberAssignment: Buffer }[];
}

/** The request's fields (the generated type), plus who sent it. */
export type ConsumerHeartbeatParams = Omit<ConsumerGroupHeartbeatRequest, 'unknownTaggedFields'> & { clientId: string; clientHost: string };

export type ConsumerHeartbeatOutcome = Omit<ConsumerGroupHeartbeatResponse, 'throttleTimeMs' | 'unknownTaggedFields'>;

export type DescribedTopicPartitions = ConsumerGroupDescribeResponseTopicPartitions;

/** A described group as the response carries it; the handler adds the authorized operations. */
export type DescribedConsumerGroup = Omit<ConsumerGroupDescribeResponseDescribedGroup, 'authorizedOperations' | 'unknownTaggedFields'>;

/** KIP-848 member epochs with a meaning of their own. */
const LEAVE_GROUP_MEMBER_EPOCH = -1;
const LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2;

/** Short assignor name from group.consumer.assignors (class names or short names). */
function assignorName(configured: string): string {
  const lower = configured.toLowerCase();
  return lower.includes('range') ? 'range' : 'uniform';
}

function topicSignature(topics: readonly TopicInfo[]): string {
  return topics.map((t) => `${t.topicId}:${t.partitions}`).join(',');
}

function toAssignment(topicPartitions: readonly { topicId: string; partitions: number[] }[]): Assignment {
  return new Map(topicPartitions.map((t) => [t.topicId, new Set(t.partitions)]));
}

function fromAssignment(a: Assignment): { topicId: string; partitions: number[] }[] {
  return [...a].filter(([, p]) => p.size > 0).map(([topicId, p]) => ({ topicId, partitions: [...p].sort((x, y) => x - y) }));
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  groupState: string;
  groupType: string;
}

function errorJoin(errorCode: number, memberId = ''): JoinOutcome {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] };
}

function errorSync(errorCode: number): SyncOutcome {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BUFFER };
}

/**
 * An answer that comes later. Queue tasks return it instead of a bare promise, so that the
 * group's queue moves on instead of waiting for the other members.
 */
class Later<T> {
  constructor(readonly promise: Promise<T>) {}
}
type MaybeLater<T> = T | Later<T>;

function settle<T>(answer: MaybeLater<T>): T | Promise<T> {
  return answer instanceof Later ? answer.promise : answer;
}

function deferred<T>(): { promise: Promise<T>; pending: Pending<T> } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, pending: { resolve } };
}


/** Topics a consumer-protocol member subscribes to, from its JoinGroup metadata. */
export function subscribedTopics(metadata: Buffer): string[] | null {
  try {
    const reader = new Reader(metadata);
    const version = reader.int16();
    // Newer subscription versions keep the v3 prefix, so read them as the highest we know.
    return ConsumerProtocolSubscription.read(reader, Math.min(Math.max(version, 0), ConsumerProtocolSubscription.highestVersion)).topics;
  } catch {
    return null;
  }
}

export class GroupCoordinator {
  private readonly groups = new Map<string, ClassicGroup>();
  private readonly queues = new Map<string, SerialQueue>();
  /** Loads of __consumer_offsets partitions, started on first need. */
  private readonly loads = new Map<number, Promise<void>>();
  private creatingTopic: Promise<void> | null = null;
  private expiryTimer: Cancel | null = null;
  private stopped = false;
  /** Answers to members by API and error code (Kafka's per-error request metrics, in small). */
  private readonly answered = new Map<string, Map<number, number>>();
  private readonly scheduler: Scheduler;
  private readonly log: Logger;

  constructor(private readonly options: GroupCoordinatorOptions) {
    this.scheduler = options.scheduler ?? systemScheduler;
    this.log = options.log;
  }

  private get config(): BrokerConfig {
    return this.options.config;
  }

  get numPartitions(): number {
    return this.options.metadata.topic(OFFSETS_TOPIC)?.partitions.size ?? this.config.offsetsTopicNumPartitions;
  }

  partitionFor(groupId: string): number {
    return partitionForGroup(groupId, this.numPartitions);
  }

  /** Starts the periodic offset expiry (offsets.retention.check.interval.ms). */
  start(): void {
    this.scheduleExpiry();
  }

  stop(): void {
    this.stopped = true;
    this.expiryTimer?.();
    for (const group of this.groups.values()) this.cancelTimers(group);
  }

  private scheduleExpiry(): void {
    if (this.stopped) return;
    this.expiryTimer = this.scheduler.schedule(this.config.offsetsRetentionCheckIntervalMs, () => {
      this.expireOffsets().catch((error: unknown) => this.log.error({ err: error }, 'offset expiry failed'));
      this.scheduleExpiry();
    });
  }

  private tally(api: string, errorCode: number): void {
    let byCode = this.answered.get(api);
    if (byCode === undefined) this.answered.set(api, (byCode = new Map()));
    byCode.set(errorCode, (byCode.get(errorCode) ?? 0) + 1);
  }

  /** How many answers of each error code each member-facing API gave since start (NONE is 0). */
  answerCounts(): { api: string; errorCode: number; count: number }[] {
    return [...this.answered].flatMap(([api, byCode]) => [...byCode].map(([errorCode, count]) => ({ api, errorCode, count })));
  }

  /**
   * A classic group's generation and state as the coordinator holds them (DescribeGroups carries
   * no generation); for operators and for tests that must see that no rebalance happened.
   */
  async generation(groupId: string): Promise<{ generationId: number; state: string; leaderId: string | null; members: number } | null> {
    if ((await this.ready(groupId)) !== ErrorCode.NONE) return null;
    return this.inGroup(groupId, () => {
      const group = this.groups.get(groupId);
      return group === undefined ? null : { generationId: group.generationId, state: group.state, leaderId: group.leaderId, members: group.members.size };
    });
  }

  // ---- coordinator placement and loading ----

  /**
   * Whether this broker can serve groups now. Creates __consumer_offsets on first need, as Kafka
   * does; COORDINATOR_NOT_AVAILABLE until it exists.
   */
  ensureOffsetsTopic(): number {
    if (this.options.metadata.topic(OFFSETS_TOPIC) !== undefined) return ErrorCode.NONE;
    // Nobody awaits this: a failure (this node is not the controller, say) is logged, the client
    // keeps getting COORDINATOR_NOT_AVAILABLE and retries, and the next request tries again.
    this.creatingTopic ??= this.createOffsetsTopic()
      .catch((error: unknown) => this.log.warn({ err: error }, 'could not create __consumer_offsets'))
      .finally(() => (this.creatingTopic = null));
    return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }

  private async createOffsetsTopic(): Promise<void> {
    const live = [...this.options.metadata.brokers()].filter((b) => !b.fenced).length;
    const [outcome] = await this.options.controller.createTopics(
      [
        {
          name: OFFSETS_TOPIC,
          numPartitions: this.config.offsetsTopicNumPartitions,
          // Kafka refuses to create it with fewer live brokers; a dev node makes do with what there is.
          replicationFactor: Math.max(1, Math.min(this.config.offsetsTopicReplicationFactor, live)),
          assignments: new Map(),
          configs: new Map([
            ['cleanup.policy', 'compact'],
            ['compression.type', 'producer'],
            ['segment.bytes', String(this.config.offsetsTopicSegmentBytes)],
          ]),
        },
      ],
      false,
    );
    if (outcome !== undefined && outcome.errorCode !== ErrorCode.NONE && outcome.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) {
      this.log.warn({ errorCode: outcome.errorCode, message: outcome.errorMessage }, 'could not create __consumer_offsets');
    }
  }

  /** Whether this node leads the partition that coordinates `groupId` (for FindCoordinator). */
  coordinatorError(groupId: string): number {
    const missing = this.ensureOffsetsTopic();
    if (missing !== ErrorCode.NONE) return missing;
    const state = this.options.metadata.topic(OFFSETS_TOPIC)?.partitions.get(this.partitionFor(groupId));
    if (state === undefined || state.leader < 0) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return ErrorCode.NONE;
  }

  /** The error a group operation fails with before it can run, or NONE once the partition is loaded. */
  private async ready(groupId: string): Promise<number> {
    if (this.stopped) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const missing = this.ensureOffsetsTopic();
    if (missing !== ErrorCode.NONE) return missing;
    const partition = this.partitionFor(groupId);
    const hosted = this.options.replicas.partition(OFFSETS_TOPIC, partition);
    if (hosted === undefined) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    if (!hosted.isLeader) return ErrorCode.NOT_COORDINATOR;
    try {
      await this.loadPartition(partition);
    } catch (error) {
      this.log.error({ err: error, partition }, 'loading __consumer_offsets failed');
      this.loads.delete(partition);
      return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    }
    return ErrorCode.NONE;
  }

  /**
   * Leadership of a __consumer_offsets partition moved (replication, issue 6): one this broker
   * now leads is loaded at once; the groups of one it no longer leads are forgotten (their
   * timers stopped), so leading it again later reloads what the other leader wrote meanwhile.
   */
  onPartitionLeadership(partition: number, isLeader: boolean): void {
    if (this.stopped) return;
    if (isLeader) {
      this.loadPartition(partition).catch((error: unknown) => {
        this.log.error({ err: error, partition }, 'loading __consumer_offsets failed');
        this.loads.delete(partition);
      });
      return;
    }
    this.loads.delete(partition);
    for (const [groupId, group] of this.groups) {
      if (this.partitionFor(groupId) !== partition) continue;
      this.cancelTimers(group);
      this.groups.delete(groupId);
    }
  }

  private loadPartition(partition: number): Promise<void> {
    let load = this.loads.get(partition);
    if (load === undefined) {
      load = this.readPartition(partition);
      this.loads.set(partition, load);
    }
    return load;
  }

  /** Replays a __consumer_offsets partition from its start: the last value of each key wins. */
  private async readPartition(partition: number): Promise<void> {
    const log = this.options.replicas.partition(OFFSETS_TOPIC, partition)?.log;
    if (log === undefined) return;
    const end = log.logEndOffset;
    let offset = log.logStartOffset;
    const loadedGroups = new Map<string, GroupMetadataValue | null>();
    const loadedOffsets = new Map<string, Map<string, CommittedOffset | null>>();
    const loadedConsumer = new Map<string, Map<string, { key: Buffer; value: Buffer; record: ConsumerGroupRecord } | null>>();
    let records = 0;
    while (offset < end) {
      const read = log.read(offset, { maxBytes: LOAD_BUFFER_BYTES, maxOffset: end, minOneBatch: true });
      if (read.records.length === 0) break;
      for (const pos of batchPositions(read.records)) {
        const header = new BatchHeader(read.records, pos);
        offset = header.baseOffset + BigInt(header.lastOffsetDelta) + 1n;
        // Transaction markers; transactional offset commits belong to the transaction coordinator's work.
        if (header.isControl || header.isTransactional) continue;
        for (const record of await readRecordBatch(read.records, pos)) {
          if (record.key === null) continue;
          records++;
          const decoded = decodeCoordinatorRecord(record.key, record.value);
          if (decoded.type === 'group') {
            loadedGroups.set(decoded.group, decoded.value);
            if (decoded.value === null) loadedOffsets.delete(decoded.group);
          } else if (decoded.type === 'offset') {
            let offsets = loadedOffsets.get(decoded.group);
            if (offsets === undefined) loadedOffsets.set(decoded.group, (offsets = new Map()));
            offsets.set(`${decoded.partition}\u0000${decoded.topic}`, decoded.value);
          } else if (decoded.type === 'consumer') {
            let records = loadedConsumer.get(decoded.record.group);
            if (records === undefined) loadedConsumer.set(decoded.record.group, (records = new Map()));
            records.set(record.key.toString('hex'), record.value === null ? null : { key: record.key, value: record.value, record: decoded.record });
          }
        }
      }
    }
    const now = this.scheduler.now();
    for (const [groupId, value] of loadedGroups) {
      if (value === null) continue;
      this.groups.set(groupId, this.restoreGroup(groupId, value, now));
    }
    for (const [groupId, offsets] of loadedOffsets) {
      let group = this.groups.get(groupId);
      for (const [key, value] of offsets) {
        if (value === null) continue;
        if (group === undefined) this.groups.set(groupId, (group = new ClassicGroup(groupId, now)));
        const sep = key.indexOf('\u0000');
        this.putOffset(group, key.slice(sep + 1), Number(key.slice(0, sep)), value);
      }
    }
    for (const [groupId, byKey] of loadedConsumer) {
      const live = [...byKey.values()].filter((r) => r !== null);
      if (live.length === 0) continue;
      let group = this.groups.get(groupId);
      if (group === undefined) this.groups.set(groupId, (group = new ClassicGroup(groupId, now)));
      group.consumer = restoreConsumerGroup(live);
      group.protocolType = 'consumer';
      // Partition metadata records (type 4) are not written: take the topics as they are now.
      group.consumer.topicSignature = topicSignature(this.subscribedTopics(group.consumer));
      group.consumer.assignorName = this.preferredAssignor(group.consumer);
      // Members get one session timeout to heartbeat again, as classic members do.
      for (const member of group.consumer.members.values()) this.scheduleConsumerSession(group, member);
    }
    this.log[records > 0 ? 'info' : 'debug']({ partition, records, groups: loadedGroups.size }, 'loaded __consumer_offsets partition');
  }

  private restoreGroup(groupId: string, value: GroupMetadataValue, now: number): ClassicGroup {
    const group = new ClassicGroup(groupId, value.currentStateTimestamp >= 0n ? Number(value.currentStateTimestamp) : now);
    group.protocolType = value.protocolType;
    group.generationId = value.generation;
    group.protocolName = value.protocol;
    for (const m of value.members) {
      const member: ClassicMember = {
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeoutMs: m.rebalanceTimeout,
        sessionTimeoutMs: m.sessionTimeout,
        protocolType: value.protocolType,
        protocols: [{ name: value.protocol ?? '', metadata: m.subscription }],
        assignment: m.assignment,
        awaitingJoin: null,
        awaitingSync: null,
        joinVersion: 0,
        isNew: false,
        heartbeatTimer: null,
      };
      group.addMember(member);
      // Members get one session timeout after the load to show up again, as in Kafka.
      this.scheduleHeartbeatExpiry(group, member);
    }
    group.leaderId = value.leader !== null && group.members.has(value.leader) ? value.leader : group.leaderId;
    group.state = group.members.size === 0 ? 'Empty' : 'Stable';
    group.previousState = group.state;
    return group;
  }

  // ---- plumbing ----

  private queueFor(groupId: string): SerialQueue {
    let queue = this.queues.get(groupId);
    if (queue === undefined) this.queues.set(groupId, (queue = new SerialQueue()));
    return queue;
  }

  /** Runs `task` as the group's only writer. */
  private inGroup<T>(groupId: string, task: () => T | Promise<T>): Promise<T> {
    return this.queueFor(groupId).run(task);
  }

  /** Appends records to the group's __consumer_offsets partition; returns a coordinator error code. */
  private async append(groupId: string, records: RecordToWrite[]): Promise<number> {
    if (records.length === 0) return ErrorCode.NONE;
    const batch = await buildRecordBatch(records, { timestamp: BigInt(this.scheduler.now()) });
    const outcome = await this.options.replicas.produce(OFFSETS_TOPIC, this.partitionFor(groupId), batch, { acks: -1, produceVersion: 9 });
    if (outcome.errorCode !== ErrorCode.NONE) {
      this.log.warn({ groupId, errorCode: outcome.errorCode, message: outcome.errorMessage }, 'append to __consumer_offsets failed');
      return coordinatorAppendError(outcome.errorCode);
    }
    return ErrorCode.NONE;
  }

  private groupMetadataRecord(group: ClassicGroup): RecordToWrite {
    const value: GroupMetadataValue = {
      protocolType: group.protocolType ?? '',
      generation: group.generationId,
      protocol: group.protocolName,
      leader: group.leaderId,
      currentStateTimestamp: BigInt(group.stateTimestamp),
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeout: m.rebalanceTimeoutMs,
        sessionTimeout: m.sessionTimeoutMs,
        subscription: group.metadataFor(m),
        assignment: m.assignment,
      })),
    };
    return { key: groupMetadataKey(group.groupId), value: groupMetadataValue(value) };
  }

  private putOffset(group: ClassicGroup, topic: string, partition: number, value: CommittedOffset): void {
    let partitions = group.offsets.get(topic);
    if (partitions === undefined) group.offsets.set(topic, (partitions = new Map()));
    partitions.set(partition, value);
  }

  private cancelTimers(group: ClassicGroup): void {
    group.joinTimer?.();
    group.joinTimer = null;
    group.syncTimer?.();
    group.syncTimer = null;
    for (const cancel of group.pendingMembers.values()) cancel();
    for (const m of group.members.values()) {
      m.heartbeatTimer?.();
      m.heartbeatTimer = null;
    }
    for (const m of group.consumer?.members.values() ?? []) {
      m.sessionTimer?.();
      m.revocationTimer?.();
    }
  }

  /** Kafka's validateMember: static members are checked by instance id, so a stale member id is fenced. */
  private validateMember(group: ClassicGroup, memberId: string, groupInstanceId: string | null): number {
    if (groupInstanceId !== null) {
      const current = group.staticMembers.get(groupInstanceId);
      if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (current !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
      return ErrorCode.NONE;
    }
    return group.members.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  // ---- timers ----

  private scheduleHeartbeatExpiry(group: ClassicGroup, member: ClassicMember, timeoutMs = member.sessionTimeoutMs): void {
    member.heartbeatTimer?.();
    const memberId = member.memberId;
    member.heartbeatTimer = this.scheduler.schedule(timeoutMs, () => {
      void this.inGroup(group.groupId, () => this.onHeartbeatExpired(group, memberId, member));
    });
  }

  private onHeartbeatExpired(group: ClassicGroup, memberId: string, member: ClassicMember): void {
    if (this.groups.get(group.groupId) !== group || group.members.get(memberId) !== member) return;
    // A member waiting on a join or sync answer is alive by definition (Kafka's shouldKeepAlive).
    if (member.awaitingJoin !== null || member.awaitingSync !== null) {
      this.scheduleHeartbeatExpiry(group, member);
      return;
    }
    this.log.info({ groupId: group.groupId, memberId }, 'member session expired');
    this.removeMemberAndUpdateGroup(group, member, 'session timeout');
  }

  // ---- JoinGroup ----

  async joinGroup(params: JoinGroupParams): Promise<JoinOutcome> {
    const outcome = await this.join(params);
    this.tally('JoinGroup', outcome.errorCode);
    return outcome;
  }

  private async join(params: JoinGroupParams): Promise<JoinOutcome> {
    if (params.groupId === '') return errorJoin(ErrorCode.INVALID_GROUP_ID, params.memberId);
    if (params.sessionTimeoutMs < this.config.groupMinSessionTimeoutMs || params.sessionTimeoutMs > this.config.groupMaxSessionTimeoutMs) {
      return errorJoin(ErrorCode.INVALID_SESSION_TIMEOUT, params.memberId);
    }
    const notReady = await this.ready(params.groupId);
    if (notReady !== ErrorCode.NONE) return errorJoin(notReady, params.memberId);
    return settle(await this.inGroup(params.groupId, () => this.doJoin(params)));
  }

  /** Runs in the group's queue; returns the answer, or a promise of it when the member must wait. */
  private doJoin(params: JoinGroupParams): MaybeLater<JoinOutcome> | Promise<MaybeLater<JoinOutcome>> {
    let group = this.groups.get(params.groupId);
    const unknownMember = params.memberId === '';
    if (group === undefined) {
      if (!unknownMember) return errorJoin(ErrorCode.UNKNOWN_MEMBER_ID, params.memberId);
      this.groups.set(params.groupId, (group = new ClassicGroup(params.groupId, this.scheduler.now())));
    }
    if (group.state === 'Dead') return errorJoin(ErrorCode.COORDINATOR_NOT_AVAILABLE, params.memberId);
    if (group.consumer !== null) {
      // A classic member cannot join a running KIP-848 group (no online migration here); an empty one reverts.
      if (group.consumer.members.size > 0) return errorJoin(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, params.memberId);
      group.consumer = null;
    }
    if (!group.supportsProtocols(params.protocolType, params.protocols)) {
      return errorJoin(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, params.memberId);
    }
    if (!this.acceptJoiningMember(group, params.memberId)) {
      return errorJoin(ErrorCode.GROUP_MAX_SIZE_REACHED, params.memberId);
    }
    return unknownMember ? this.joinUnknownMember(group, params) : this.joinKnownMember(group, params);
  }

  private acceptJoiningMember(group: ClassicGroup, memberId: string): boolean {
    const max = this.config.groupMaxSize;
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return true;
      case 'PreparingRebalance':
        return (group.members.get(memberId)?.awaitingJoin ?? null) !== null || group.numAwaitingJoin < max;
      default:
        return group.hasMember(memberId) || group.members.size < max;
    }
  }

  private newMember(params: JoinGroupParams, memberId: string): ClassicMember {
    return {
      memberId,
      groupInstanceId: params.groupInstanceId,
      clientId: params.clientId,
      clientHost: params.clientHost,
      rebalanceTimeoutMs: params.rebalanceTimeoutMs,
      sessionTimeoutMs: params.sessionTimeoutMs,
      protocolType: params.protocolType,
      protocols: params.protocols,
      assignment: EMPTY_BUFFER,
      awaitingJoin: null,
      awaitingSync: null,
      joinVersion: params.apiVersion,
      isNew: false,
      heartbeatTimer: null,
    };
  }

  private joinUnknownMember(group: ClassicGroup, params: JoinGroupParams): MaybeLater<JoinOutcome> | Promise<MaybeLater<JoinOutcome>> {
    const newMemberId = `${params.groupInstanceId ?? params.clientId}-${randomUUID()}`;
    if (params.groupInstanceId !== null) {
      const existing = group.staticMembers.get(params.groupInstanceId);
      if (existing !== undefined) return this.updateStaticMemberAndRebalance(group, existing, newMemberId, params);
      return this.addMemberAndRebalance(group, params, newMemberId);
    }
    if (params.requireKnownMemberId) {
      // KIP-394: the member must come back with this id; until then it holds a pending slot.
      const cancel = this.scheduler.schedule(params.sessionTimeoutMs, () => {
        void this.inGroup(group.groupId, () => {
          if (group.pendingMembers.delete(newMemberId)) this.maybeCompleteJoin(group);
        });
      });
      group.pendingMembers.set(newMemberId, cancel);
      return errorJoin(ErrorCode.MEMBER_ID_REQUIRED, newMemberId);
    }
    return this.addMemberAndRebalance(group, params, newMemberId);
  }

  private joinKnownMember(group: ClassicGroup, params: JoinGroupParams): MaybeLater<JoinOutcome> | Promise<MaybeLater<JoinOutcome>> {
    const memberId = params.memberId;
    const pending = group.pendingMembers.get(memberId);
    if (pending !== undefined) {
      pending();
      group.pendingMembers.delete(memberId);
      return this.addMemberAndRebalance(group, params, memberId);
    }
    const invalid = this.validateMember(group, memberId, params.groupInstanceId);
    if (invalid !== ErrorCode.NONE) return errorJoin(invalid, memberId);
    const member = group.members.get(memberId)!;
    switch (group.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(group, member, params);
      case 'CompletingRebalance':
        if (ClassicGroup.sameProtocols(member.protocols, params.protocols)) {
          // A lost join response: answer again with this generation.
          return this.joinResponse(group, member, group.leaderId === memberId, false);
        }
        return this.updateMemberAndRebalance(group, member, params);
      case 'Stable':
        if (group.leaderId === memberId || !ClassicGroup.sameProtocols(member.protocols, params.protocols)) {
          // The leader rejoining, or changed metadata (e.g. a new subscription), starts a rebalance.
          return this.updateMemberAndRebalance(group, member, params);
        }
        return this.joinResponse(group, member, false, false);
      default:
        return errorJoin(ErrorCode.UNKNOWN_MEMBER_ID, memberId);
    }
  }

  private joinResponse(group: ClassicGroup, member: ClassicMember, withMembers: boolean, skipAssignment: boolean): JoinOutcome {
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      skipAssignment,
      memberId: member.memberId,
      members: withMembers
        ? [...group.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: group.metadataFor(m) }))
        : [],
    };
  }

  private awaitJoin(member: ClassicMember): Later<JoinOutcome> {
    const { promise, pending } = deferred<JoinOutcome>();
    member.awaitingJoin = pending;
    return new Later(promise);
  }

  private addMemberAndRebalance(group: ClassicGroup, params: JoinGroupParams, memberId: string): Later<JoinOutcome> {
    const member = this.newMember(params, memberId);
    member.isNew = true;
    const promise = this.awaitJoin(member);
    group.addMember(member);
    // During the initial delay a new member extends the wait (InitialDelayedJoin).
    if (group.state === 'PreparingRebalance' && group.previousState === 'Empty') group.newMemberAdded = true;
    // A new member that never completes its join is dropped after the session timeout.
    this.scheduleHeartbeatExpiry(group, member);
    this.maybePrepareRebalance(group, `Adding new member ${memberId}`);
    return promise;
  }

  private updateMemberAndRebalance(group: ClassicGroup, member: ClassicMember, params: JoinGroupParams): Later<JoinOutcome> {
    const previous = member.awaitingJoin;
    member.protocols = params.protocols;
    member.rebalanceTimeoutMs = params.rebalanceTimeoutMs;
    member.sessionTimeoutMs = params.sessionTimeoutMs;
    member.clientId = params.clientId;
    member.clientHost = params.clientHost;
    member.joinVersion = params.apiVersion;
    const promise = this.awaitJoin(member);
    // A second join from the same member supersedes the first, which learns it must rejoin.
    previous?.resolve(errorJoin(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
    if (group.state === 'PreparingRebalance') this.maybeCompleteJoin(group);
    else this.maybePrepareRebalance(group, `Updating metadata for member ${member.memberId}`);
    return promise;
  }

  private updateStaticMemberAndRebalance(group: ClassicGroup, oldMemberId: string, newMemberId: string, params: JoinGroupParams): MaybeLater<JoinOutcome> | Promise<MaybeLater<JoinOutcome>> {
    const oldMember = group.members.get(oldMemberId)!;
    const oldProtocols = oldMember.protocols;
    const currentLeader = group.leaderId ?? '';
    // The old incarnation is fenced: whatever it waits for ends with FENCED_INSTANCE_ID.
    oldMember.awaitingJoin?.resolve(errorJoin(ErrorCode.FENCED_INSTANCE_ID, oldMemberId));
    oldMember.awaitingJoin = null;
    oldMember.awaitingSync?.resolve(errorSync(ErrorCode.FENCED_INSTANCE_ID));
    oldMember.awaitingSync = null;
    const member = group.replaceStaticMember(oldMemberId, newMemberId);
    member.rebalanceTimeoutMs = params.rebalanceTimeoutMs;
    member.sessionTimeoutMs = params.sessionTimeoutMs;
    member.clientId = params.clientId;
    member.clientHost = params.clientHost;
    member.joinVersion = params.apiVersion;
    this.scheduleHeartbeatExpiry(group, member);
    switch (group.state) {
      case 'Stable': {
        // As Kafka: only a change of the protocol the next generation would select rebalances. The
        // metadata bytes may differ (a restarted cooperative member owns nothing yet) and do not.
        member.protocols = params.protocols;
        if (group.selectProtocol() !== group.protocolName) return this.updateMemberAndRebalance(group, member, params);
        // The replacement is persisted before the member hears of it. Awaited inside the queue:
        // nothing else changes the group until the record is written.
        return this.append(group.groupId, [this.groupMetadataRecord(group)]).then((error) => {
          if (error !== ErrorCode.NONE) {
            // Kafka reverts to the old member id, which the old incarnation still holds.
            member.protocols = oldProtocols;
            group.replaceStaticMember(newMemberId, oldMemberId);
            return errorJoin(error, newMemberId);
          }
          // KIP-814: a static leader that rejoins keeps the assignment; v9 tells it to skip
          // assigning and gets the members. Older versions are told the leader as it was before
          // the replacement (Kafka's currentLeader): a rejoined static leader then syncs as a
          // follower and gets its assignment back, instead of assigning with no members.
          if (params.apiVersion >= 9) {
            const isLeader = group.leaderId === newMemberId;
            return this.joinResponse(group, member, isLeader, isLeader);
          }
          return { ...this.joinResponse(group, member, false, false), leader: currentLeader };
        });
      }
      case 'CompletingRebalance':
        member.protocols = params.protocols;
        {
          const promise = this.awaitJoin(member);
          this.prepareRebalance(group, `Static member ${params.groupInstanceId} rejoined during CompletingRebalance`);
          return promise;
        }
      default:
        return this.updateMemberAndRebalance(group, member, params);
    }
  }

  private maybePrepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.state === 'Stable' || group.state === 'CompletingRebalance' || group.state === 'Empty') this.prepareRebalance(group, reason);
    else if (group.state === 'PreparingRebalance') this.maybeCompleteJoin(group);
  }

  private prepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.state === 'CompletingRebalance') this.resetAssignmentsWithError(group, ErrorCode.REBALANCE_IN_PROGRESS);
    group.syncTimer?.();
    group.syncTimer = null;
    group.pendingSync.clear();
    const initial = group.state === 'Empty';
    group.transitionTo('PreparingRebalance', this.scheduler.now());
    this.log.info({ groupId: group.groupId, generation: group.generationId, reason }, 'preparing to rebalance group');
    group.joinTimer?.();
    if (initial) {
      const delay = this.config.groupInitialRebalanceDelayMs;
      group.newMemberAdded = false;
      this.scheduleInitialJoin(group, delay, Math.max(group.rebalanceTimeoutMs() - delay, 0));
    } else {
      const generation = group.generationId;
      group.joinTimer = this.scheduler.schedule(group.rebalanceTimeoutMs(), () => {
        void this.inGroup(group.groupId, () => {
          if (group.state === 'PreparingRebalance' && group.generationId === generation) this.completeJoin(group);
        });
      });
      this.maybeCompleteJoin(group);
    }
  }

  /** Kafka's InitialDelayedJoin: wait `delay`, and again while new members keep arriving, up to the rebalance timeout. */
  private scheduleInitialJoin(group: ClassicGroup, delayMs: number, remainingMs: number): void {
    const generation = group.generationId;
    group.joinTimer = this.scheduler.schedule(delayMs, () => {
      void this.inGroup(group.groupId, () => {
        if (group.state !== 'PreparingRebalance' || group.generationId !== generation) return;
        if (group.newMemberAdded && remainingMs > 0) {
          group.newMemberAdded = false;
          const initial = this.config.groupInitialRebalanceDelayMs;
          this.scheduleInitialJoin(group, Math.min(initial, remainingMs), Math.max(remainingMs - initial, 0));
        } else {
          this.completeJoin(group);
        }
      });
    });
  }

  private maybeCompleteJoin(group: ClassicGroup): void {
    if (group.state === 'PreparingRebalance' && group.hasAllMembersJoined() && group.previousState !== 'Empty') this.completeJoin(group);
  }

  private completeJoin(group: ClassicGroup): void {
    group.joinTimer?.();
    group.joinTimer = null;
    // Dynamic members that did not rejoin in time are out; static ones stay (KIP-345), as in
    // Kafka, and learn of the new generation when they next heartbeat. Members still holding a
    // MEMBER_ID_REQUIRED id (KIP-394) keep it: they join the next generation when they come.
    for (const member of [...group.members.values()]) {
      if (member.awaitingJoin === null && member.groupInstanceId === null) group.removeMember(member.memberId);
    }
    // Kafka's maybeElectNewJoinedLeader: the leader must be a member that rejoined. If only
    // static members that did not rejoin are left, wait another rebalance timeout for them.
    if (group.members.size > 0 && !this.electJoinedLeader(group)) {
      const generation = group.generationId;
      group.joinTimer = this.scheduler.schedule(group.rebalanceTimeoutMs(), () => {
        void this.inGroup(group.groupId, () => {
          if (group.state === 'PreparingRebalance' && group.generationId === generation) this.completeJoin(group);
        });
      });
      return;
    }
    const now = this.scheduler.now();
    group.generationId++;
    if (group.members.size === 0) {
      group.protocolName = null;
      group.transitionTo('Empty', now);
      this.log.info({ groupId: group.groupId, generation: group.generationId }, 'group is empty');
      void this.append(group.groupId, [this.groupMetadataRecord(group)]);
      return;
    }
    group.protocolName = group.selectProtocol();
    group.transitionTo('CompletingRebalance', now);
    this.log.info({ groupId: group.groupId, generation: group.generationId, members: group.members.size, protocol: group.protocolName }, 'rebalance: join phase complete');
    for (const member of group.members.values()) {
      const isLeader = member.memberId === group.leaderId;
      const answer = this.joinResponse(group, member, isLeader, false);
      member.awaitingJoin?.resolve(answer);
      member.awaitingJoin = null;
      member.isNew = false;
      group.pendingSync.add(member.memberId);
      this.scheduleHeartbeatExpiry(group, member);
    }
    // Members that do not sync within the rebalance timeout are removed (Kafka's pending-sync expiry).
    const generation = group.generationId;
    group.syncTimer = this.scheduler.schedule(group.rebalanceTimeoutMs(), () => {
      void this.inGroup(group.groupId, () => {
        group.syncTimer = null;
        if (group.generationId !== generation || (group.state !== 'CompletingRebalance' && group.state !== 'Stable')) return;
        if (group.pendingSync.size === 0) return;
        for (const memberId of [...group.pendingSync]) group.removeMember(memberId);
        this.prepareRebalance(group, 'Removing members that did not sync in time');
      });
    });
  }

  /** Keeps the leader if it rejoined, else picks a member that did; false when none did. */
  private electJoinedLeader(group: ClassicGroup): boolean {
    const leader = group.leaderId === null ? undefined : group.members.get(group.leaderId);
    if (leader !== undefined && leader.awaitingJoin !== null) return true;
    for (const m of group.members.values()) {
      if (m.awaitingJoin !== null) {
        group.leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  private resetAssignmentsWithError(group: ClassicGroup, errorCode: number): void {
    for (const member of group.members.values()) {
      member.assignment = EMPTY_BUFFER;
      member.awaitingSync?.resolve(errorSync(errorCode));
      member.awaitingSync = null;
    }
  }

  private removeMemberAndUpdateGroup(group: ClassicGroup, member: ClassicMember, reason: string): void {
    // A member leaving while its join is pending hears that the rebalance went on without it.
    member.awaitingJoin?.resolve(errorJoin(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
    member.awaitingJoin = null;
    member.awaitingSync?.resolve(errorSync(ErrorCode.UNKNOWN_MEMBER_ID));
    member.awaitingSync = null;
    group.removeMember(member.memberId);
    if (group.state === 'Stable' || group.state === 'CompletingRebalance') this.prepareRebalance(group, `${reason}: removing ${member.memberId}`);
    else if (group.state === 'PreparingRebalance') this.maybeCompleteJoin(group);
  }

  // ---- SyncGroup ----

  async syncGroup(params: SyncGroupParams): Promise<SyncOutcome> {
    const outcome = await this.sync(params);
    this.tally('SyncGroup', outcome.errorCode);
    return outcome;
  }

  private async sync(params: SyncGroupParams): Promise<SyncOutcome> {
    if (params.groupId === '') return errorSync(ErrorCode.INVALID_GROUP_ID);
    const notReady = await this.ready(params.groupId);
    if (notReady !== ErrorCode.NONE) return errorSync(notReady);
    return settle(await this.inGroup(params.groupId, () => this.doSync(params)));
  }

  private async doSync(params: SyncGroupParams): Promise<MaybeLater<SyncOutcome>> {
    const group = this.groups.get(params.groupId);
    if (group === undefined) return errorSync(ErrorCode.UNKNOWN_MEMBER_ID);
    if (group.state === 'Dead') return errorSync(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const invalid = this.validateMember(group, params.memberId, params.groupInstanceId);
    if (invalid !== ErrorCode.NONE) return errorSync(invalid);
    if (params.generationId !== group.generationId) return errorSync(ErrorCode.ILLEGAL_GENERATION);
    if ((params.protocolType !== null && params.protocolType !== group.protocolType) || (params.protocolName !== null && params.protocolName !== group.protocolName)) {
      return errorSync(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    const member = group.members.get(params.memberId)!;
    switch (group.state) {
      case 'Empty':
        return errorSync(ErrorCode.UNKNOWN_MEMBER_ID);
      case 'PreparingRebalance':
        return errorSync(ErrorCode.REBALANCE_IN_PROGRESS);
      case 'Stable':
        group.pendingSync.delete(member.memberId);
        this.scheduleHeartbeatExpiry(group, member);
        return { errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment };
      case 'CompletingRebalance': {
        group.pendingSync.delete(member.memberId);
        this.scheduleHeartbeatExpiry(group, member);
        const { promise, pending } = deferred<SyncOutcome>();
        member.awaitingSync?.resolve(errorSync(ErrorCode.REBALANCE_IN_PROGRESS));
        member.awaitingSync = pending;
        if (member.memberId === group.leaderId) await this.completeSync(group, params.assignments);
        return new Later(promise);
      }
      default:
        return errorSync(ErrorCode.UNKNOWN_SERVER_ERROR);
    }
  }

  /** The leader's assignment: persist the generation with it, then answer every waiting member. */
  private async completeSync(group: ClassicGroup, assignments: SyncGroupParams['assignments']): Promise<void> {
    const byMember = new Map(assignments.map((a) => [a.memberId, a.assignment]));
    for (const m of group.members.values()) m.assignment = byMember.get(m.memberId) ?? EMPTY_BUFFER;
    const generation = group.generationId;
    const error = await this.append(group.groupId, [this.groupMetadataRecord(group)]);
    if (group.state !== 'CompletingRebalance' || group.generationId !== generation) return;
    if (error !== ErrorCode.NONE) {
      this.resetAssignmentsWithError(group, error);
      this.prepareRebalance(group, 'Failed to persist the group assignment');
      return;
    }
    group.transitionTo('Stable', this.scheduler.now());
    this.log.info({ groupId: group.groupId, generation }, 'group stabilized');
    for (const m of group.members.values()) {
      m.awaitingSync?.resolve({ errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: m.assignment });
      m.awaitingSync = null;
    }
  }

  // ---- Heartbeat ----

  async heartbeat(groupId: string, generationId: number, memberId: string, groupInstanceId: string | null): Promise<number> {
    const errorCode = await this.beat(groupId, generationId, memberId, groupInstanceId);
    this.tally('Heartbeat', errorCode);
    return errorCode;
  }

  private async beat(groupId: string, generationId: number, memberId: string, groupInstanceId: string | null): Promise<number> {
    const notReady = await this.ready(groupId);
    if (notReady !== ErrorCode.NONE) return notReady;
    return this.inGroup(groupId, () => {
      const group = this.groups.get(groupId);
      if (group === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      const invalid = this.validateMember(group, memberId, groupInstanceId);
      if (invalid !== ErrorCode.NONE) return invalid;
      if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
      const member = group.members.get(memberId)!;
      switch (group.state) {
        case 'Empty':
          return ErrorCode.UNKNOWN_MEMBER_ID;
        case 'PreparingRebalance':
          this.scheduleHeartbeatExpiry(group, member);
          return ErrorCode.REBALANCE_IN_PROGRESS;
        default:
          this.scheduleHeartbeatExpiry(group, member);
          return ErrorCode.NONE;
      }
    });
  }

  // ---- LeaveGroup ----

  async leaveGroup(groupId: string, members: MemberIdentity[]): Promise<LeaveOutcome> {
    const outcome = await this.leave(groupId, members);
    this.tally('LeaveGroup', outcome.errorCode);
    for (const m of outcome.members) this.tally('LeaveGroup', m.errorCode);
    return outcome;
  }

  private async leave(groupId: string, members: MemberIdentity[]): Promise<LeaveOutcome> {
    const notReady = await this.ready(groupId);
    if (notReady !== ErrorCode.NONE) return { errorCode: notReady, members: [] };
    return this.inGroup(groupId, () => {
      const group = this.groups.get(groupId);
      if (group === undefined) {
        return { errorCode: ErrorCode.NONE, members: members.map((m) => ({ ...m, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })) };
      }
      if (group.state === 'Dead') return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
      const results = members.map((identity) => ({ ...identity, errorCode: this.leaveOne(group, identity) }));
      return { errorCode: ErrorCode.NONE, members: results };
    });
  }

  private leaveOne(group: ClassicGroup, identity: MemberIdentity): number {
    let memberId = identity.memberId;
    if (identity.groupInstanceId !== null) {
      const current = group.staticMembers.get(identity.groupInstanceId);
      if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (memberId !== '' && memberId !== current) return ErrorCode.FENCED_INSTANCE_ID;
      memberId = current;
    } else {
      const pending = group.pendingMembers.get(memberId);
      if (pending !== undefined) {
        pending();
        group.pendingMembers.delete(memberId);
        this.maybeCompleteJoin(group);
        return ErrorCode.NONE;
      }
    }
    const member = group.members.get(memberId);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.removeMemberAndUpdateGroup(group, member, 'member left');
    return ErrorCode.NONE;
  }

  // ---- OffsetCommit ----

  async commitOffsets(params: OffsetCommitParams): Promise<TopicPartitionsResult[]> {
    const results = await this.commit(params);
    // One count per request and error code, however many partitions carried it.
    for (const code of new Set(results.flatMap((t) => t.partitions.map((p) => p.errorCode)))) this.tally('OffsetCommit', code);
    return results;
  }

  /**
   * TxnOffsetCommit's member check (Kafka's doTxnCommitOffsets), made when the offsets are sent
   * so the producer hears a stale member and aborts; at the transaction's commit the offsets land
   * without one. For the transaction coordinator.
   */
  async validateTxnOffsetCommit(groupId: string, member: { generationId: number; memberId: string; groupInstanceId: string | null }): Promise<number> {
    const notReady = await this.ready(groupId);
    if (notReady !== ErrorCode.NONE) return notReady;
    return this.inGroup(groupId, () => {
      const group = this.groups.get(groupId);
      if (group === undefined) return member.generationId >= 0 ? ErrorCode.ILLEGAL_GENERATION : ErrorCode.NONE;
      return this.validateOffsetCommit(group, { groupId, ...member, retentionTimeMs: -1n, topics: [], apiVersion: 9, transactional: true });
    });
  }

  private async commit(params: OffsetCommitParams): Promise<TopicPartitionsResult[]> {
    const all = (errorCode: number): TopicPartitionsResult[] =>
      params.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) }));
    if (params.groupId === '') return all(ErrorCode.INVALID_GROUP_ID);
    const notReady = await this.ready(params.groupId);
    if (notReady !== ErrorCode.NONE) return all(notReady);
    return this.inGroup(params.groupId, async () => {
      let group = this.groups.get(params.groupId);
      const now = this.scheduler.now();
      if (group === undefined) {
        if (params.generationId >= 0) return all(params.apiVersion >= 9 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION);
        // The admin client or a consumer without group management: a "simple" group.
        this.groups.set(params.groupId, (group = new ClassicGroup(params.groupId, now)));
      }
      const invalid = this.validateOffsetCommit(group, params);
      if (invalid !== ErrorCode.NONE) return all(invalid);
      const member = group.members.get(params.memberId);
      if (member !== undefined && group.state !== 'Empty') this.scheduleHeartbeatExpiry(group, member);
      const expireTimestamp = params.retentionTimeMs >= 0n ? BigInt(now) + params.retentionTimeMs : -1n;
      const records: RecordToWrite[] = [];
      const accepted: { topic: string; partition: number; value: CommittedOffset }[] = [];
      const results: TopicPartitionsResult[] = params.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          if (this.options.metadata.topic(t.name)?.partitions.get(p.partitionIndex) === undefined) {
            return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
          }
          const metadata = p.committedMetadata ?? '';
          if (Buffer.byteLength(metadata, 'utf8') > OFFSET_METADATA_MAX_BYTES) {
            return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE };
          }
          const value: CommittedOffset = { offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata, commitTimestamp: BigInt(now), expireTimestamp };
          records.push({ key: offsetCommitKey(params.groupId, t.name, p.partitionIndex), value: offsetCommitValue(value) });
          accepted.push({ topic: t.name, partition: p.partitionIndex, value });
          return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE };
        }),
      }));
      const error = await this.append(params.groupId, records);
      if (error !== ErrorCode.NONE) {
        for (const t of results) for (const p of t.partitions) if (p.errorCode === ErrorCode.NONE) p.errorCode = error;
        return results;
      }
      if (this.groups.get(params.groupId) === group) for (const a of accepted) this.putOffset(group, a.topic, a.partition, a.value);
      return results;
    });
  }

  /** Kafka's ClassicGroup.validateOffsetCommit (non-transactional). */
  private validateOffsetCommit(group: ClassicGroup, params: OffsetCommitParams): number {
    if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (group.consumer !== null) {
      // Kafka's ConsumerGroup.validateOffsetCommit: admin commits only while empty, members by epoch.
      if (params.generationId < 0 && params.memberId === '' && (group.consumer.members.size === 0 || params.transactional === true)) return ErrorCode.NONE;
      const member = group.consumer.members.get(params.memberId);
      if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (params.apiVersion < 9) return ErrorCode.UNSUPPORTED_VERSION;
      if (params.generationId !== member.memberEpoch) return ErrorCode.STALE_MEMBER_EPOCH;
      return ErrorCode.NONE;
    }
    if (params.generationId < 0 && group.state === 'Empty') return ErrorCode.NONE;
    if (params.generationId >= 0 || params.memberId !== '' || params.groupInstanceId !== null) {
      const invalid = this.validateMember(group, params.memberId, params.groupInstanceId);
      if (invalid !== ErrorCode.NONE) return invalid;
      if (params.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    } else if (params.transactional !== true && group.state !== 'Empty') {
      return ErrorCode.UNKNOWN_MEMBER_ID;
    }
    if (params.transactional !== true && group.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  // ---- OffsetFetch ----

  /**
   * `member` (OffsetFetch v9) is checked for KIP-848 groups as Kafka does: a member must fetch
   * with its current epoch; without a member id (admin clients) anyone may.
   */
  async fetchOffsets(groupId: string, topics: { name: string; partitionIndexes: number[] }[] | null, member: { memberId: string | null; memberEpoch: number } | null = null): Promise<OffsetFetchOutcome> {
    const notReady = await this.ready(groupId);
    if (notReady !== ErrorCode.NONE) {
      return {
        errorCode: notReady,
        topics: (topics ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: notReady })) })),
      };
    }
    return this.inGroup(groupId, () => {
      const group = this.groups.get(groupId);
      const cg = group?.consumer ?? null;
      if (cg !== null && member !== null && !(member.memberEpoch < 0 && member.memberId === null)) {
        const current = cg.members.get(member.memberId ?? '');
        if (current === undefined) return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID, topics: [] };
        if (current.memberEpoch !== member.memberEpoch) return { errorCode: ErrorCode.STALE_MEMBER_EPOCH, topics: [] };
      }
      const entry = (partitionIndex: number, value: CommittedOffset | undefined): FetchedOffset =>
        value === undefined
          ? { partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE }
          : { partitionIndex, committedOffset: value.offset, committedLeaderEpoch: value.leaderEpoch, metadata: value.metadata, errorCode: ErrorCode.NONE };
      if (topics === null) {
        const out: OffsetFetchOutcome['topics'] = [];
        for (const [name, partitions] of group?.offsets ?? []) {
          out.push({ name, partitions: [...partitions].sort((a, b) => a[0] - b[0]).map(([p, v]) => entry(p, v)) });
        }
        return { errorCode: ErrorCode.NONE, topics: out };
      }
      return {
        errorCode: ErrorCode.NONE,
        topics: topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => entry(p, group?.offsets.get(t.name)?.get(p))) })),
      };
    });
  }

  // ---- DescribeGroups / ListGroups ----

  async describeGroup(groupId: string): Promise<DescribedGroup> {
    const empty = (errorCode: number, groupState: string): DescribedGroup => ({ errorCode, groupId, groupState, protocolType: '', protocolData: '', members: [] });
    const notReady = await this.ready(groupId);
    if (notReady !== ErrorCode.NONE) return empty(notReady, '');
    return this.inGroup(groupId, () => {
      const group = this.groups.get(groupId);
      if (group === undefined) return empty(ErrorCode.NONE, 'Dead');
      if (group.consumer !== null) {
        const members = [...group.consumer.members.values()].map((m) => ({
          memberId: m.memberId, groupInstanceId: m.instanceId, clientId: m.clientId, clientHost: m.clientHost, memberMetadata: EMPTY_BUFFER, memberAssignment: EMPTY_BUFFER,
        }));
        return { errorCode: ErrorCode.NONE, groupId, groupState: group.consumer.state, protocolType: 'consumer', protocolData: '', members };
      }
      const stable = group.state === 'Stable';
      return {
        errorCode: ErrorCode.NONE,
        groupId,
        groupState: group.state,
        protocolType: group.protocolType ?? '',
        // Kafka shows the protocol, member metadata and assignments only for a Stable group.
        protocolData: stable ? group.protocolName ?? '' : '',
        members: [...group.members.values()].map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: stable ? group.metadataFor(m) : EMPTY_BUFFER,
          memberAssignment: stable ? m.assignment : EMPTY_BUFFER,
        })),
      };
    });
  }

  /** Groups of every loaded partition; unloaded partitions are loaded first. */
  async listGroups(statesFilter: readonly string[], typesFilter: readonly string[]): Promise<{ errorCode: number; groups: ListedGroup[] }> {
    // No offsets topic yet means no groups; listing does not create it (Kafka does not either).
    if (this.options.metadata.topic(OFFSETS_TOPIC) === undefined) return { errorCode: ErrorCode.NONE, groups: [] };
    const loadError = await this.loadAll();
    if (loadError !== ErrorCode.NONE) return { errorCode: loadError, groups: [] };
    const states = new Set(statesFilter.map((s) => s.toLowerCase()));
    const types = new Set(typesFilter.map((s) => s.toLowerCase()));
    const out: ListedGroup[] = [];
    for (const group of this.groups.values()) {
      if (group.state === 'Dead') continue;
      const type = group.consumer !== null ? 'consumer' : 'classic';
      const state = group.consumer !== null ? group.consumer.state : group.state;
      if (states.size > 0 && !states.has(state.toLowerCase())) continue;
      if (types.size > 0 && !types.has(type)) continue;
      out.push({ groupId: group.groupId, protocolType: group.consumer !== null ? 'consumer' : group.protocolType ?? '', groupState: state, groupType: type });
    }
    return { errorCode: ErrorCode.NONE, groups: out };
  }

  private async loadAll(): Promise<number> {
    for (let p = 0; p < this.numPartitions; p++) {
      const hosted = this.options.replicas.partition(OFFSETS_TOPIC, p);
      if (hosted === undefined) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
      if (!hosted.isLeader) continue;
      await this.loadPartition(p);
    }
    return ErrorCode.NONE;
  }

  // ---- DeleteGroups / OffsetDelete ----

  async deleteGroup(groupId: string): Promise<number> {
    if (groupId === '') return ErrorCode.INVALID_GROUP_ID;
    const notReady = await this.ready(groupId);
    if (notReady !== ErrorCode.NONE) return notReady;
    return this.inGroup(groupId, async () => {
      const group = this.groups.get(groupId);
      if (group === undefined || group.state === 'Dead') return ErrorCode.GROUP_ID_NOT_FOUND;
      if (group.state !== 'Empty' || (group.consumer?.members.size ?? 0) > 0) return ErrorCode.NON_EMPTY_GROUP;
      const records: RecordToWrite[] = [];
      for (const [topic, partitions] of group.offsets) for (const p of partitions.keys()) records.push({ key: offsetCommitKey(groupId, topic, p), value: null });
      records.push({ key: groupMetadataKey(groupId), value: null });
      if (group.consumer !== null) records.push(...consumerGroupChanges(groupId, group.consumer, true));
      const error = await this.append(groupId, records);
      if (error !== ErrorCode.NONE) return error;
      this.cancelTimers(group);
      group.transitionTo('Dead', this.scheduler.now());
      this.groups.delete(groupId);
      return ErrorCode.NONE;
    });
  }

  async deleteOffsets(groupId: string, topics: { name: string; partitions: number[] }[]): Promise<{ errorCode: number; topics: TopicPartitionsResult[] }> {
    const notReady = await this.ready(groupId);
    if (notReady !== ErrorCode.NONE) return { errorCode: notReady, topics: [] };
    return this.inGroup(groupId, async () => {
      const group = this.groups.get(groupId);
      if (group === undefined || group.state === 'Dead') return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] };
      // A consumer group that is not empty still owns the offsets of the topics it subscribes to.
      let subscribed = new Set<string>();
      if (group.consumer !== null) {
        subscribed = group.consumer.subscribedTopicNames();
      } else if (group.state !== 'Empty') {
        if (group.protocolType !== 'consumer') return { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] };
        for (const m of group.members.values()) for (const t of subscribedTopics(group.metadataFor(m)) ?? []) subscribed.add(t);
      } else {
        subscribed = new Set();
      }
      const records: RecordToWrite[] = [];
      const removed: [string, number][] = [];
      const results: TopicPartitionsResult[] = topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((partitionIndex) => {
          if (subscribed.has(t.name)) return { partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC };
          if (group.offsets.get(t.name)?.has(partitionIndex)) {
            records.push({ key: offsetCommitKey(groupId, t.name, partitionIndex), value: null });
            removed.push([t.name, partitionIndex]);
          }
          return { partitionIndex, errorCode: ErrorCode.NONE };
        }),
      }));
      const error = await this.append(groupId, records);
      if (error !== ErrorCode.NONE) return { errorCode: error, topics: [] };
      for (const [topic, partition] of removed) this.removeOffset(group, topic, partition);
      return { errorCode: ErrorCode.NONE, topics: results };
    });
  }

  private removeOffset(group: ClassicGroup, topic: string, partition: number): void {
    const partitions = group.offsets.get(topic);
    partitions?.delete(partition);
    if (partitions?.size === 0) group.offsets.delete(topic);
  }

  // ---- KIP-848 consumer groups ----

  async consumerGroupHeartbeat(params: ConsumerHeartbeatParams): Promise<ConsumerHeartbeatOutcome> {
    const outcome = await this.consumerBeat(params);
    this.tally('ConsumerGroupHeartbeat', outcome.errorCode);
    return outcome;
  }

  private async consumerBeat(params: ConsumerHeartbeatParams): Promise<ConsumerHeartbeatOutcome> {
    const fail = (errorCode: number, errorMessage: string | null = null): ConsumerHeartbeatOutcome => ({
      errorCode, errorMessage, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null,
    });
    // Kafka's throwIfConsumerGroupHeartbeatRequestIsInvalid.
    if (params.groupId === '') return fail(ErrorCode.INVALID_REQUEST, 'GroupId can\'t be empty.');
    if (params.instanceId === '') return fail(ErrorCode.INVALID_REQUEST, 'InstanceId can\'t be empty.');
    if (params.rackId === '') return fail(ErrorCode.INVALID_REQUEST, 'RackId can\'t be empty.');
    if ((params.memberEpoch > 0 || params.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH) && params.memberId === '') return fail(ErrorCode.INVALID_REQUEST, 'MemberId can\'t be empty.');
    if (params.memberEpoch === 0) {
      if (params.rebalanceTimeoutMs === -1) return fail(ErrorCode.INVALID_REQUEST, 'RebalanceTimeoutMs must be provided in first request.');
      if (params.topicPartitions === null || params.topicPartitions.length > 0) return fail(ErrorCode.INVALID_REQUEST, 'TopicPartitions must be empty when (re-)joining.');
      if (params.subscribedTopicNames === null || params.subscribedTopicNames.length === 0) return fail(ErrorCode.INVALID_REQUEST, 'SubscribedTopicNames must be set in first request.');
    } else if (params.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH && params.instanceId === null) {
      return fail(ErrorCode.INVALID_REQUEST, 'InstanceId can\'t be null.');
    } else if (params.memberEpoch < LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      return fail(ErrorCode.INVALID_REQUEST, `MemberEpoch is ${params.memberEpoch}, but must be greater than or equal to -2.`);
    }
    if (params.serverAssignor !== null && ASSIGNORS[params.serverAssignor] === undefined) {
      return fail(ErrorCode.UNSUPPORTED_ASSIGNOR, `ServerAssignor ${params.serverAssignor} is not supported. Supported assignors: ${Object.keys(ASSIGNORS).join(', ')}.`);
    }
    const notReady = await this.ready(params.groupId);
    if (notReady !== ErrorCode.NONE) return fail(notReady);
    return this.inGroup(params.groupId, async () => {
      let group = this.groups.get(params.groupId);
      const leaving = params.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH || params.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH;
      if (group === undefined) {
        if (params.memberEpoch !== 0) return fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${params.memberId} is not a member of group ${params.groupId}.`);
        this.groups.set(params.groupId, (group = new ClassicGroup(params.groupId, this.scheduler.now())));
      }
      if (group.consumer === null) {
        // An empty classic group (or one holding only offsets) becomes a consumer group; a live one does not.
        if (group.members.size > 0 || group.state !== 'Empty') return fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${params.groupId} is not a consumer group.`);
        if (leaving) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
        group.consumer = new ConsumerGroupState();
        group.protocolType = 'consumer';
      }
      const cg = group.consumer;
      const staticError = this.checkStaticMember(cg, params);
      if (staticError !== null) return fail(staticError.errorCode, staticError.message);
      if (leaving) {
        const member = cg.members.get(params.memberId);
        if (member === undefined) return fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${params.memberId} is not a member of group ${params.groupId}.`);
        if (params.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
          // Kafka's static leave: the member stays, with epoch -2 and its partitions, so an instance
          // that comes back within the session timeout takes them over without a rebalance. Its
          // session timer keeps running from its last heartbeat.
          member.memberEpoch = LEAVE_GROUP_STATIC_MEMBER_EPOCH;
          member.revocationTimer?.();
          member.revocationTimer = null;
        } else {
          this.removeConsumerMember(group, member);
        }
        const persistError = await this.persistConsumerGroup(group);
        if (persistError !== ErrorCode.NONE) return fail(persistError);
        return { errorCode: ErrorCode.NONE, errorMessage: null, memberId: params.memberId, memberEpoch: params.memberEpoch, heartbeatIntervalMs: 0, assignment: null };
      }
      let member: ConsumerMember;
      let joining = false;
      if (params.memberEpoch === 0) {
        const staticId = params.instanceId !== null ? cg.staticMembers.get(params.instanceId) : undefined;
        const existing = staticId !== undefined ? cg.members.get(staticId) : params.memberId !== '' ? cg.members.get(params.memberId) : undefined;
        if (existing === undefined && cg.members.size >= this.config.consumerGroup.maxSize) {
          return fail(ErrorCode.GROUP_MAX_SIZE_REACHED, `The consumer group has reached its maximum capacity of ${this.config.consumerGroup.maxSize} members.`);
        }
        const memberId = params.memberId !== '' ? params.memberId : randomUUID();
        member = {
          memberId, instanceId: params.instanceId, rackId: params.rackId, clientId: params.clientId, clientHost: params.clientHost,
          rebalanceTimeoutMs: params.rebalanceTimeoutMs, subscribedTopicNames: [], serverAssignor: null,
          memberEpoch: 0, previousMemberEpoch: -1, state: 'stable', assigned: new Map(), pendingRevocation: new Map(), sessionTimer: null, revocationTimer: null,
        };
        if (existing !== undefined) {
          // A static member coming back takes over the assignment of its previous incarnation; a
          // dynamic member rejoining with epoch 0 starts from nothing.
          if (staticId !== undefined) {
            // Only an instance that left with epoch -2 is replaced (checkStaticMember).
            member.assigned = existing.assigned;
            member.previousMemberEpoch = 0;
            member.subscribedTopicNames = existing.subscribedTopicNames;
            member.serverAssignor = existing.serverAssignor;
            const target = cg.targetAssignment.get(existing.memberId);
            cg.targetAssignment.delete(existing.memberId);
            if (target !== undefined) cg.targetAssignment.set(memberId, target);
          }
          existing.sessionTimer?.();
          existing.revocationTimer?.();
          cg.members.delete(existing.memberId);
          if (staticId === undefined) {
            cg.targetAssignment.delete(existing.memberId);
            cg.groupEpoch++;
          }
        }
        cg.members.set(memberId, member);
        if (params.instanceId !== null) cg.staticMembers.set(params.instanceId, memberId);
        joining = true;
      } else {
        const found = cg.members.get(params.memberId);
        if (found === undefined) return fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${params.memberId} is not a member of group ${params.groupId}.`);
        member = found;
        if (params.memberEpoch !== member.memberEpoch) {
          // A lost response is forgiven: the member may still be on its previous epoch with a subset of what it was given.
          const owned = params.topicPartitions === null ? null : toAssignment(params.topicPartitions);
          const subset = owned !== null && [...owned].every(([t, ps]) => [...ps].every((p) => member.assigned.get(t)?.has(p) ?? false));
          if (!(params.memberEpoch === member.previousMemberEpoch && subset)) {
            return fail(ErrorCode.FENCED_MEMBER_EPOCH, `The consumer group member has a smaller member epoch (${params.memberEpoch}) than the one known by the group coordinator (${member.memberEpoch}).`);
          }
        }
      }
      if (params.rebalanceTimeoutMs !== -1) member.rebalanceTimeoutMs = params.rebalanceTimeoutMs;
      if (params.rackId !== null) member.rackId = params.rackId;
      member.clientId = params.clientId;
      member.clientHost = params.clientHost;
      // Any change to what the member subscribes to, or how it wants it assigned, is one new group epoch.
      let changed = false;
      if (params.subscribedTopicNames !== null) {
        const next = [...params.subscribedTopicNames].sort();
        if (next.join('\u0000') !== [...member.subscribedTopicNames].sort().join('\u0000')) {
          member.subscribedTopicNames = next;
          changed = true;
        }
      }
      if (params.serverAssignor !== null && params.serverAssignor !== member.serverAssignor) {
        member.serverAssignor = params.serverAssignor;
        changed = true;
      }
      if (changed) cg.groupEpoch++;
      this.maybeComputeTargetAssignment(group, cg);
      const before = copyAssignment(member.assigned);
      const owned = params.topicPartitions === null ? null : toAssignment(params.topicPartitions);
      reconcile(member, cg.targetAssignment.get(member.memberId) ?? new Map(), cg.assignmentEpoch, owned, (t, p) => this.ownedByOther(cg, member.memberId, t, p));
      this.scheduleConsumerSession(group, member);
      this.scheduleRevocationTimeout(group, member);
      // Kafka writes the records before it answers.
      const persistError = await this.persistConsumerGroup(group);
      if (persistError !== ErrorCode.NONE) return fail(persistError);
      const sendAssignment = joining || !assignmentEquals(before, member.assigned) || (owned !== null && !assignmentEquals(owned, member.assigned));
      return {
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        memberId: member.memberId,
        memberEpoch: member.memberEpoch,
        heartbeatIntervalMs: this.config.consumerGroup.heartbeatIntervalMs,
        assignment: sendAssignment ? { topicPartitions: fromAssignment(member.assigned) } : null,
      };
    });
  }

  /**
   * Kafka 3.9's static member checks: a new instance may take over an instance id only once the
   * old one left with epoch -2 (else UNRELEASED_INSTANCE_ID); later heartbeats and the static leave
   * must come from the member that holds the id (else UNKNOWN_MEMBER_ID or FENCED_INSTANCE_ID).
   */
  private checkStaticMember(cg: ConsumerGroupState, params: ConsumerHeartbeatParams): { errorCode: number; message: string } | null {
    if (params.instanceId === null) return null;
    const holderId = cg.staticMembers.get(params.instanceId);
    const holder = holderId === undefined ? undefined : cg.members.get(holderId);
    if (params.memberEpoch === 0) {
      if (holder === undefined || holder.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) return null;
      return {
        errorCode: ErrorCode.UNRELEASED_INSTANCE_ID,
        message: `Static member ${params.memberId} with instance id ${params.instanceId} cannot join the group because the instance id is owned by ${holder.memberId} member.`,
      };
    }
    if (holder === undefined) return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID, message: `Instance id ${params.instanceId} is unknown.` };
    if (holder.memberId !== params.memberId) {
      return { errorCode: ErrorCode.FENCED_INSTANCE_ID, message: `Static member ${params.memberId} with instance id ${params.instanceId} was fenced by member ${holder.memberId}.` };
    }
    return null;
  }

  private ownedByOther(cg: ConsumerGroupState, memberId: string, topicId: string, partition: number): boolean {
    for (const m of cg.members.values()) {
      if (m.memberId === memberId) continue;
      if (m.assigned.get(topicId)?.has(partition) || m.pendingRevocation.get(topicId)?.has(partition)) return true;
    }
    return false;
  }

  /** The subscribed topics as the image has them now. */
  private subscribedTopics(cg: ConsumerGroupState): TopicInfo[] {
    const out: TopicInfo[] = [];
    for (const name of [...cg.subscribedTopicNames()].sort()) {
      const topic = this.options.metadata.topic(name);
      if (topic !== undefined) out.push({ topicId: topic.topicId, name, partitions: topic.partitions.size });
    }
    return out;
  }

  /** Recomputes the target assignment when the group epoch moved past it, or the topics changed. */
  private maybeComputeTargetAssignment(group: ClassicGroup, cg: ConsumerGroupState): void {
    const topics = this.subscribedTopics(cg);
    const signature = topicSignature(topics);
    if (signature !== cg.topicSignature) {
      // New topics or partitions: the assignment must be computed again.
      cg.topicSignature = signature;
      cg.groupEpoch = Math.max(cg.groupEpoch, cg.assignmentEpoch + 1);
    }
    if (cg.groupEpoch <= cg.assignmentEpoch) return;
    const preferred = this.preferredAssignor(cg);
    const assign = ASSIGNORS[preferred] ?? ASSIGNORS.uniform!;
    cg.assignorName = preferred;
    cg.targetAssignment = assign(
      [...cg.members.values()].map((m) => ({ memberId: m.memberId, topics: new Set(m.subscribedTopicNames), current: cg.targetAssignment.get(m.memberId) ?? new Map() })),
      topics,
    );
    cg.assignmentEpoch = cg.groupEpoch;
    this.log.info({ groupId: group.groupId, epoch: cg.assignmentEpoch, members: cg.members.size, assignor: preferred }, 'consumer group target assignment computed');
  }

  /** The assignor a member asked for, else the first of group.consumer.assignors. */
  private preferredAssignor(cg: ConsumerGroupState): string {
    return [...cg.members.values()].map((m) => m.serverAssignor).find((a) => a !== null) ?? assignorName(this.config.consumerGroup.assignors[0] ?? 'uniform');
  }

  private removeConsumerMember(group: ClassicGroup, member: ConsumerMember): void {
    const cg = group.consumer!;
    member.sessionTimer?.();
    member.revocationTimer?.();
    cg.members.delete(member.memberId);
    cg.targetAssignment.delete(member.memberId);
    if (member.instanceId !== null && cg.staticMembers.get(member.instanceId) === member.memberId) cg.staticMembers.delete(member.instanceId);
    cg.groupEpoch++;
    if (cg.members.size === 0) group.stateTimestamp = this.scheduler.now();
    this.maybeComputeTargetAssignment(group, cg);
  }

  /** Writes what changed in the group's KIP-848 state since the last write. */
  private async persistConsumerGroup(group: ClassicGroup, deleted = false): Promise<number> {
    const cg = group.consumer;
    if (cg === null) return ErrorCode.NONE;
    const changes = consumerGroupChanges(group.groupId, cg, deleted);
    const error = await this.append(group.groupId, changes);
    if (error === ErrorCode.NONE) markPersisted(cg, changes);
    return error;
  }

  private scheduleConsumerSession(group: ClassicGroup, member: ConsumerMember): void {
    member.sessionTimer?.();
    member.sessionTimer = this.scheduler.schedule(this.config.consumerGroup.sessionTimeoutMs, () => {
      void this.inGroup(group.groupId, async () => {
        if (group.consumer?.members.get(member.memberId) !== member) return;
        this.log.info({ groupId: group.groupId, memberId: member.memberId }, 'consumer group member session expired');
        this.removeConsumerMember(group, member);
        await this.persistConsumerGroup(group);
      });
    });
  }

  /** A member that does not revoke within its rebalance timeout is fenced (removed). */
  private scheduleRevocationTimeout(group: ClassicGroup, member: ConsumerMember): void {
    if (member.state !== 'unrevoked_partitions') {
      member.revocationTimer?.();
      member.revocationTimer = null;
      return;
    }
    if (member.revocationTimer !== null) return;
    member.revocationTimer = this.scheduler.schedule(member.rebalanceTimeoutMs, () => {
      void this.inGroup(group.groupId, async () => {
        member.revocationTimer = null;
        if (group.consumer?.members.get(member.memberId) !== member || member.state !== 'unrevoked_partitions') return;
        this.log.info({ groupId: group.groupId, memberId: member.memberId }, 'consumer group member did not revoke in time');
        this.removeConsumerMember(group, member);
        await this.persistConsumerGroup(group);
      });
    });
  }

  async consumerGroupDescribe(groupId: string): Promise<DescribedConsumerGroup> {
    const fail = (errorCode: number, errorMessage: string | null): DescribedConsumerGroup => ({
      errorCode, errorMessage, groupId, groupState: '', groupEpoch: 0, assignmentEpoch: 0, assignorName: '', members: [],
    });
    const notReady = await this.ready(groupId);
    if (notReady !== ErrorCode.NONE) return fail(notReady, null);
    return this.inGroup(groupId, () => {
      const group = this.groups.get(groupId);
      if (group === undefined) return fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} not found.`);
      const cg = group.consumer;
      if (cg === null) return fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} is not a consumer group.`);
      const describe = (a: Assignment): DescribedTopicPartitions[] =>
        fromAssignment(a).map((t) => ({ topicId: t.topicId, topicName: this.options.metadata.topicById(t.topicId)?.name ?? '', partitions: t.partitions }));
      return {
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        groupId,
        groupState: cg.state,
        groupEpoch: cg.groupEpoch,
        assignmentEpoch: cg.assignmentEpoch,
        assignorName: cg.assignorName,
        members: [...cg.members.values()].map((m) => ({
          memberId: m.memberId,
          instanceId: m.instanceId,
          rackId: m.rackId,
          memberEpoch: m.memberEpoch,
          clientId: m.clientId,
          clientHost: m.clientHost,
          subscribedTopicNames: m.subscribedTopicNames,
          subscribedTopicRegex: null,
          assignment: { topicPartitions: describe(m.assigned) },
          targetAssignment: { topicPartitions: describe(cg.targetAssignment.get(m.memberId) ?? new Map()) },
        })),
      };
    });
  }

  // ---- offset retention ----

  /** Kafka's offset expiration: offsets of empty (or simple) groups older than the retention go, then empty groups without offsets. */
  async expireOffsets(): Promise<void> {
    const retention = BigInt(this.config.offsetsRetentionMs);
    for (const groupId of [...this.groups.keys()]) {
      await this.inGroup(groupId, async () => {
        const group = this.groups.get(groupId);
        if (group === undefined) return;
        const now = BigInt(this.scheduler.now());
        const base = (o: CommittedOffset): bigint | null => {
          if (group.consumer !== null) return group.consumer.members.size === 0 ? o.commitTimestamp : null;
          if (group.isSimple) return o.commitTimestamp;
          if (group.state === 'Empty') return BigInt(group.stateTimestamp);
          return null;
        };
        const records: RecordToWrite[] = [];
        const expired: [string, number][] = [];
        for (const [topic, partitions] of group.offsets) {
          for (const [partition, o] of partitions) {
            const from = base(o);
            if (from === null) continue;
            const isExpired = o.expireTimestamp >= 0n ? now >= o.expireTimestamp : now - from >= retention;
            if (!isExpired) continue;
            records.push({ key: offsetCommitKey(groupId, topic, partition), value: null });
            expired.push([topic, partition]);
          }
        }
        const dropGroup = group.state === 'Empty' && (group.consumer?.members.size ?? 0) === 0 && group.offsetCount() === expired.length;
        if (dropGroup) records.push({ key: groupMetadataKey(groupId), value: null });
        if (dropGroup && group.consumer !== null) records.push(...consumerGroupChanges(groupId, group.consumer, true));
        if (records.length === 0) return;
        if ((await this.append(groupId, records)) !== ErrorCode.NONE) return;
        for (const [topic, partition] of expired) this.removeOffset(group, topic, partition);
        if (dropGroup) {
          this.cancelTimers(group);
          group.transitionTo('Dead', this.scheduler.now());
          this.groups.delete(groupId);
        }
        this.log.info({ groupId, expired: expired.length, groupRemoved: dropGroup }, 'expired committed offsets');
      });
    }
  }
}
