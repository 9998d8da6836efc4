// The transaction coordinator (Kafka's TransactionCoordinator with TransactionStateManager):
// hands out producer ids and epochs, tracks each transactional id's transaction through
// Empty → Ongoing → PrepareCommit/PrepareAbort → CompleteCommit/CompleteAbort, persists every
// transition in __transaction_state before acting on it, and writes the COMMIT/ABORT markers.
//
// All state changes run on one serial queue. EndTxn answers once the Prepare record is written;
// the markers and the Complete record follow as the next task on the queue, so requests for the
// id that arrive meanwhile see PrepareCommit/PrepareAbort and get CONCURRENT_TRANSACTIONS.
import { coordinatorAppendError } from '../append-errors.js';
import type { Logger } from 'pino';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { buildUncompressedRecordBatch, readRecordBatch } from '../../records/record-batch.js';
import { buildEndTxnMarkerBatch } from '../../records/control-record.js';
import { BatchHeader, LOG_OVERHEAD } from '../../records/batch-header.js';
import { SerialQueue } from '../../storage/serial-queue.js';
import type { BrokerConfig } from '../../config/server-properties.js';
import type { MetadataView } from '../../metadata/image/types.js';
import type { CreateTopicSpec, CreateTopicOutcome } from '../../metadata/controller/controller.js';
import type { ProduceOptions } from '../../replication/replica-manager.js';
import type { HostedPartition } from '../../replication/hosted-partition.js';
import type { ProduceOutcome } from '../../replication/types.js';
import { partitionForGroup, OFFSETS_TOPIC } from '../group/partition-for.js';
import { decodeCoordinatorRecord, offsetCommitKey, offsetCommitValue } from '../group/records.js';
import type { Scheduler, Cancel } from '../group/scheduler.js';
import { TxnMarkerSender, type PendingMarkers } from './txn-marker-sender.js';
import { TxnRpcUnavailable, type TxnMarker, type TxnRpc } from './txn-rpc.js';
import { ProducerIdManager, type ProducerIdBlockSource } from './producer-id-manager.js';
import { NO_MEMBER, PendingTxnOffsets, type TxnOffset, type TxnOffsetMember, type TxnOffsetSink } from './txn-offsets.js';
import {
  MAX_PRODUCER_EPOCH,
  NO_PRODUCER_EPOCH,
  TRANSACTION_STATE_TOPIC,
  TxnState,
  decodeTxnLogRecord,
  hasPartition,
  txnLogKey,
  txnLogValue,
  type TxnMetadata,
} from './txn-metadata.js';

export type TxnCoordinatorConfig = Pick<
  BrokerConfig,
  | 'transactionStateLogNumPartitions'
  | 'transactionStateLogReplicationFactor'
  | 'transactionStateLogMinIsr'
  | 'transactionStateLogSegmentBytes'
  | 'transactionalIdExpirationMs'
  | 'transactionMaxTimeoutMs'
  | 'offsetsTopicNumPartitions'
  | 'producerIdExpirationMs'
> & {
  /** producer.id.expiration.check.interval.ms */
  readonly producerIdExpirationCheckIntervalMs?: number;
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms */
  readonly abortTimedOutTransactionsIntervalMs?: number;
  /** transaction.remove.expired.transaction.cleanup.interval.ms */
  readonly removeExpiredTransactionalIdsIntervalMs?: number;
};

/** What the coordinator needs from the broker (narrow, so tests can assemble it). */
export interface TxnCoordinatorDeps {
  readonly config: TxnCoordinatorConfig;
  readonly metadata: MetadataView;
  readonly produce: (topic: string, partition: number, records: Buffer, options: ProduceOptions) => Promise<ProduceOutcome>;
  readonly hostedPartition: (topic: string, partition: number) => HostedPartition | undefined;
  readonly createTopic: (spec: CreateTopicSpec) => Promise<CreateTopicOutcome>;
  readonly allocateProducerIds: ProducerIdBlockSource;
  readonly scheduler: Scheduler;
  readonly log: Logger;
  readonly offsets: TxnOffsetSink;
  /** Forgets partition producer state idle longer than producer.id.expiration.ms; returns how many. */
  readonly expireProducers?: (nowMs: number, expirationMs: number) => Promise<number>;
  /**
   * A cluster: this broker's id and its calls to other brokers (markers to partition leaders,
   * KIP-890 verification with another broker's coordinator). Without it everything is local.
   */
  readonly cluster?: { readonly nodeId: number; readonly rpc: Pick<TxnRpc, 'writeMarkers' | 'verify'> };
  /** Between marker retries (Kafka's coordinator retries on its send loop). */
  readonly markerRetryBackoffMs?: number;
}

export interface InitProducerIdResult {
  errorCode: number;
  producerId: bigint;
  producerEpoch: number;
}

export interface TopicPartitions {
  readonly topic: string;
  readonly partitions: readonly number[];
}

const INTERNAL_PRODUCE: ProduceOptions = { acks: -1, produceVersion: 11, origin: 'internal' };

/** Verification answers a producer should retry (Kafka turns them into NOT_ENOUGH_REPLICAS). */
const RETRIABLE_VERIFICATION = new Set<number>([
  ErrorCode.CONCURRENT_TRANSACTIONS,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
]);

function copyTxn(txn: TxnMetadata): TxnMetadata {
  return { ...txn, partitions: new Map([...txn.partitions].map(([t, s]) => [t, new Set(s)])) };
}


