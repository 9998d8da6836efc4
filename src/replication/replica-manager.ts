import type { Logger } from 'pino';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { inspectRecords, repairMaxTimestamps, validateRecords } from '../records/validate.js';
import { upConvertForProduce } from '../records/legacy.js';
import { BatchHeader, LOG_OVERHEAD } from '../records/batch-header.js';
import type { RecordsFailure } from '../records/types.js';
import type { EffectiveTopicConfig } from '../config/describe.js';
import type { LogManager } from '../storage/log-manager.js';
import { OffsetOutOfRangeError } from '../storage/types.js';
import { SerialQueue } from '../storage/serial-queue.js';
import type { MetadataDelta, MetadataView, PartitionState } from '../metadata/image/types.js';
import { HostedPartition } from './hosted-partition.js';
import { ProducerStateFiles } from './producer-snapshot.js';
import type { FileSystem } from '../storage/types.js';
import { toLogConfig } from './log-config.js';
import type { AlterPartitionSender } from './alter-partition-sender.js';
import { canJoinIsr, freshFollowerState, isCaughtUp, outOfSyncReplicas, recordFollowerFetch } from './isr.js';
import type { AlterPartitionResponsePartitionData } from '../../protocol/generated/message/alter-partition-response.js';
import {
  IsolationLevel,
  OffsetSpec,
  type FetchPartitionOutcome,
  type FetchPartitionRequest,
  type ListOffsetOutcome,
  type ProduceOutcome,
} from './types.js';

export interface ReplicaManagerOptions {
  readonly nodeId: number;
  readonly logManager: LogManager;
  readonly metadata: MetadataView;
  /** The effective config of a topic (overrides from the image over broker defaults). */
  readonly topicConfig: (topic: string) => EffectiveTopicConfig;
  readonly log: Logger;
  /** Where producer-state snapshots and `.txnindex` files go (the logs' file system); none without it. */
  readonly fs?: FileSystem;
  /**
   * KIP-890 part 1: asks the transaction coordinator whether a transactional batch that would start
   * its producer's transaction on a partition belongs to an ongoing transaction (0, or the error).
   */
  readonly verifyTransaction?: (producerId: bigint, producerEpoch: number, topic: string, partition: number, transactionalId: string | null) => Promise<number>;
  /** Where leaders send ISR changes (the active controller); without it the ISR changes only by fencing. */
  readonly alterPartition?: AlterPartitionSender;
  /** replica.lag.time.max.ms (Kafka's default 30 s). */
  readonly replicaLagTimeMaxMs?: number;
  /** Wall clock in ms; tests may move it. */
  readonly now?: () => number;
  /**
   * Told when this broker starts or stops leading a partition (coordinators load and unload
   * their internal partitions with it). Not called for the replay at start-up before anyone listens.
   */
  readonly onLeadershipChange?: (topic: string, partition: number, isLeader: boolean) => void;
}

export interface ProduceOptions {
  /** 0, 1 or -1 (all in-sync replicas). */
  readonly acks: number;
  readonly produceVersion: number;
  /** 'internal' for the broker's own writers (transaction markers, coordinators); default 'client'. */
  readonly origin?: 'client' | 'internal';
  /** acks=-1: how long to wait for the in-sync replicas (the request's timeout); 30 s by default. */
  readonly timeoutMs?: number;
  /** The Produce request's transactional id: names the coordinator that verifies a transactional batch (KIP-890). */
  readonly transactionalId?: string | null;
}

export interface FetchOptions {
  readonly maxWaitMs: number;
  readonly minBytes: number;
  readonly maxBytes: number;
  readonly isolationLevel: number;
  /** A follower's broker id when a replica fetches (Fetch ReplicaId / ReplicaState); -1 or absent for consumers. */
  readonly replicaId?: number;
  /** The follower's broker epoch (Fetch v15+ ReplicaState.ReplicaEpoch); -1 when unknown. */
  readonly replicaEpoch?: bigint;
}

function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

function produceError(errorCode: number, errorMessage: string | null = null): ProduceOutcome {
  return { errorCode, errorMessage, baseOffset: -1n, logAppendTime: -1n, logStartOffset: -1n, recordErrors: [] };
}

function fetchError(errorCode: number, partition?: HostedPartition): FetchPartitionOutcome {
  return {
    errorCode,
    highWatermark: partition?.log.highWatermark ?? -1n,
    lastStableOffset: partition?.log.highWatermark ?? -1n,
    logStartOffset: partition?.log.logStartOffset ?? -1n,
    records: EMPTY,
  };
}

const EMPTY = Buffer.alloc(0);

/** Aborted transactions overlapping the fetched batches (Kafka's collectAbortedTransactions). */
function abortedIn(partition: HostedPartition, fetchOffset: bigint, records: Buffer): { producerId: bigint; firstOffset: bigint }[] {
  if (records.length === 0) return [];
  let upTo = fetchOffset;
  for (let pos = 0; pos + LOG_OVERHEAD <= records.length; ) {
    const header = new BatchHeader(records, pos);
    upTo = header.lastOffset + 1n;
    pos += header.totalSize;
  }
  // Ordered by first offset: the index holds them in marker order, which Kafka returns as is and
  // the Java client and librdkafka sort themselves, but kafkajs walks the list in order, one
  // entry per record, and lets through an aborted transaction that began before an earlier-listed
  // one (interleaved transactions of several producers).
  return partition.producers
    .abortedTransactions(fetchOffset, upTo)
    .map((t) => ({ producerId: t.producerId, firstOffset: t.firstOffset }))
    .sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
}