export class TransactionCoordinator {
  private readonly queue = new SerialQueue();
  private readonly txns = new Map<string, TxnMetadata>();
  private readonly producerIds: ProducerIdManager;
  private readonly pendingOffsets = new PendingTxnOffsets();
  private readonly loaded = new Set<number>();
  private creating: Promise<boolean> | undefined;
  private timers: Cancel[] = [];
  private stopped = false;
  private readonly markers: TxnMarkerSender;
  /** Transactional ids whose markers are being retried in the background (one retry loop each). */
  private readonly retryingMarkers = new Set<string>();

  constructor(private readonly deps: TxnCoordinatorDeps) {
    this.producerIds = new ProducerIdManager(deps.allocateProducerIds);
    this.markers = new TxnMarkerSender({
      nodeId: deps.cluster?.nodeId ?? -1,
      metadata: deps.metadata,
      writeLocal: (topic, partition, m) => this.writeMarker(topic, partition, m.producerId, m.producerEpoch, m.coordinatorEpoch, m.committed),
      ...(deps.cluster === undefined ? {} : { rpc: deps.cluster.rpc }),
      log: deps.log,
      retryBackoffMs: deps.markerRetryBackoffMs ?? 100,
    });
  }

  /**
   * The broker coordinating a transactional id when that is another broker (the leader of its
   * __transaction_state partition); undefined when it is this broker (or there is no cluster);
   * -1 when the partition has no leader right now (a coordinator failover: callers answer retriably).
   */
  private remoteCoordinator(transactionalId: string | null | undefined): number | undefined {
    const cluster = this.deps.cluster;
    if (cluster === undefined || transactionalId === null || transactionalId === undefined || transactionalId === '') return undefined;
    const partition = this.partitionFor(transactionalId);
    if (this.deps.hostedPartition(TRANSACTION_STATE_TOPIC, partition)?.isLeader === true) return undefined;
    const state = this.deps.metadata.topic(TRANSACTION_STATE_TOPIC);
    // Before __transaction_state exists no transaction does: the local checks answer.
    if (state === undefined) return undefined;
    const leader = state.partitions.get(partition)?.leader ?? -1;
    return leader === cluster.nodeId ? -1 : leader < 0 ? -1 : leader;
  }