/** DeleteRecords' "up to the high watermark" offset. */
const DELETE_TO_HIGH_WATERMARK = -1n;

/** A record validation failure as the produce response carries it. */
function recordsFailure(failure: RecordsFailure): ProduceOutcome {
  const outcome = produceError(failure.errorCode, failure.message);
  if (failure.errorCode === ErrorCode.INVALID_RECORD) {
    outcome.recordErrors.push({ batchIndex: failure.batchIndex, batchIndexErrorMessage: failure.message });
  }
  return outcome;
}

/**
 * Owns the partition replicas on this broker: creates and deletes their logs as the metadata
 * image says, serves produce and fetch on leaders, and advances high watermarks. As a leader it
 * tracks each follower's fetches and proposes ISR shrinks and expansions (AlterPartition, one in
 * flight per partition); as a follower it applies what the fetcher brings (log and producer
 * state) and truncates where the leader's epochs say it diverged.
 */
export class ReplicaManager {
  private readonly partitions = new Map<string, HostedPartition>();
  private readonly changes = new SerialQueue();
  private isrTimer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly maxLagMs: number;

  constructor(private readonly options: ReplicaManagerOptions) {
    this.now = options.now ?? Date.now;
    this.maxLagMs = options.replicaLagTimeMaxMs ?? 30_000;
  }

  /** Kafka's isr-expiration task: every replica.lag.time.max.ms / 2, leaders drop lagging followers from the ISR. */
  startIsrExpiration(): void {
    if (this.options.alterPartition === undefined || this.isrTimer !== undefined) return;
    this.isrTimer = setInterval(() => this.shrinkIsrs(), Math.max(50, Math.floor(this.maxLagMs / 2)));
    this.isrTimer.unref();
  }

  stopIsrExpiration(): void {
    clearInterval(this.isrTimer);
    this.isrTimer = undefined;
  }

  /** Proposes an ISR shrink for every led partition with followers out of sync (one change in flight per partition). */
  shrinkIsrs(): void {
    const now = this.now();
    for (const hosted of this.partitions.values()) {
      if (!hosted.isLeader || hosted.pendingIsr !== null) continue;
      const out = outOfSyncReplicas(hosted.isr, this.options.nodeId, hosted.followers, hosted.log.logEndOffset, now, this.maxLagMs);
      if (out.length === 0) continue;
      this.options.log.info({ topic: hosted.topic, partition: hosted.partition, outOfSync: out, isr: hosted.isr }, 'shrinking the ISR');
      this.proposeIsr(hosted, 'shrink', hosted.isr.filter((id) => !out.includes(id)));
    }
  }

  /** Whether the controller would let the broker into an ISR: registered, unfenced, not shutting down, of the epoch it fetched with. */
  private isrEligible(brokerId: number, fetchedWithEpoch: bigint): boolean {
    const broker = this.options.metadata.broker(brokerId);
    if (broker === undefined || broker.fenced || broker.inControlledShutdown) return false;
    return fetchedWithEpoch < 0n || fetchedWithEpoch === broker.epoch;
  }

  /** Kafka's maybeExpandIsr after a follower fetch: a caught-up replica outside the ISR joins it. */
  private maybeExpandIsr(hosted: HostedPartition, replicaId: number): void {
    if (this.options.alterPartition === undefined || hosted.pendingIsr !== null || hosted.isr.includes(replicaId)) return;
    const state = hosted.followers.get(replicaId);
    if (state === undefined || !canJoinIsr(state, hosted.log.highWatermark, hosted.leaderEpochStartOffset)) return;
    // The controller refuses fenced, shutting-down or re-registered brokers: do not ask for them.
    if (!this.isrEligible(replicaId, state.brokerEpoch)) return;
    this.options.log.info({ topic: hosted.topic, partition: hosted.partition, replicaId, isr: hosted.isr }, 'expanding the ISR');
    this.proposeIsr(hosted, 'expand', [...hosted.isr, replicaId]);
  }

  /** Sends one AlterPartition for the partition and applies the answer if the partition is still as it was. */
  private proposeIsr(hosted: HostedPartition, kind: 'expand' | 'shrink', isr: number[]): void {
    const sender = this.options.alterPartition;
    if (sender === undefined) return;
    const pending = { kind, isr };
    hosted.pendingIsr = pending;
    const leaderEpoch = hosted.leaderEpoch;
    const current = (): boolean => hosted.pendingIsr === pending && hosted.isLeader && hosted.leaderEpoch === leaderEpoch && this.partitions.get(key(hosted.topic, hosted.partition)) === hosted;
    const members = isr.map((brokerId) => ({
      brokerId,
      // Kafka sends the epoch each follower fetched with; the leader's own is its registration's.
      brokerEpoch: brokerId === this.options.nodeId ? (this.options.metadata.broker(brokerId)?.epoch ?? -1n) : (hosted.followers.get(brokerId)?.brokerEpoch ?? -1n),
    }));
    sender
      .submit({ topicId: hosted.topicId, partition: hosted.partition, leaderEpoch, partitionEpoch: hosted.partitionEpoch, isr: members, stillWanted: current })
      .then((answer) => this.onIsrAnswer(hosted, answer, current()))
      .catch((error: unknown) => {
        this.options.log.warn({ err: error, topic: hosted.topic, partition: hosted.partition }, 'AlterPartition failed');
        if (current()) hosted.pendingIsr = null;
      });
  }