  /**
   * KIP-890 verification with another broker's coordinator (AddPartitionsToTxn v4 verify-only),
   * as Kafka 3.9's AddPartitionsToTxnManager does; a coordinator that cannot answer is retriable.
   */
  private async verifyRemote(coordinator: number, transactionalId: string, producerId: bigint, producerEpoch: number, topic: string, partition: number): Promise<number> {
    // No leader, or this broker is named leader but has not taken the partition over yet.
    if (coordinator < 0) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    try {
      return await this.deps.cluster!.rpc.verify(coordinator, transactionalId, producerId, producerEpoch, topic, [partition]);
    } catch (error) {
      if (!(error instanceof TxnRpcUnavailable)) throw error;
      this.deps.log.debug({ err: error, coordinator, transactionalId }, 'transaction verification with the coordinator failed');
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
  }

  get numPartitions(): number {
    return this.deps.metadata.topic(TRANSACTION_STATE_TOPIC)?.partitions.size ?? this.deps.config.transactionStateLogNumPartitions;
  }

  /** Kafka's partitionFor: Utils.abs(transactionalId.hashCode) % partitions (same hash as groups). */
  partitionFor(transactionalId: string): number {
    return partitionForGroup(transactionalId, this.numPartitions);
  }

  /** Starts the periodic timeout abort and id expiration (rescheduling itself on the scheduler). */
  start(): void {
    const every = (intervalMs: number, task: () => Promise<unknown>): void => {
      const run = (): void => {
        if (this.stopped) return;
        task()
          .catch((error: unknown) => this.deps.log.error({ err: error }, 'transaction coordinator task failed'))
          .finally(() => {
            if (!this.stopped) this.timers.push(this.deps.scheduler.schedule(intervalMs, run));
          });
      };
      this.timers.push(this.deps.scheduler.schedule(intervalMs, run));
    };
    // Load (and finish prepared transactions) now rather than at the first request: after a
    // restart the group coordinator must not serve offsets a prepared commit is still to hand over.
    this.timers.push(this.deps.scheduler.schedule(0, () => void this.queue.run(() => this.loadExisting()).catch((error: unknown) => this.deps.log.error({ err: error }, 'loading transaction state failed'))));
    every(this.deps.config.abortTimedOutTransactionsIntervalMs ?? 10_000, () => this.abortTimedOutTransactions());
    every(this.deps.config.removeExpiredTransactionalIdsIntervalMs ?? 3_600_000, () => this.expireTransactionalIds());
    const expireProducers = this.deps.expireProducers;
    if (expireProducers !== undefined) {
      every(this.deps.config.producerIdExpirationCheckIntervalMs ?? 600_000, () => expireProducers(this.now(), this.deps.config.producerIdExpirationMs));
    }
  }

  stop(): Promise<void> {
    this.stopped = true;
    for (const cancel of this.timers) cancel();
    this.timers = [];
    return this.queue.idle();
  }

  private now(): number {
    return this.deps.scheduler.now();
  }

  // ---- __transaction_state: creation, loading, writes ----

  /** Creates __transaction_state on first need and loads the partitions this broker leads. */
  private async ready(): Promise<number> {
    if (this.deps.metadata.topic(TRANSACTION_STATE_TOPIC) === undefined) {
      this.creating ??= this.createTopic().finally(() => (this.creating = undefined));
      if (!(await this.creating)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
    const topic = this.deps.metadata.topic(TRANSACTION_STATE_TOPIC);
    if (topic === undefined) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    for (const p of topic.partitions.keys()) {
      if (this.loaded.has(p)) continue;
      const hosted = this.deps.hostedPartition(TRANSACTION_STATE_TOPIC, p);
      if (hosted === undefined || !hosted.isLeader) continue;
      await this.loadPartition(p, hosted);
      this.loaded.add(p);
    }
    return 0;
  }

  /**
   * Leadership of a __transaction_state partition moved (replication, issue 6): a partition this
   * broker now leads is loaded at once (finishing transactions caught between Prepare and
   * Complete, as Kafka does); one it no longer leads is forgotten, so leading it again later
   * reloads what the other leaders wrote meanwhile.
   */
  onPartitionLeadership(partition: number, isLeader: boolean): void {
    if (this.stopped) return;
    const task = isLeader
      ? () => this.loadExisting()
      : () => {
          this.loaded.delete(partition);
          // Pending transactional offsets stay: they belong to the __consumer_offsets partitions
          // this broker leads, whose markers the new coordinator sends here.
          for (const id of [...this.txns.keys()]) if (this.partitionFor(id) === partition) this.txns.delete(id);
        };
    void this.queue.run(task).catch((error: unknown) => this.deps.log.error({ err: error, partition }, 'transaction state (un)load failed'));
  }

  /**
   * Leadership of a __consumer_offsets partition moved. The pending transactional offsets of its
   * groups live with its leader, which commits or drops them at the transaction's marker: a
   * partition this broker no longer leads forgets them (the new leader rebuilds them; kept here
   * they would read as unstable forever), one it now leads rebuilds them from the transactional
   * batches of the transactions still open in it.
   */
  onOffsetsPartitionLeadership(partition: number, isLeader: boolean): void {
    if (this.stopped) return;
    const groupsHere = (groupId: string): boolean => this.partitionForGroupOffsets(groupId) === partition;
    if (!isLeader) {
      for (const producerId of this.pendingOffsets.producerIds()) this.pendingOffsets.dropGroups(producerId, groupsHere);
      return;
    }
    const hosted = this.deps.hostedPartition(OFFSETS_TOPIC, partition);
    if (hosted === undefined) return;
    void this.queue
      .run(async () => {
        for (const entry of hosted.producers.activeProducers()) {
          if (entry.currentTxnFirstOffset !== null) await this.recoverOffsetsOf(entry.producerId, partition, hosted, entry.currentTxnFirstOffset);
        }
      })
      .catch((error: unknown) => this.deps.log.error({ err: error, partition }, 'recovering transactional offsets failed'));
  }

  /** Loads the partitions of an existing __transaction_state (never creates it). */
  private async loadExisting(): Promise<void> {
    if (this.deps.metadata.topic(TRANSACTION_STATE_TOPIC) !== undefined) await this.ready();
  }

  private async createTopic(): Promise<boolean> {
    const c = this.deps.config;
    const outcome = await this.deps.createTopic({
      name: TRANSACTION_STATE_TOPIC,
      numPartitions: c.transactionStateLogNumPartitions,
      replicationFactor: c.transactionStateLogReplicationFactor,
      assignments: new Map(),
      configs: new Map([
        ['cleanup.policy', 'compact'],
        ['compression.type', 'uncompressed'],
        ['min.insync.replicas', String(c.transactionStateLogMinIsr)],
        ['segment.bytes', String(c.transactionStateLogSegmentBytes)],
        ['unclean.leader.election.enable', 'false'],
      ]),
    });
    if (outcome.errorCode !== 0 && outcome.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) {
      this.deps.log.warn({ errorCode: outcome.errorCode, message: outcome.errorMessage }, 'could not create __transaction_state');
      return false;
    }
    // The replicas appear once the broker applies the committed metadata; wait a bounded while.
    for (let attempt = 0; attempt < 100; attempt++) {
      const topic = this.deps.metadata.topic(TRANSACTION_STATE_TOPIC);
      if (topic !== undefined && [...topic.partitions.keys()].every((p) => this.deps.hostedPartition(TRANSACTION_STATE_TOPIC, p) !== undefined)) return true;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return false;
  }

  /** Rebuilds the ids of one partition from its records (the last record of a key wins). */
  private async loadPartition(partition: number, hosted: HostedPartition): Promise<void> {
    const log = hosted.log;
    let offset = log.logStartOffset;
    const found = new Map<string, TxnMetadata | null>();
    for (;;) {
      const chunk = log.read(offset, { maxBytes: 1 << 20, maxOffset: log.highWatermark, minOneBatch: true }).records;
      if (chunk.length === 0) break;
      for (let pos = 0; pos + LOG_OVERHEAD <= chunk.length; ) {
        const header = new BatchHeader(chunk, pos);
        if (!header.isControl) {
          for (const record of await readRecordBatch(chunk, pos)) {
            if (record.key === null) continue;
            const decoded = decodeTxnLogRecord(record.key, record.value);
            found.set(decoded.transactionalId, decoded.metadata);
          }
        }
        offset = header.lastOffset + 1n;
        pos += header.totalSize;
      }
    }
    for (const [id, txn] of found) {
      if (txn === null) this.txns.delete(id);
      else this.txns.set(id, txn);
    }
    this.deps.log.info({ partition, transactionalIds: found.size }, 'loaded transaction state');
    for (const txn of this.txns.values()) {
      if (this.partitionFor(txn.transactionalId) !== partition) continue;
      // Offsets of a transaction still open or being committed come back from __consumer_offsets.
      if (txn.state === TxnState.Ongoing || txn.state === TxnState.PrepareCommit) await this.recoverPendingOffsets(txn);
      // Transactions caught between Prepare and Complete finish now, as Kafka does on load.
      if (txn.state === TxnState.PrepareCommit || txn.state === TxnState.PrepareAbort) {
        const id = txn.transactionalId;
        void this.queue.run(() => this.completeTransaction(id)).catch(() => undefined);
      }
    }
  }

  /**
   * Rebuilds a transaction's pending offsets from its transactional offset-commit records in
   * __consumer_offsets: those of its producer id from the first offset of its open transaction
   * there (the partition's producer state, itself rebuilt from snapshot and log) to the log end.
   */
  private async recoverPendingOffsets(txn: TxnMetadata): Promise<void> {
    for (const p of txn.partitions.get(OFFSETS_TOPIC) ?? []) {
      const hosted = this.deps.hostedPartition(OFFSETS_TOPIC, p);
      const first = hosted?.producers.producer(txn.producerId)?.currentTxnFirstOffset ?? null;
      if (hosted === undefined || first === null || !hosted.isLeader) continue;
      await this.recoverOffsetsOf(txn.producerId, p, hosted, first);
    }
  }

  /** The producer's transactional offset commits in one __consumer_offsets partition from `first` to the log end. */
  private async recoverOffsetsOf(producerId: bigint, p: number, hosted: HostedPartition, first: bigint): Promise<void> {
    const log = hosted.log;
    const end = log.logEndOffset;
    let recovered = 0;
    for (let offset = first; offset < end; ) {
      const chunk = log.read(offset, { maxBytes: 1 << 20, maxOffset: end, minOneBatch: true }).records;
      if (chunk.length === 0) break;
      for (let pos = 0; pos + LOG_OVERHEAD <= chunk.length; ) {
        const header = new BatchHeader(chunk, pos);
        if (!header.isControl && header.isTransactional && header.producerId === producerId) {
          for (const record of await readRecordBatch(chunk, pos)) {
            if (record.key === null) continue;
            const decoded = decodeCoordinatorRecord(record.key, record.value);
            if (decoded.type !== 'offset' || decoded.value === null) continue;
            const v = decoded.value;
            this.pendingOffsets.add(producerId, decoded.group, NO_MEMBER, [
              { topic: decoded.topic, partition: decoded.partition, offset: v.offset, leaderEpoch: v.leaderEpoch, metadata: v.metadata, commitTimestamp: Number(v.commitTimestamp) },
            ]);
            recovered++;
          }
        }
        offset = header.lastOffset + 1n;
        pos += header.totalSize;
      }
    }
    this.deps.log.info({ producerId: String(producerId), offsetsPartition: p, recovered }, 'recovered pending transactional offsets');
  }

  private coordinatorEpoch(transactionalId: string): number {
    return this.deps.hostedPartition(TRANSACTION_STATE_TOPIC, this.partitionFor(transactionalId))?.leaderEpoch ?? 0;
  }

  /** Persists `next` (or a tombstone); on success it becomes the id's state. */
  private async persist(transactionalId: string, next: TxnMetadata | null): Promise<number> {
    const partition = this.partitionFor(transactionalId);
    const hosted = this.deps.hostedPartition(TRANSACTION_STATE_TOPIC, partition);
    if (hosted === undefined || !hosted.isLeader) return ErrorCode.NOT_COORDINATOR;
    const batch = buildUncompressedRecordBatch([{ key: txnLogKey(transactionalId), value: next === null ? null : txnLogValue(next) }], {
      timestamp: BigInt(this.now()),
    });
    const outcome = await this.deps.produce(TRANSACTION_STATE_TOPIC, partition, batch, INTERNAL_PRODUCE);
    const errorCode = coordinatorAppendError(outcome.errorCode);
    if (errorCode !== 0) {
      this.deps.log.warn({ transactionalId, errorCode: outcome.errorCode, message: outcome.errorMessage }, 'transaction state write failed');
      return errorCode;
    }
    if (next === null) this.txns.delete(transactionalId);
    else this.txns.set(transactionalId, next);
    return 0;
  }

  /** Common entry: queue, then make sure the state topic is there and this broker owns the id. */
  private withTxnState<T>(transactionalId: string | null, onError: (errorCode: number) => T, task: () => Promise<T>): Promise<T> {
    return this.queue.run(async () => {
      const ready = await this.ready();
      if (ready !== 0) return onError(ready);
      if (transactionalId !== null) {
        const hosted = this.deps.hostedPartition(TRANSACTION_STATE_TOPIC, this.partitionFor(transactionalId));
        if (hosted === undefined || !hosted.isLeader) return onError(ErrorCode.NOT_COORDINATOR);
        if (!this.loaded.has(this.partitionFor(transactionalId))) return onError(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
      }
      return task();
    });
  }

  // ---- InitProducerId ----

  async initProducerId(transactionalId: string | null, timeoutMs: number, expected: { producerId: bigint; producerEpoch: number } | null): Promise<InitProducerIdResult> {
    const fail = (errorCode: number): InitProducerIdResult => ({ errorCode, producerId: -1n, producerEpoch: -1 });
    if (transactionalId === null) {
      // Idempotent producers get a fresh id; they bump epochs themselves (KIP-360).
      return { errorCode: 0, producerId: await this.producerIds.generate(), producerEpoch: 0 };
    }
    if (transactionalId === '') return fail(ErrorCode.INVALID_REQUEST);
    if (timeoutMs <= 0 || timeoutMs > this.deps.config.transactionMaxTimeoutMs) return fail(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    return this.withTxnState(transactionalId, fail, async () => {
      const now = this.now();
      let current = this.txns.get(transactionalId);
      if (current === undefined) {
        const producerId = await this.producerIds.generate();
        current = {
          transactionalId,
          producerId,
          lastProducerId: -1n,
          producerEpoch: NO_PRODUCER_EPOCH,
          lastProducerEpoch: NO_PRODUCER_EPOCH,
          timeoutMs,
          state: TxnState.Empty,
          partitions: new Map(),
          startTimestamp: -1,
          lastUpdateTimestamp: now,
        };
      }
      const txn = current;
      // Kafka's isValidProducerId: a fresh id, the current id, or the previous one whose epoch ran out.
      if (
        expected !== null &&
        !(txn.producerEpoch === NO_PRODUCER_EPOCH || expected.producerId === txn.producerId || (expected.producerId === txn.lastProducerId && expected.producerEpoch >= MAX_PRODUCER_EPOCH))
      ) {
        return fail(ErrorCode.PRODUCER_FENCED);
      }
      switch (txn.state) {
        case TxnState.PrepareCommit:
        case TxnState.PrepareAbort:
        case TxnState.PrepareEpochFence:
          return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
        case TxnState.Ongoing: {
          // A new producer instance: fence the old one's epoch and abort its open transaction;
          // the client retries (CONCURRENT_TRANSACTIONS) and then gets the next epoch.
          const errorCode = await this.fenceAndAbort(txn);
          return fail(errorCode === 0 ? ErrorCode.CONCURRENT_TRANSACTIONS : errorCode);
        }
        case TxnState.Dead:
          return fail(ErrorCode.INVALID_TXN_STATE);
        default:
          break;
      }
      const next = copyTxn(txn);
      next.timeoutMs = timeoutMs;
      next.state = TxnState.Empty;
      next.partitions = new Map();
      next.startTimestamp = -1;
      next.lastUpdateTimestamp = now;
      if (txn.producerEpoch >= MAX_PRODUCER_EPOCH && (expected === null || expected.producerEpoch === txn.producerEpoch)) {
        // The epoch is exhausted: rotate to a new producer id (Kafka's prepareProducerIdRotation).
        next.lastProducerId = txn.producerId;
        next.lastProducerEpoch = txn.producerEpoch;
        next.producerId = await this.producerIds.generate();
        next.producerEpoch = 0;
      } else if (expected === null || txn.producerEpoch === NO_PRODUCER_EPOCH || expected.producerEpoch === txn.producerEpoch) {
        // Kafka's prepareIncrementProducerEpoch: a fresh id (epoch -1) takes any expected epoch.
        next.lastProducerEpoch = expected === null ? NO_PRODUCER_EPOCH : txn.producerEpoch;
        next.producerEpoch = txn.producerEpoch + 1;
      } else if (expected.producerEpoch === txn.lastProducerEpoch) {
        // A retry of a bump whose answer the producer lost: answer the same epoch again.
        return { errorCode: 0, producerId: txn.producerId, producerEpoch: txn.producerEpoch };
      } else {
        return fail(ErrorCode.PRODUCER_FENCED);
      }
      const errorCode = await this.persist(transactionalId, next);
      if (errorCode !== 0) return fail(errorCode);
      return { errorCode: 0, producerId: next.producerId, producerEpoch: next.producerEpoch };
    });
  }

  // ---- AddPartitionsToTxn / AddOffsetsToTxn ----

  /** Kafka's checks shared by AddPartitions, AddOffsets and the verify-only path. */
  private checkProducer(txn: TxnMetadata | undefined, producerId: bigint, producerEpoch: number): number {
    if (txn === undefined || txn.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (txn.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
    if (txn.state === TxnState.PrepareCommit || txn.state === TxnState.PrepareAbort || txn.state === TxnState.PrepareEpochFence) {
      return ErrorCode.CONCURRENT_TRANSACTIONS;
    }
    return 0;
  }

  /** Adds partitions to the producer's transaction; one error code for all of them. */
  addPartitions(transactionalId: string, producerId: bigint, producerEpoch: number, topics: readonly TopicPartitions[]): Promise<number> {
    return this.withTxnState(transactionalId, (e) => e, async () => {
      const txn = this.txns.get(transactionalId);
      const check = this.checkProducer(txn, producerId, producerEpoch);
      if (check !== 0 || txn === undefined) return check;
      if (txn.state === TxnState.Dead) return ErrorCode.INVALID_TXN_STATE;
      const missing = topics.some((t) => t.partitions.some((p) => !hasPartition(txn, t.topic, p)));
      if (txn.state === TxnState.Ongoing && !missing) return 0;
      const next = copyTxn(txn);
      const now = this.now();
      if (txn.state !== TxnState.Ongoing) {
        next.partitions = new Map();
        next.startTimestamp = now;
      }
      next.state = TxnState.Ongoing;
      next.lastUpdateTimestamp = now;
      for (const t of topics) {
        let set = next.partitions.get(t.topic);
        if (set === undefined) next.partitions.set(t.topic, (set = new Set()));
        for (const p of t.partitions) set.add(p);
      }
      return this.persist(transactionalId, next);
    });
  }

  /** The v4+ verify-only path (KIP-890): per-partition answer whether it is in the transaction. */
  verifyPartitions(transactionalId: string, producerId: bigint, producerEpoch: number, topics: readonly TopicPartitions[]): Promise<Map<string, Map<number, number>>> {
    const all = (errorCode: number): Map<string, Map<number, number>> =>
      new Map(topics.map((t) => [t.topic, new Map(t.partitions.map((p) => [p, errorCode]))]));
    return this.withTxnState(transactionalId, all, () => {
      const txn = this.txns.get(transactionalId);
      const check = this.checkProducer(txn, producerId, producerEpoch);
      if (check !== 0 || txn === undefined) return Promise.resolve(all(check));
      return Promise.resolve(
        new Map(topics.map((t) => [t.topic, new Map(t.partitions.map((p) => [p, txn.state === TxnState.Ongoing && hasPartition(txn, t.topic, p) ? 0 : ErrorCode.INVALID_TXN_STATE]))])),
      );
    });
  }

  /** AddOffsetsToTxn: the group's __consumer_offsets partition joins the transaction. */
  addOffsets(transactionalId: string, producerId: bigint, producerEpoch: number, groupId: string): Promise<number> {
    return this.addPartitions(transactionalId, producerId, producerEpoch, [{ topic: OFFSETS_TOPIC, partitions: [this.partitionForGroupOffsets(groupId)] }]);
  }

  /**
   * TxnOffsetCommit: the producer must be in a transaction that includes the group's offsets
   * partition; the offsets wait for the transaction's end.
   */
  async txnOffsetCommit(transactionalId: string, producerId: bigint, producerEpoch: number, groupId: string, member: TxnOffsetMember, offsets: readonly TxnOffset[]): Promise<number> {
    // The group coordinator (this broker) and the transaction coordinator may be different
    // brokers: then it asks the other one, as Kafka 3.9 verifies a TxnOffsetCommit (KIP-890),
    // outside the queue so two coordinators asking each other never wait on one another.
    const coordinator = this.remoteCoordinator(transactionalId);
    if (coordinator !== undefined) {
      const verified = await this.verifyRemote(coordinator, transactionalId, producerId, producerEpoch, OFFSETS_TOPIC, this.partitionForGroupOffsets(groupId));
      if (verified !== 0) return verified === ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : verified;
    }
    return this.withTxnState(null, (e) => e, async () => {
      const partition = this.partitionForGroupOffsets(groupId);
      if (coordinator === undefined) {
        const txn = this.txns.get(transactionalId);
        if (txn === undefined || txn.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
        // Kafka learns of a stale epoch when the offsets' transactional append fails: INVALID_PRODUCER_EPOCH.
        if (producerEpoch !== txn.producerEpoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
        if (txn.state !== TxnState.Ongoing || !hasPartition(txn, OFFSETS_TOPIC, partition)) return ErrorCode.INVALID_TXN_STATE;
      }
      // The member (v3+) is checked now, as Kafka does: a consumer that lost its generation must
      // not commit, and the producer hears it in time to abort.
      const invalid = (await this.deps.offsets.validateMember?.(groupId, member)) ?? 0;
      if (invalid !== 0) return invalid;
      if (offsets.length > 0) {
        const errorCode = await this.appendTxnOffsets(groupId, partition, producerId, producerEpoch, offsets);
        if (errorCode !== 0) return errorCode;
      }
      this.pendingOffsets.add(producerId, groupId, member, offsets);
      return 0;
    });
  }

  /** The __consumer_offsets partition holding a group's offsets. */
  partitionForGroupOffsets(groupId: string): number {
    return partitionForGroup(groupId, this.deps.metadata.topic(OFFSETS_TOPIC)?.partitions.size ?? this.deps.config.offsetsTopicNumPartitions);
  }

  /**
   * Writes the offsets as Kafka's group coordinator does for TxnOffsetCommit: OffsetCommit records
   * in a transactional batch of the producer in the group's __consumer_offsets partition, so they
   * survive a crash until the transaction's marker. (The group coordinator's loader skips
   * transactional batches; at commit the offsets reach it through the sink.)
   */
  private async appendTxnOffsets(groupId: string, partition: number, producerId: bigint, producerEpoch: number, offsets: readonly TxnOffset[]): Promise<number> {
    const records = offsets.map((o) => ({
      key: offsetCommitKey(groupId, o.topic, o.partition),
      value: offsetCommitValue({ offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata ?? '', commitTimestamp: BigInt(o.commitTimestamp), expireTimestamp: -1n }),
    }));
    const batch = buildUncompressedRecordBatch(records, { timestamp: BigInt(this.now()), producerId, producerEpoch, baseSequence: 0, transactional: true });
    const outcome = await this.deps.produce(OFFSETS_TOPIC, partition, batch, INTERNAL_PRODUCE);
    const errorCode = coordinatorAppendError(outcome.errorCode);
    if (errorCode !== 0) this.deps.log.warn({ groupId, partition, errorCode: outcome.errorCode, message: outcome.errorMessage }, 'transactional offsets not written');
    return errorCode;
  }

  /**
   * KIP-447: whether an OffsetFetch with requireStable must answer UNSTABLE_OFFSET_COMMIT for
   * this group's partition — an open or completing transaction holds an offset for it, or this
   * coordinator has not yet loaded (and recovered the offsets of) a __transaction_state
   * partition it leads, so it cannot tell yet.
   */
  hasPendingOffsets(groupId: string, topic: string, partition: number): boolean {
    return this.pendingOffsets.has(groupId, topic, partition) || this.loadIncomplete();
  }

  private loadIncomplete(): boolean {
    const topic = this.deps.metadata.topic(TRANSACTION_STATE_TOPIC);
    if (topic === undefined) return false;
    for (const p of topic.partitions.keys()) {
      if (!this.loaded.has(p) && this.deps.hostedPartition(TRANSACTION_STATE_TOPIC, p)?.isLeader === true) return true;
    }
    return false;
  }

  /**
   * KIP-890 part 1 (transaction.partition.verification.enable): a partition leader asks before
   * the first transactional batch of a transaction lands, so a stray or late write cannot open a
   * transaction the coordinator will never end. Errors are what the producer hears.
   */
  async verifyProduce(producerId: bigint, producerEpoch: number, topic: string, partition: number, transactionalId?: string | null): Promise<number> {
    const coordinator = this.remoteCoordinator(transactionalId);
    if (coordinator !== undefined) {
      const errorCode = await this.verifyRemote(coordinator, transactionalId!, producerId, producerEpoch, topic, partition);
      // Kafka's ReplicaManager: a fenced producer hears INVALID_PRODUCER_EPOCH; coordinator
      // trouble (moving, loading, unreachable, completing a transaction) is retriable.
      if (errorCode === ErrorCode.PRODUCER_FENCED) return ErrorCode.INVALID_PRODUCER_EPOCH;
      if (RETRIABLE_VERIFICATION.has(errorCode)) return ErrorCode.NOT_ENOUGH_REPLICAS;
      return errorCode;
    }
    // Coordinator trouble is retriable for the producer (Kafka answers NOT_ENOUGH_REPLICAS).
    return this.withTxnState(null, () => ErrorCode.NOT_ENOUGH_REPLICAS, () => {
      let txn: TxnMetadata | undefined;
      for (const t of this.txns.values()) if (t.producerId === producerId) txn = t;
      if (txn === undefined) return Promise.resolve(ErrorCode.INVALID_TXN_STATE);
      if (producerEpoch < txn.producerEpoch) return Promise.resolve(ErrorCode.INVALID_PRODUCER_EPOCH);
      if (txn.state === TxnState.PrepareCommit || txn.state === TxnState.PrepareAbort || txn.state === TxnState.PrepareEpochFence) {
        return Promise.resolve(ErrorCode.NOT_ENOUGH_REPLICAS);
      }
      const ok = txn.state === TxnState.Ongoing && producerEpoch === txn.producerEpoch && hasPartition(txn, topic, partition);
      return Promise.resolve(ok ? 0 : ErrorCode.INVALID_TXN_STATE);
    });
  }

  // ---- EndTxn and completion ----

  endTransaction(transactionalId: string, producerId: bigint, producerEpoch: number, committed: boolean): Promise<number> {
    if (transactionalId === '') return Promise.resolve(ErrorCode.INVALID_REQUEST);
    return this.withTxnState(transactionalId, (e) => e, async () => {
      const txn = this.txns.get(transactionalId);
      if (txn === undefined || txn.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
      if (producerEpoch !== txn.producerEpoch) return ErrorCode.PRODUCER_FENCED;
      switch (txn.state) {
        case TxnState.Ongoing: {
          const errorCode = await this.prepare(txn, committed ? TxnState.PrepareCommit : TxnState.PrepareAbort, txn.producerEpoch);
          if (errorCode === 0) void this.queue.run(() => this.completeTransaction(transactionalId)).catch(() => undefined);
          return errorCode;
        }
        case TxnState.CompleteCommit:
          return committed ? 0 : ErrorCode.INVALID_TXN_STATE;
        case TxnState.CompleteAbort:
          return committed ? ErrorCode.INVALID_TXN_STATE : 0;
        case TxnState.PrepareCommit:
          return committed ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE;
        case TxnState.PrepareAbort:
          return committed ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS;
        case TxnState.PrepareEpochFence:
          return ErrorCode.CONCURRENT_TRANSACTIONS;
        default:
          return ErrorCode.INVALID_TXN_STATE;
      }
    });
  }

  private async prepare(txn: TxnMetadata, state: TxnState, epoch: number): Promise<number> {
    const next = copyTxn(txn);
    next.state = state;
    next.producerEpoch = epoch;
    next.lastUpdateTimestamp = this.now();
    return this.persist(txn.transactionalId, next);
  }

  /**
   * Bumps the epoch (fencing the producer holding the old one) and aborts the open transaction
   * with it. Runs on the queue; the completion is queued behind.
   */
  private async fenceAndAbort(txn: TxnMetadata): Promise<number> {
    // Kafka aborts with the current epoch when it cannot bump; the id rotates on the next init.
    const epoch = txn.producerEpoch >= MAX_PRODUCER_EPOCH ? txn.producerEpoch : txn.producerEpoch + 1;
    const errorCode = await this.prepare(txn, TxnState.PrepareAbort, epoch);
    if (errorCode === 0) void this.queue.run(() => this.completeTransaction(txn.transactionalId)).catch(() => undefined);
    return errorCode;
  }

  /**
   * Writes the markers to every partition's leader (this broker's own partitions in process,
   * the others over WriteTxnMarkers; committed offsets reach their group coordinator with the
   * marker of their __consumer_offsets partition), then records Complete. Runs on the queue for
   * this broker's partitions; the others' (and retries) go on in the background and the
   * transaction stays Prepare* (requests for it get CONCURRENT_TRANSACTIONS) until all are in.
   */
  private async completeTransaction(transactionalId: string): Promise<void> {
    const txn = this.txns.get(transactionalId);
    if (txn === undefined || (txn.state !== TxnState.PrepareCommit && txn.state !== TxnState.PrepareAbort)) return;
    if (this.retryingMarkers.has(transactionalId)) return;
    const marker: TxnMarker = { producerId: txn.producerId, producerEpoch: txn.producerEpoch, coordinatorEpoch: this.coordinatorEpoch(transactionalId), committed: txn.state === TxnState.PrepareCommit };
    const pending: PendingMarkers = new Map([...txn.partitions].map(([t, s]) => [t, new Set(s)]));
    // This broker's own partitions now, on the queue (one node completes before the next request);
    // other leaders' off the queue, so a slow or unreachable broker never holds up other ids.
    const outcome = await this.markers.round(marker, pending, true);
    if (outcome === 'done') return this.recordComplete(transactionalId, marker);
    if (outcome === 'fenced') return;
    // Still the same prepared transaction, led here: a new leader of the state partition finishes it itself.
    const same = (): boolean => {
      const now = this.txns.get(transactionalId);
      return (
        !this.stopped &&
        now !== undefined &&
        now.producerId === marker.producerId &&
        now.producerEpoch === marker.producerEpoch &&
        now.state === txn.state &&
        this.deps.hostedPartition(TRANSACTION_STATE_TOPIC, this.partitionFor(transactionalId))?.isLeader === true
      );
    };
    this.retryingMarkers.add(transactionalId);
    void this.markers
      .untilWritten(marker, pending, same, true)
      .then((result) => (result === 'done' ? this.queue.run(() => (same() ? this.recordComplete(transactionalId, marker) : Promise.resolve())) : undefined))
      .catch((error: unknown) => this.deps.log.error({ err: error, transactionalId }, 'transaction completion failed'))
      .finally(() => this.retryingMarkers.delete(transactionalId));
  }

  /** Every marker is in: CompleteCommit / CompleteAbort. */
  private async recordComplete(transactionalId: string, marker: TxnMarker): Promise<void> {
    const txn = this.txns.get(transactionalId);
    if (txn === undefined || txn.producerId !== marker.producerId) return;
    const next = copyTxn(txn);
    next.state = marker.committed ? TxnState.CompleteCommit : TxnState.CompleteAbort;
    next.partitions = new Map();
    next.lastUpdateTimestamp = this.now();
    const errorCode = await this.persist(transactionalId, next);
    if (errorCode !== 0) this.deps.log.warn({ transactionalId, errorCode }, 'could not record the completed transaction');
  }

  /**
   * One COMMIT/ABORT marker into a partition this broker leads: the coordinator's own path and
   * what WriteTxnMarkers serves. For a __consumer_offsets partition the pending transactional
   * offsets of the producer's groups there go to the group coordinator first when committing
   * (until the marker lands they can still be recovered from the log if the broker dies in
   * between, and the group coordinator takes the same offsets twice harmlessly), and are
   * forgotten once the marker is in.
   */
  async writeMarker(topic: string, partition: number, producerId: bigint, producerEpoch: number, coordinatorEpoch: number, committed: boolean): Promise<number> {
    const groupsHere = (groupId: string): boolean => this.partitionForGroupOffsets(groupId) === partition;
    if (topic === OFFSETS_TOPIC && committed) {
      const hosted = this.deps.hostedPartition(topic, partition);
      const entry = hosted?.producers.producer(producerId);
      // Not for a stale marker (an older epoch than the producer's transaction here): the produce refuses it.
      if (hosted?.isLeader === true && (entry === undefined || entry.producerEpoch <= producerEpoch)) {
        for (const [groupId, pending] of this.pendingOffsets.peekGroups(producerId, groupsHere)) {
          // Checked at TxnOffsetCommit; a committed transaction's offsets land whatever the group
          // did since (Kafka materializes them at the marker without a member check).
          const refused = await this.deps.offsets.commitTransactionalOffsets(groupId, NO_MEMBER, pending.offsets).catch((error: unknown) => {
            this.deps.log.warn({ err: error, groupId }, 'transactional offsets not committed');
            return 0;
          });
          // The group coordinator is loading or gone: no marker yet (the coordinator retries it).
          if (typeof refused === 'number' && refused !== 0) return refused;
        }
      }
    }
    const batch = buildEndTxnMarkerBatch({ producerId, producerEpoch, coordinatorEpoch, committed, timestamp: BigInt(this.now()) });
    const outcome = await this.deps.produce(topic, partition, batch, INTERNAL_PRODUCE);
    if (outcome.errorCode === 0 && topic === OFFSETS_TOPIC) this.pendingOffsets.dropGroups(producerId, groupsHere);
    return outcome.errorCode;
  }

  // ---- timers ----

  /** Aborts transactions open longer than their timeout, bumping the epoch (fencing the producer). */
  abortTimedOutTransactions(): Promise<number> {
    return this.queue.run(async () => {
      await this.loadExisting();
      const now = this.now();
      let aborted = 0;
      for (const txn of [...this.txns.values()]) {
        if (txn.state !== TxnState.Ongoing || txn.startTimestamp + txn.timeoutMs > now) continue;
        this.deps.log.info({ transactionalId: txn.transactionalId, producerId: String(txn.producerId) }, 'aborting timed-out transaction');
        if ((await this.fenceAndAbort(txn)) === 0) aborted++;
      }
      return aborted;
    });
  }

  /** Removes ids idle longer than transactional.id.expiration.ms (a tombstone in the log). */
  expireTransactionalIds(): Promise<number> {
    return this.queue.run(async () => {
      const now = this.now();
      let expired = 0;
      for (const txn of [...this.txns.values()]) {
        const idle = txn.state === TxnState.Empty || txn.state === TxnState.CompleteCommit || txn.state === TxnState.CompleteAbort;
        if (!idle || txn.lastUpdateTimestamp + this.deps.config.transactionalIdExpirationMs > now) continue;
        if ((await this.persist(txn.transactionalId, null)) === 0) expired++;
      }
      return expired;
    });
  }

  // ---- describe / list ----

  /** A snapshot of one id's state (after the queue drains), or undefined if unknown. */
  describe(transactionalId: string): Promise<{ errorCode: number; txn: TxnMetadata | undefined }> {
    // Describing never creates __transaction_state; without it no id exists.
    if (this.deps.metadata.topic(TRANSACTION_STATE_TOPIC) === undefined) return Promise.resolve({ errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, txn: undefined });
    return this.withTxnState(transactionalId, (errorCode) => ({ errorCode, txn: undefined }), () => {
      const txn = this.txns.get(transactionalId);
      return Promise.resolve({ errorCode: txn === undefined ? ErrorCode.TRANSACTIONAL_ID_NOT_FOUND : 0, txn: txn && copyTxn(txn) });
    });
  }

  /** Every id this coordinator holds (loading its partitions first, without creating the topic). */
  list(): Promise<TxnMetadata[]> {
    const all = (): Promise<TxnMetadata[]> => Promise.resolve([...this.txns.values()].map(copyTxn));
    if (this.deps.metadata.topic(TRANSACTION_STATE_TOPIC) === undefined) return this.queue.run(all);
    return this.withTxnState(null, () => [], all);
  }
}