  private onIsrAnswer(hosted: HostedPartition, answer: AlterPartitionResponsePartitionData, stillCurrent: boolean): void {
    if (!stillCurrent) return; // the metadata moved on meanwhile; it decides
    hosted.pendingIsr = null;
    if (answer.errorCode !== ErrorCode.NONE) {
      // FENCED_LEADER_EPOCH / INVALID_UPDATE_VERSION: this leader's view is stale, the next metadata
      // batch brings the truth; INELIGIBLE_REPLICA and the rest: try again on a later fetch or tick.
      this.options.log.info({ topic: hosted.topic, partition: hosted.partition, errorCode: answer.errorCode }, 'ISR change refused by the controller');
      return;
    }
    if (answer.leaderEpoch !== hosted.leaderEpoch || answer.partitionEpoch < hosted.partitionEpoch) return;
    hosted.isr = answer.isr;
    hosted.partitionEpoch = answer.partitionEpoch;
    this.maybeAdvanceHighWatermark(hosted);
  }

  get nodeId(): number {
    return this.options.nodeId;
  }

  partition(topic: string, partition: number): HostedPartition | undefined {
    return this.partitions.get(key(topic, partition));
  }

  hostedPartitions(): IterableIterator<HostedPartition> {
    return this.partitions.values();
  }

  /** Reacts to committed metadata: one change at a time, in commit order. */
  applyDelta(delta: MetadataDelta): Promise<void> {
    return this.changes.run(async () => {
      for (const topic of delta.deletedTopics) {
        for (const state of topic.partitions.values()) {
          const hosted = this.partitions.get(key(topic.name, state.partition));
          if (hosted === undefined) continue;
          this.partitions.delete(key(topic.name, state.partition));
          if (hosted.isLeader) this.options.onLeadershipChange?.(hosted.topic, hosted.partition, false);
          hosted.notifyAppend();
          await this.options.logManager.deleteLog(topic.name, state.partition);
        }
      }
      for (const state of delta.changedPartitions) await this.applyPartition(state);
      for (const topicName of delta.changedTopicConfigs) {
        const topic = this.options.metadata.topic(topicName);
        if (topic === undefined) continue;
        const config = this.options.topicConfig(topicName);
        for (const state of topic.partitions.values()) {
          const hosted = this.partitions.get(key(topicName, state.partition));
          if (hosted === undefined) continue;
          hosted.config = config;
          hosted.log.updateConfig(toLogConfig(config));
        }
      }
    });
  }

  /**
   * Re-reads every hosted partition's effective config. Dynamic broker defaults (message.max.bytes,
   * log.retention.ms, ...) feed topics without their own override, and their ConfigRecords do not
   * name a topic, so whoever commits one asks for this.
   */
  refreshTopicConfigs(): Promise<void> {
    return this.changes.run(() => {
      for (const hosted of this.partitions.values()) {
        const config = this.options.topicConfig(hosted.topic);
        hosted.config = config;
        hosted.log.updateConfig(toLogConfig(config));
      }
    });
  }

  private async applyPartition(state: PartitionState): Promise<void> {
    const k = key(state.topicName, state.partition);
    let hosted = this.partitions.get(k);
    if (!state.replicas.includes(this.options.nodeId)) {
      if (hosted !== undefined) {
        this.partitions.delete(k);
        if (hosted.isLeader) this.options.onLeadershipChange?.(hosted.topic, hosted.partition, false);
        hosted.notifyAppend();
        await this.options.logManager.deleteLog(state.topicName, state.partition);
      }
      return;
    }
    if (hosted === undefined) {
      const config = this.options.topicConfig(state.topicName);
      const logConfig = toLogConfig(config);
      const log =
        this.options.logManager.getLog(state.topicName, state.partition) ??
        (await this.options.logManager.createLog(state.topicName, state.partition, state.topicId, logConfig));
      log.updateConfig(logConfig);
      hosted = new HostedPartition(state.topicName, state.partition, state.topicId, log, config, this.options.nodeId);
      // Producer state (sequences, open and aborted transactions) comes back from its snapshot
      // and txn-index files plus the log tail.
      await this.recoverProducers(hosted);
      this.partitions.set(k, hosted);
    }
    const wasLeader = hosted.isLeader;
    const newEpoch = state.leaderEpoch !== hosted.leaderEpoch || state.leader !== hosted.leaderId;
    // An AlterPartition answer may already have taken this leader past what the image says.
    if (!newEpoch && state.partitionEpoch < hosted.partitionEpoch) return;
    const epochAdvanced = newEpoch || state.partitionEpoch > hosted.partitionEpoch;
    hosted.leaderId = state.leader;
    hosted.leaderEpoch = state.leaderEpoch;
    hosted.partitionEpoch = state.partitionEpoch;
    hosted.isr = state.isr;
    hosted.replicas = state.replicas;
    // A committed change supersedes whatever ISR change was in flight.
    if (epochAdvanced) hosted.pendingIsr = null;
    if (!hosted.isLeader) {
      hosted.followers.clear();
      hosted.leaderEpochStartOffset = -1n;
      if (wasLeader) {
        hosted.notifyAppend(); // parked acks=all produces answer NOT_LEADER_OR_FOLLOWER
        this.options.onLeadershipChange?.(hosted.topic, hosted.partition, false);
      }
      return;
    }
    if (!wasLeader || newEpoch) await this.becomeLeader(hosted);
    if (!wasLeader) this.options.onLeadershipChange?.(hosted.topic, hosted.partition, true);
    else for (const id of hosted.replicas) if (id !== this.options.nodeId && !hosted.followers.has(id)) hosted.followers.set(id, freshFollowerState(false, this.now()));
    this.maybeAdvanceHighWatermark(hosted);
  }

  /**
   * Kafka's makeLeader for a new leader epoch: the epoch starts at the log end (recorded in the
   * leader-epoch cache at once, so a follower asking about an older epoch learns where it ended
   * even before anything is appended in this one), and the follower states start afresh.
   */
  private async becomeLeader(hosted: HostedPartition): Promise<void> {
    const now = this.now();
    hosted.followers.clear();
    for (const id of hosted.replicas) if (id !== this.options.nodeId) hosted.followers.set(id, freshFollowerState(hosted.isr.includes(id), now));
    const epoch = hosted.leaderEpoch;
    const log = hosted.log;
    // On the producer queue, where follower appends run: one already queued lands before the
    // epoch starts, a later one sees this broker leads and is dropped.
    await hosted.producers.queue.run(() =>
      log.runExclusive(async () => {
        hosted.leaderEpochStartOffset = log.logEndOffset;
        // A brand-new empty log skips it (its first append records the epoch): no follower can hold
        // records this leader lacks, and one fsynced file per partition would double the cost of
        // creating thousands of partitions.
        const brandNew = log.logEndOffset === 0n && log.epochs.all().length === 0;
        if (!brandNew && log.epochs.assign(epoch, log.logEndOffset)) await log.epochs.flush();
      }),
    );
  }

  /**
   * The high watermark is the smallest log end offset among the in-sync replicas (the maximal
   * ISR while a change is in flight); it only moves forward.
   */
  private maybeAdvanceHighWatermark(partition: HostedPartition): void {
    const leaderEnd = partition.log.logEndOffset;
    let min = leaderEnd;
    const isr = partition.maximalIsr;
    for (const id of isr) {
      if (id === this.options.nodeId) continue;
      // Every ISR member must have fetched up to an offset before it counts as replicated.
      const end = partition.followers.get(id)?.logEndOffset ?? -1n;
      if (end < 0n) return;
      if (end < min) min = end;
    }
    // Kafka's shouldWaitForReplicaToJoinIsr: a caught-up replica about to join is waited for too,
    // else under steady produce the high watermark keeps running ahead of it and it never joins.
    const now = this.now();
    for (const [id, state] of partition.followers) {
      if (isr.includes(id) || state.logEndOffset < 0n || state.logEndOffset >= min) continue;
      if (!isCaughtUp(state, leaderEnd, now, this.maxLagMs) || !this.isrEligible(id, state.brokerEpoch)) continue;
      min = state.logEndOffset;
    }
    if (min > partition.log.highWatermark) {
      partition.log.updateHighWatermark(min);
      // Consumers parked at the old high watermark can read now.
      partition.notifyAppend();
    }
  }

  /** Whether the topic-partition exists in the committed metadata. */
  private existing(topic: string, partition: number): PartitionState | undefined {
    return this.options.metadata.topic(topic)?.partitions.get(partition);
  }

  async produce(topic: string, partitionIndex: number, records: Buffer | null, options: ProduceOptions): Promise<ProduceOutcome> {
    const partition = this.partitions.get(key(topic, partitionIndex));
    if (partition === undefined) {
      return produceError(this.existing(topic, partitionIndex) === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.NOT_LEADER_OR_FOLLOWER);
    }
    if (!partition.isLeader) return produceError(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    if (records === null || records.length === 0) return produceError(ErrorCode.CORRUPT_MESSAGE, 'Produce request carried no records');
    const config = partition.config;
    const origin = options.origin ?? 'client';
    const validation = validateRecords(records, { maxBatchSize: config.maxMessageBytes, produceVersion: options.produceVersion, origin });
    if (!validation.ok) return recordsFailure(validation);
    let batches = records;
    if (validation.magic < 2) {
      const converted = await upConvertForProduce(records);
      if (!converted.ok) return recordsFailure(converted);
      batches = converted.batch;
    }
    // Like Kafka's LogValidator, look inside compressed batches (a valid CRC over garbage must not
    // be stored) and, on compacted topics, check every record has a key. Uncompressed batches
    // on ordinary topics pass through on their header and CRC alone.
    if (config.compact || validation.compression !== 0) {
      const inspection = await inspectRecords(batches);
      if (!inspection.ok) return recordsFailure(inspection);
      if (config.compact && inspection.recordsWithoutKey > 0) {
        const message = `Compacted topic cannot accept message without key in topic partition ${topic}-${partitionIndex}.`;
        return { ...produceError(ErrorCode.INVALID_RECORD, message), recordErrors: [{ batchIndex: 0, batchIndexErrorMessage: message }] };
      }
    }
    // Clients that leave a batch's maxTimestamp unset (sarama) get it recomputed, as Kafka does.
    await repairMaxTimestamps(batches);
    if (options.acks === -1 && partition.isr.length < config.minInsyncReplicas) {
      return produceError(
        ErrorCode.NOT_ENOUGH_REPLICAS,
        `The size of the current ISR ${partition.isr.length} is insufficient to satisfy the min.isr requirement of ${config.minInsyncReplicas} for partition ${topic}-${partitionIndex}`,
      );
    }
    // Producer-state check, append and state update are one step on the partition's producer
    // queue, so a concurrent produce never sees the state between append and update.
    const producers = partition.producers;
    // Verified outside the queue (the coordinator may be writing a marker here meanwhile); the
    // guard makes sure no marker for this producer landed between verification and append.
    const verify = this.options.verifyTransaction;
    const producerId = validation.first.producerId;
    const guard = origin === 'client' && validation.isTransactional && verify !== undefined ? producers.verificationGuard(producerId) : null;
    if (guard !== null) {
      const errorCode = await verify!(producerId, validation.first.producerEpoch, topic, partitionIndex, options.transactionalId ?? null);
      if (errorCode !== 0) return produceError(errorCode, `Transactional produce of producer ${producerId} to ${topic}-${partitionIndex} is not part of an ongoing transaction`);
    }
    let appendedTo = -1n;
    const outcome = await producers.queue.run(async (): Promise<ProduceOutcome> => {
      if (guard !== null && producers.verificationGuard(producerId) !== guard && producers.verificationGuard(producerId) !== null) {
        return produceError(ErrorCode.INVALID_TXN_STATE, `The transaction of producer ${producerId} ended while its write to ${topic}-${partitionIndex} was verified`);
      }
      const check = producers.check(batches, origin);
      if (check.kind === 'error') return produceError(check.errorCode, check.message);
      if (check.kind === 'duplicate') {
        // A retried batch: Kafka answers with the offsets it was first written at.
        return { errorCode: 0, errorMessage: null, baseOffset: check.firstOffset, logAppendTime: -1n, logStartOffset: partition.log.logStartOffset, recordErrors: [] };
      }
      const segmentsBefore = partition.log.segmentCount;
      const result = await partition.log.append(batches, partition.leaderEpoch);
      appendedTo = result.lastOffset + 1n;
      // At a roll Kafka snapshots the producer state as of the new segment's base: before this batch.
      if (partition.log.segmentCount > segmentsBefore) await producers.takeSnapshot(result.baseOffset, partition.log).catch((error: unknown) => this.options.log.warn({ err: error }, 'producer snapshot failed'));
      const aborted = producers.apply(batches);
      if (aborted.length > 0) {
        await producers.persistAborted(aborted, partition.log.segmentBaseOffsets().at(-1) ?? result.baseOffset).catch((error: unknown) => this.options.log.warn({ err: error }, 'txn index write failed'));
      }
      this.maybeAdvanceHighWatermark(partition);
      partition.notifyAppend();
      return {
        errorCode: 0,
        errorMessage: null,
        baseOffset: result.baseOffset,
        logAppendTime: result.logAppendTime,
        logStartOffset: result.logStartOffset,
        recordErrors: [],
      };
    });
    // acks=all: answer once every in-sync replica holds the batch (the high watermark passed it).
    if (options.acks === -1 && outcome.errorCode === 0 && appendedTo > 0n) {
      const errorCode = await this.awaitReplication(partition, appendedTo, options.timeoutMs ?? 30_000);
      if (errorCode !== 0) return { ...outcome, errorCode, errorMessage: null };
    }
    return outcome;
  }

  /** Waits until the high watermark reaches `offset`; 0, or why it cannot (Kafka's delayed produce). */
  private async awaitReplication(partition: HostedPartition, offset: bigint, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // Kafka's checkEnoughReplicasReachOffset: replicated, but by fewer than min.insync.replicas.
      if (partition.log.highWatermark >= offset) return partition.isr.length < partition.config.minInsyncReplicas ? ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND : 0;
      if (!partition.isLeader || this.partitions.get(key(partition.topic, partition.partition)) !== partition) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
      if (partition.isr.length < partition.config.minInsyncReplicas) return ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return ErrorCode.REQUEST_TIMED_OUT;
      // Woken by appends and high watermark moves; leadership and ISR changes are polled.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          cancel();
          resolve();
        }, Math.min(remaining, 200));
        const cancel = partition.onNextAppend(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /**
   * Follower append of what the leader sent (offsets and epochs already assigned), with the
   * producer state updated from the same batches, so idempotent dedup and transactions carry on
   * if this replica becomes the leader.
   */
  appendReplicated(partition: HostedPartition, records: Buffer, leaderEpoch: number): Promise<boolean> {
    const producers = partition.producers;
    return producers.queue.run(async () => {
      // Leadership moved while the fetch was out: the old leader's answer no longer applies.
      if (!this.stillFollowing(partition, leaderEpoch)) return false;
      const log = partition.log;
      const segmentsBefore = log.segmentCount;
      const result = await log.appendAsFollower(records);
      if (log.segmentCount > segmentsBefore) await producers.takeSnapshot(result.baseOffset, log).catch((error: unknown) => this.options.log.warn({ err: error }, 'producer snapshot failed'));
      const aborted = producers.apply(records);
      if (aborted.length > 0) {
        await producers.persistAborted(aborted, log.segmentBaseOffsets().at(-1) ?? result.baseOffset).catch((error: unknown) => this.options.log.warn({ err: error }, 'txn index write failed'));
      }
      return true;
    });
  }

  private stillFollowing(partition: HostedPartition, leaderEpoch: number): boolean {
    return !partition.isLeader && partition.leaderEpoch === leaderEpoch && this.partitions.get(key(partition.topic, partition.partition)) === partition;
  }

  /** Follower truncation (a diverged tail from an older leader epoch); the producer state is rebuilt for the shorter log. */
  truncateReplica(partition: HostedPartition, offset: bigint, leaderEpoch: number): Promise<void> {
    return partition.producers.queue.run(async () => {
      if (!this.stillFollowing(partition, leaderEpoch)) return;
      const log = partition.log;
      if (offset >= log.logEndOffset) {
        // Nothing to cut, but an epoch this replica started as leader without appending to it
        // may sit at the log end unknown to the new leader: drop it, as Kafka's truncateTo does,
        // or every fetch would be told to diverge at the same place again.
        await log.runExclusive(async () => {
          if (log.epochs.truncateFromEnd(log.logEndOffset)) await log.epochs.flush();
        });
        return;
      }
      await log.truncateTo(offset);
      await this.recoverProducers(partition);
    });
  }

  /** Follower whose fetch offset fell below the leader's log start: starts over empty at `offset`. */
  restartReplicaAt(partition: HostedPartition, offset: bigint, leaderEpoch: number): Promise<void> {
    return partition.producers.queue.run(async () => {
      if (!this.stillFollowing(partition, leaderEpoch)) return;
      await partition.log.truncateFullyAndStartAt(offset);
      await this.recoverProducers(partition);
    });
  }

  private recoverProducers(partition: HostedPartition): Promise<void> {
    const log = partition.log;
    return partition.producers.recover(
      {
        logStartOffset: log.logStartOffset,
        logEndOffset: log.logEndOffset,
        segmentBaseOffsets: () => log.segmentBaseOffsets(),
        readFrom: (offset) => log.read(offset, { maxBytes: 1 << 20, minOneBatch: true }).records,
      },
      this.options.fs && new ProducerStateFiles(this.options.fs, log.dir),
    );
  }

  /** Forgets producers idle past producer.id.expiration.ms (none with an open transaction), as Kafka does. */
  async expireProducers(nowMs: number, expirationMs: number): Promise<number> {
    let removed = 0;
    for (const hosted of this.partitions.values()) {
      removed += await hosted.producers.queue.run(() => hosted.producers.expireProducers(nowMs, expirationMs));
    }
    return removed;
  }

  /** Clean shutdown: each partition's producer state as of its log end, so a restart replays nothing. */
  async writeProducerSnapshots(): Promise<void> {
    for (const hosted of this.partitions.values()) {
      await hosted.producers.queue.run(() => hosted.producers.takeSnapshot(hosted.log.logEndOffset));
    }
  }

  /**
   * Reads one partition for a consumer, without waiting. `minOneBatch`: a first batch larger than
   * `request.maxBytes` comes whole (KIP-74) instead of not at all.
   */
  readPartition(request: FetchPartitionRequest, isolationLevel: number, replicaId = -1, replica?: { epoch: bigint; recordFetch: boolean }, minOneBatch = true): FetchPartitionOutcome {
    const partition = this.partitions.get(key(request.topic, request.partition));
    if (partition === undefined) {
      return fetchError(this.existing(request.topic, request.partition) === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.NOT_LEADER_OR_FOLLOWER);
    }
    if (!partition.isLeader) return fetchError(ErrorCode.NOT_LEADER_OR_FOLLOWER, partition);
    if (request.currentLeaderEpoch >= 0) {
      if (request.currentLeaderEpoch < partition.leaderEpoch) return fetchError(ErrorCode.FENCED_LEADER_EPOCH, partition);
      if (request.currentLeaderEpoch > partition.leaderEpoch) return fetchError(ErrorCode.UNKNOWN_LEADER_EPOCH, partition);
    }
    const log = partition.log;
    // KIP-595 style divergence check (Fetch v12+): the fetcher's last epoch must end at or past
    // its fetch offset in this leader's log, else it is told where that epoch ends here.
    const lastFetchedEpoch = request.lastFetchedEpoch ?? -1;
    if (lastFetchedEpoch >= 0) {
      const end = log.epochs.endOffsetFor(lastFetchedEpoch, log.logEndOffset);
      if (end.epoch < lastFetchedEpoch || end.startOffset < request.fetchOffset) {
        return { ...fetchError(0, partition), divergingEpoch: { epoch: end.epoch, endOffset: end.startOffset } };
      }
    }
    if (replicaId >= 0 && partition.followers.has(replicaId) && request.fetchOffset <= log.logEndOffset && (replica?.recordFetch ?? true)) {
      // A follower's fetch offset is its log end: everything below it is replicated there.
      recordFollowerFetch(partition.followers.get(replicaId)!, request.fetchOffset, log.logEndOffset, this.now(), replica?.epoch ?? -1n);
      this.maybeExpandIsr(partition, replicaId);
      this.maybeAdvanceHighWatermark(partition);
    }
    const highWatermark = log.highWatermark;
    // Open transactions hold the last stable offset back; read_committed reads stop there.
    const lastStableOffset = partition.producers.lastStableOffset(highWatermark);
    const readCommitted = isolationLevel === IsolationLevel.READ_COMMITTED;
    // Followers replicate the whole log; consumers see only what is committed.
    const maxOffset = replicaId >= 0 ? log.logEndOffset : readCommitted ? lastStableOffset : highWatermark;
    if (request.fetchOffset < log.logStartOffset || request.fetchOffset > log.logEndOffset) {
      return fetchError(ErrorCode.OFFSET_OUT_OF_RANGE, partition);
    }
    try {
      const read = log.read(request.fetchOffset, { maxBytes: request.maxBytes, maxOffset, minOneBatch });
      const outcome: FetchPartitionOutcome = { errorCode: 0, highWatermark, lastStableOffset, logStartOffset: log.logStartOffset, records: read.records };
      if (readCommitted) outcome.abortedTransactions = abortedIn(partition, request.fetchOffset, read.records);
      return outcome;
    } catch (error) {
      if (error instanceof OffsetOutOfRangeError) return fetchError(ErrorCode.OFFSET_OUT_OF_RANGE, partition);
      throw error;
    }
  }

  /**
   * Consumer fetch across partitions: reads at once, and when fewer than minBytes are ready waits
   * (up to maxWaitMs) for an append to any of them, then reads again. Kafka's response-size rules:
   * partitions fill up to `maxBytes` in request order; only until one has records may a first
   * batch larger than what is left come whole (KIP-74), so a later partition whose next batch
   * does not fit answers without records and the response exceeds `maxBytes` by one batch at most.
   */
  async fetch(requests: readonly FetchPartitionRequest[], options: FetchOptions): Promise<FetchPartitionOutcome[]> {
    const deadline = Date.now() + Math.max(0, options.maxWaitMs);
    // A follower's fetch state is recorded once per request, at its first read (as Kafka does),
    // so re-reads while the request waits do not shift its caught-up time.
    let first = true;
    for (;;) {
      const outcomes = this.readAll(requests, options, first);
      first = false;
      const bytes = outcomes.reduce((sum, o) => sum + o.records.length, 0);
      const anyError = outcomes.some((o) => o.errorCode !== 0);
      const remaining = deadline - Date.now();
      if (bytes >= options.minBytes || anyError || remaining <= 0 || requests.length === 0) return outcomes;
      await this.waitForAppend(requests, remaining);
    }
  }

  private readAll(requests: readonly FetchPartitionRequest[], options: FetchOptions, recordFetch: boolean): FetchPartitionOutcome[] {
    let budget = options.maxBytes;
    let first = true;
    const replica = { epoch: options.replicaEpoch ?? -1n, recordFetch };
    // Sluice's follower fetcher asks sessionless, its partitions always in the same order (Kafka's
    // rotates them in its fetch session): held to the consumer rule, a later partition whose next
    // batch exceeds its share would never replicate while an earlier one always has data.
    const follower = (options.replicaId ?? -1) >= 0;
    return requests.map((request) => {
      if (budget <= 0 && !first) {
        // Offsets and errors only: nothing is read (a batch read here would be thrown away).
        return this.readPartition({ ...request, maxBytes: 0 }, options.isolationLevel, options.replicaId, replica, false);
      }
      const outcome = this.readPartition({ ...request, maxBytes: Math.min(request.maxBytes, Math.max(budget, 0)) }, options.isolationLevel, options.replicaId, replica, first || follower);
      if (outcome.records.length > 0) {
        first = false;
        budget -= outcome.records.length;
      }
      return outcome;
    });
  }

  private waitForAppend(requests: readonly FetchPartitionRequest[], timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const cancels: (() => void)[] = [];
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        for (const cancel of cancels) cancel();
        resolve();
      };
      const timer = setTimeout(finish, timeoutMs);
      for (const request of requests) {
        const partition = this.partitions.get(key(request.topic, request.partition));
        if (partition !== undefined) cancels.push(partition.onNextAppend(finish));
      }
    });
  }

  /**
   * DeleteRecords on a leader: moves the log start offset to `offset` (-1 means the high
   * watermark). Kafka refuses it on compact-only topics and beyond the high watermark.
   */
  async deleteRecords(topic: string, partitionIndex: number, offset: bigint): Promise<{ errorCode: number; lowWatermark: bigint }> {
    const none = (errorCode: number) => ({ errorCode, lowWatermark: -1n });
    const partition = this.partitions.get(key(topic, partitionIndex));
    if (partition === undefined) {
      return none(this.existing(topic, partitionIndex) === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.NOT_LEADER_OR_FOLLOWER);
    }
    if (!partition.isLeader) return none(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    if (!partition.config.delete) return none(ErrorCode.POLICY_VIOLATION);
    const log = partition.log;
    const target = offset === DELETE_TO_HIGH_WATERMARK ? log.highWatermark : offset;
    if (target < 0n || target > log.highWatermark) return none(ErrorCode.OFFSET_OUT_OF_RANGE);
    try {
      const lowWatermark = await log.deleteRecordsBefore(target);
      // Waiting fetches re-read and see the new log start offset.
      partition.notifyAppend();
      return { errorCode: 0, lowWatermark };
    } catch (error) {
      if (error instanceof OffsetOutOfRangeError) return none(ErrorCode.OFFSET_OUT_OF_RANGE);
      throw error;
    }
  }

  /**
   * OffsetForLeaderEpoch on a leader: the largest epoch <= `leaderEpoch` and the offset where the
   * next epoch starts (the log end offset for the current epoch); -1/-1 when unknown.
   */
  offsetForLeaderEpoch(topic: string, partitionIndex: number, currentLeaderEpoch: number, leaderEpoch: number): { errorCode: number; leaderEpoch: number; endOffset: bigint } {
    const none = (errorCode: number) => ({ errorCode, leaderEpoch: -1, endOffset: -1n });
    const partition = this.partitions.get(key(topic, partitionIndex));
    if (partition === undefined) {
      return none(this.existing(topic, partitionIndex) === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.NOT_LEADER_OR_FOLLOWER);
    }
    if (currentLeaderEpoch >= 0) {
      if (currentLeaderEpoch < partition.leaderEpoch) return none(ErrorCode.FENCED_LEADER_EPOCH);
      if (currentLeaderEpoch > partition.leaderEpoch) return none(ErrorCode.UNKNOWN_LEADER_EPOCH);
    }
    if (!partition.isLeader) return none(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const found = partition.log.epochs.endOffsetFor(leaderEpoch, partition.log.logEndOffset);
    if (found.startOffset < 0n) return none(0);
    return { errorCode: 0, leaderEpoch: found.epoch, endOffset: found.startOffset };
  }

  /** Per-partition sizes for DescribeLogDirs: bytes of the segment files and how far the log end is behind the high watermark. */
  logDirPartitions(): { topic: string; partition: number; size: bigint; offsetLag: bigint }[] {
    return [...this.partitions.values()].map((p) => {
      const lag = p.log.highWatermark - p.log.logEndOffset;
      return { topic: p.topic, partition: p.partition, size: BigInt(p.log.size()), offsetLag: lag > 0n ? lag : 0n };
    });
  }

  async listOffset(topic: string, partitionIndex: number, timestamp: bigint, isolationLevel: number, currentLeaderEpoch: number): Promise<ListOffsetOutcome> {
    const none = (errorCode: number): ListOffsetOutcome => ({ errorCode, timestamp: -1n, offset: -1n, leaderEpoch: -1 });
    const partition = this.partitions.get(key(topic, partitionIndex));
    if (partition === undefined) {
      return none(this.existing(topic, partitionIndex) === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.NOT_LEADER_OR_FOLLOWER);
    }
    if (!partition.isLeader) return none(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    if (currentLeaderEpoch >= 0 && currentLeaderEpoch < partition.leaderEpoch) return none(ErrorCode.FENCED_LEADER_EPOCH);
    if (currentLeaderEpoch > partition.leaderEpoch) return none(ErrorCode.UNKNOWN_LEADER_EPOCH);
    const log = partition.log;
    const epochAt = (offset: bigint): number => {
      const epoch = log.epochs.epochForOffset(offset);
      return epoch >= 0 ? epoch : partition.leaderEpoch;
    };
    switch (timestamp) {
      case OffsetSpec.EARLIEST:
      case OffsetSpec.EARLIEST_LOCAL: {
        const offset = log.logStartOffset;
        return { errorCode: 0, timestamp: -1n, offset, leaderEpoch: epochAt(offset) };
      }
      case OffsetSpec.LATEST:
      case OffsetSpec.LATEST_TIERED: {
        // Consumers see up to the high watermark (the last stable offset under read_committed).
        const offset = isolationLevel === IsolationLevel.READ_COMMITTED ? partition.producers.lastStableOffset(log.highWatermark) : log.highWatermark;
        return { errorCode: 0, timestamp: -1n, offset, leaderEpoch: partition.leaderEpoch };
      }
      case OffsetSpec.MAX_TIMESTAMP: {
        const found = log.maxTimestampAndOffset();
        return found === null
          ? { errorCode: 0, timestamp: -1n, offset: -1n, leaderEpoch: -1 }
          : { errorCode: 0, timestamp: found.timestamp, offset: found.offset, leaderEpoch: found.leaderEpoch };
      }
      default: {
        if (timestamp < 0n) return none(ErrorCode.INVALID_REQUEST);
        const found = await log.offsetForTimestamp(timestamp);
        if (found === null || found.offset >= log.highWatermark) return { errorCode: 0, timestamp: -1n, offset: -1n, leaderEpoch: -1 };
        return { errorCode: 0, timestamp: found.timestamp, offset: found.offset, leaderEpoch: found.leaderEpoch };
      }
    }
  }
}
