// Per-partition producer state, as Kafka's ProducerStateManager keeps it: for every producer id
// the epoch and the sequence ranges of its last five batches (to answer retried batches with
// their original offsets), the first offset of its open transaction (which holds back the last
// stable offset), and the aborted transactions read_committed consumers must skip.
//
// The state changes only through `apply` (batches as appended, offsets assigned) and is checked
// by `checkClientBatches` before an append; the replica manager runs check, append and apply as
// one task on `queue`, so no other produce to the partition interleaves.
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { BatchHeader, LOG_OVERHEAD, RECORD_BATCH_OVERHEAD } from '../records/batch-header.js';
import { decodeEndTxnMarker, type EndTxnMarker } from '../records/control-record.js';
import { iterateRecordsPayload } from '../records/record-batch.js';
import { SerialQueue } from '../storage/serial-queue.js';
import type { ProducerStateFiles, SnapshotEntry } from './producer-snapshot.js';

/** Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN. */
export const BATCHES_TO_RETAIN = 5;
const NO_SEQUENCE = -1;
const NO_EPOCH = -1;

export interface BatchMetadata {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly firstOffset: bigint;
  readonly lastOffset: bigint;
  readonly timestamp: bigint;
}

export interface ProducerEntry {
  readonly producerId: bigint;
  producerEpoch: number;
  coordinatorEpoch: number;
  lastTimestamp: bigint;
  /** Oldest first, at most BATCHES_TO_RETAIN, all of the current epoch. */
  batches: BatchMetadata[];
  /** First offset of the producer's open transaction on this partition. */
  currentTxnFirstOffset: bigint | null;
  /** Offset of the producer's last COMMIT/ABORT marker here (-1 if none seen since load). */
  lastMarkerOffset: bigint;
}

/** An entry of Kafka's aborted transaction index (`.txnindex`). */
export interface AbortedTxn {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
  readonly lastOffset: bigint;
  readonly lastStableOffset: bigint;
}

export type ProduceCheck =
  | { readonly kind: 'append' }
  | { readonly kind: 'duplicate'; readonly firstOffset: bigint; readonly lastOffset: bigint }
  | { readonly kind: 'error'; readonly errorCode: number; readonly message: string };

const APPEND: ProduceCheck = { kind: 'append' };

/** What recovery reads: the partition log's bounds and whole batches from an offset. */
export interface LogSource {
  readonly logStartOffset: bigint;
  readonly logEndOffset: bigint;
  segmentBaseOffsets(): bigint[];
  /** Whole batches starting at the batch holding `offset`; empty at the end. */
  readFrom(offset: bigint): Buffer;
}

/** The base offset of the segment holding `offset`. */
function segmentHolding(bases: readonly bigint[], offset: bigint): bigint {
  let found = bases[0] ?? 0n;
  for (const base of bases) if (base <= offset) found = base;
  return found;
}

/** Sequence `next` directly follows `last` (sequences wrap to 0 after int32 max). */
function inSequence(last: number, next: number): boolean {
  return next === last + 1 || (next === 0 && last === 0x7fffffff);
}

function lastSequenceOf(header: BatchHeader): number {
  const first = header.baseSequence;
  const span = header.lastOffsetDelta;
  return first > 0x7fffffff - span ? span - (0x7fffffff - first) - 1 : first + span;
}

function* batchesOf(records: Buffer): Generator<BatchHeader> {
  for (let pos = 0; pos + LOG_OVERHEAD <= records.length; ) {
    const header = new BatchHeader(records, pos);
    yield header;
    pos += header.totalSize;
  }
}

/** The COMMIT/ABORT marker of a control batch (control batches are never compressed). */
function markerOf(header: BatchHeader): EndTxnMarker | undefined {
  const payload = header.buf.subarray(header.pos + RECORD_BATCH_OVERHEAD, header.pos + header.totalSize);
  for (const record of iterateRecordsPayload(payload, header)) return decodeEndTxnMarker(record.key, record.value);
  return undefined;
}

export class ProducerStateManager {
  /** Check, append and apply for this partition run here, one produce at a time. */
  readonly queue = new SerialQueue();
  private readonly producers = new Map<bigint, ProducerEntry>();
  /** Producer id → first offset of its open transaction. */
  private readonly ongoing = new Map<bigint, bigint>();
  private aborted: AbortedTxn[] = [];

  /**
   * Checks one append before it happens: client batches by their sequences and epochs; the
   * broker's own (internal) writes only by their transaction markers' epochs.
   */
  check(records: Buffer, origin: 'client' | 'internal'): ProduceCheck {
    if (origin === 'client') return this.checkClientBatches(records);
    for (const header of batchesOf(records)) {
      if (!header.isControl || header.producerId < 0n) continue;
      const marker = markerOf(header);
      if (marker === undefined) continue;
      const check = this.checkMarker(header.producerId, header.producerEpoch, marker.coordinatorEpoch);
      if (check.kind !== 'append') return check;
    }
    return APPEND;
  }

  /**
   * Kafka's produce-path checks for the client batches of one request, against the state as it
   * stands (batches earlier in the same request count, as Kafka's ProducerAppendInfo does).
   */
  checkClientBatches(records: Buffer): ProduceCheck {
    // Epoch and last sequence per producer as the earlier batches of this request leave them.
    const pending = new Map<bigint, { epoch: number; lastSeq: number }>();
    for (const header of batchesOf(records)) {
      const producerId = header.producerId;
      if (producerId < 0n) continue;
      const epoch = header.producerEpoch;
      const firstSeq = header.baseSequence;
      const lastSeq = lastSequenceOf(header);
      const entry = this.producers.get(producerId);
      const duplicate = entry?.producerEpoch === epoch ? entry.batches.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq) : undefined;
      if (duplicate !== undefined) {
        return { kind: 'duplicate', firstOffset: duplicate.firstOffset, lastOffset: duplicate.lastOffset };
      }
      const current = pending.get(producerId) ?? {
        epoch: entry?.producerEpoch ?? NO_EPOCH,
        lastSeq: entry === undefined ? NO_SEQUENCE : (entry.batches[entry.batches.length - 1]?.lastSeq ?? NO_SEQUENCE),
      };
      if (epoch < current.epoch) {
        return {
          kind: 'error',
          errorCode: ErrorCode.INVALID_PRODUCER_EPOCH,
          message: `Epoch of producer ${producerId} at offset ${header.baseOffset} is ${epoch}, which is smaller than the last seen epoch ${current.epoch}`,
        };
      }
      if (epoch !== current.epoch) {
        // A new epoch starts at sequence 0, unless the broker knows nothing about the producer.
        if (firstSeq !== 0 && current.epoch !== NO_EPOCH) {
          return { kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, message: `Invalid sequence number for new epoch of producer ${producerId}: ${epoch} (request epoch), ${firstSeq} (seq. number), ${current.epoch} (current producer epoch)` };
        }
      } else if (!inSequence(current.lastSeq, firstSeq)) {
        // With no retained batch of this epoch (e.g. after an end marker) the last sequence is
        // NO_SEQUENCE (-1), which only sequence 0 follows.
        return { kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, message: `Out of order sequence number for producer ${producerId} at offset ${header.baseOffset}: ${firstSeq} (incoming seq. number), ${current.lastSeq} (current end sequence number)` };
      }
      pending.set(producerId, { epoch, lastSeq });
    }
    return APPEND;
  }

  /**
   * A COMMIT/ABORT marker from the transaction coordinator: refused when its producer epoch is
   * older than the partition's, or its coordinator epoch older than the last marker's.
   */
  checkMarker(producerId: bigint, producerEpoch: number, coordinatorEpoch: number): ProduceCheck {
    const entry = this.producers.get(producerId);
    if (entry === undefined) return APPEND;
    if (producerEpoch < entry.producerEpoch) {
      return { kind: 'error', errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, message: `Marker epoch ${producerEpoch} of producer ${producerId} is older than ${entry.producerEpoch}` };
    }
    if (coordinatorEpoch < entry.coordinatorEpoch) {
      return { kind: 'error', errorCode: ErrorCode.TRANSACTION_COORDINATOR_FENCED, message: `Coordinator epoch ${coordinatorEpoch} is older than ${entry.coordinatorEpoch}` };
    }
    return APPEND;
  }

  /** Updates the state with batches as written to the log (offsets assigned); returns new aborted transactions. */
  apply(records: Buffer): AbortedTxn[] {
    const aborted: AbortedTxn[] = [];
    for (const header of batchesOf(records)) {
      const producerId = header.producerId;
      if (producerId < 0n || header.magic < 2) continue;
      if (!header.isControl) this.applyData(header);
      else {
        const entry = this.applyControl(header);
        if (entry !== undefined) aborted.push(entry);
      }
    }
    return aborted;
  }

  private entryFor(producerId: bigint, epoch: number): ProducerEntry {
    let entry = this.producers.get(producerId);
    if (entry === undefined) {
      entry = { producerId, producerEpoch: epoch, coordinatorEpoch: -1, lastTimestamp: -1n, batches: [], currentTxnFirstOffset: null, lastMarkerOffset: -1n };
      this.producers.set(producerId, entry);
    } else if (entry.producerEpoch !== epoch) {
      // A new epoch forgets the old epoch's sequences (Kafka's maybeUpdateProducerEpoch).
      entry.producerEpoch = epoch;
      entry.batches = [];
    }
    return entry;
  }

  private applyData(header: BatchHeader): void {
    const entry = this.entryFor(header.producerId, header.producerEpoch);
    entry.batches.push({
      firstSeq: header.baseSequence,
      lastSeq: lastSequenceOf(header),
      firstOffset: header.baseOffset,
      lastOffset: header.lastOffset,
      timestamp: header.maxTimestamp,
    });
    if (entry.batches.length > BATCHES_TO_RETAIN) entry.batches.shift();
    entry.lastTimestamp = header.maxTimestamp;
    if (header.isTransactional && entry.currentTxnFirstOffset === null) {
      entry.currentTxnFirstOffset = header.baseOffset;
      this.ongoing.set(header.producerId, header.baseOffset);
    }
  }

  private applyControl(header: BatchHeader): AbortedTxn | undefined {
    const marker = markerOf(header);
    if (marker === undefined) return undefined;
    const entry = this.entryFor(header.producerId, header.producerEpoch);
    entry.coordinatorEpoch = marker.coordinatorEpoch;
    entry.lastMarkerOffset = header.baseOffset;
    entry.lastTimestamp = header.maxTimestamp;
    const firstOffset = entry.currentTxnFirstOffset ?? header.baseOffset;
    entry.currentTxnFirstOffset = null;
    this.ongoing.delete(header.producerId);
    if (!marker.committed) {
      // Kafka's lastStableOffset(completedTxn): the first offset of another open transaction,
      // else the offset after this marker.
      const lastStableOffset = this.firstUnstableOffset() ?? header.lastOffset + 1n;
      const aborted = { producerId: header.producerId, firstOffset, lastOffset: header.lastOffset, lastStableOffset };
      this.aborted.push(aborted);
      return aborted;
    }
    return undefined;
  }

  /** The smallest first offset of an open transaction, or null when none is open. */
  firstUnstableOffset(): bigint | null {
    let min: bigint | null = null;
    for (const offset of this.ongoing.values()) if (min === null || offset < min) min = offset;
    return min;
  }

  /** Kafka's LSO: below the first open transaction and never above the high watermark. */
  lastStableOffset(highWatermark: bigint): bigint {
    const first = this.firstUnstableOffset();
    return first !== null && first < highWatermark ? first : highWatermark;
  }

  /** Aborted transactions that overlap the offsets [from, upTo). */
  abortedTransactions(from: bigint, upTo: bigint): AbortedTxn[] {
    return this.aborted.filter((t) => t.lastOffset >= from && t.firstOffset < upTo);
  }

  allAborted(): readonly AbortedTxn[] {
    return this.aborted;
  }

  /**
   * KIP-890 verification: where a transactional batch would start the producer's transaction on
   * this partition, the state it must still find at append time (no marker in between); null
   * when the producer already has a transaction open here and nothing needs verifying.
   */
  verificationGuard(producerId: bigint): bigint | null {
    const entry = this.producers.get(producerId);
    if (entry === undefined) return -1n;
    return entry.currentTxnFirstOffset !== null ? null : entry.lastMarkerOffset;
  }

  producer(producerId: bigint): ProducerEntry | undefined {
    return this.producers.get(producerId);
  }

  activeProducers(): ProducerEntry[] {
    return [...this.producers.values()];
  }

  /** Drops aborted-index entries wholly below the log start (retention removed their data). */
  onLogStartOffset(logStartOffset: bigint): void {
    this.aborted = this.aborted.filter((t) => t.lastOffset >= logStartOffset);
  }

  /** Forgets producers idle longer than producer.id.expiration.ms that have no open transaction. */
  expireProducers(nowMs: number, expirationMs: number): number {
    let removed = 0;
    for (const [id, entry] of this.producers) {
      if (entry.currentTxnFirstOffset === null && entry.lastTimestamp >= 0n && nowMs - Number(entry.lastTimestamp) >= expirationMs) {
        this.producers.delete(id);
        removed++;
      }
    }
    return removed;
  }

  // ---- persistence: snapshots and the aborted-transaction index ----

  private files: ProducerStateFiles | undefined;

  /**
   * Restores the state when the partition opens: from the newest snapshot at or below the log
   * end plus the `.txnindex` entries below it, then replays the log from there (all of it without
   * a snapshot). After a clean shutdown the snapshot sits at the log end and nothing is replayed.
   */
  async recover(log: LogSource, files?: ProducerStateFiles): Promise<void> {
    this.files = files;
    this.producers.clear();
    this.ongoing.clear();
    this.aborted = [];
    const snapshot = files?.latestSnapshot(log.logEndOffset) ?? null;
    let from = log.logStartOffset;
    let indexed: AbortedTxn[] = [];
    if (files !== undefined && snapshot !== null && snapshot.offset >= log.logStartOffset) {
      this.loadSnapshot(snapshot.entries);
      indexed = files.readAborted().filter((t) => t.lastOffset >= log.logStartOffset);
      this.aborted = indexed.filter((t) => t.lastOffset < snapshot.offset);
      from = snapshot.offset;
    } else if (files !== undefined) {
      indexed = files.readAborted();
    }
    const replayed = this.replay(from, log.readFrom);
    // Aborts whose index entry a crash lost are indexed again.
    const known = new Set(indexed.map((t) => `${t.producerId}:${t.lastOffset}`));
    const missing = replayed.filter((t) => !known.has(`${t.producerId}:${t.lastOffset}`));
    const bases = log.segmentBaseOffsets();
    for (const t of missing) await files?.appendAborted(segmentHolding(bases, t.lastOffset), [t]);
  }

  /** Applies the batches from `offset` to the log end; returns the aborted transactions met. */
  private replay(offset: bigint, readFrom: (offset: bigint) => Buffer): AbortedTxn[] {
    const aborted: AbortedTxn[] = [];
    for (;;) {
      const chunk = readFrom(offset);
      if (chunk.length === 0) return aborted;
      let next = offset;
      for (const header of batchesOf(chunk)) {
        if (header.magic >= 2) aborted.push(...this.apply(chunk.subarray(header.pos, header.pos + header.totalSize)));
        next = header.lastOffset + 1n;
      }
      if (next <= offset) return aborted;
      offset = next;
    }
  }

  /** Indexes aborted transactions in the `.txnindex` of the segment holding their markers. */
  async persistAborted(aborted: readonly AbortedTxn[], segmentBaseOffset: bigint): Promise<void> {
    if (aborted.length > 0) await this.files?.appendAborted(segmentBaseOffset, aborted);
  }

  /**
   * Writes `<offset>.snapshot` (at a segment roll, before the rolling batch is applied, and at
   * shutdown). With the log's current shape it also forgets what retention removed: aborted
   * transactions below the log start and `.txnindex` files of deleted segments.
   */
  /** `log` is given at a segment roll, whose snapshot is fsynced in the background (see ProducerStateFiles.writeSnapshot). */
  async takeSnapshot(offset: bigint, log?: { logStartOffset: bigint; segmentBaseOffsets(): bigint[] }): Promise<void> {
    if (log !== undefined) {
      this.onLogStartOffset(log.logStartOffset);
      this.files?.removeTxnIndexesExcept(new Set(log.segmentBaseOffsets()));
    }
    await this.files?.writeSnapshot(offset, this.snapshotEntries(), log !== undefined);
  }

  snapshotEntries(): SnapshotEntry[] {
    return [...this.producers.values()].map((p) => {
      const last = p.batches[p.batches.length - 1];
      return {
        producerId: p.producerId,
        producerEpoch: p.producerEpoch,
        lastSequence: last?.lastSeq ?? NO_SEQUENCE,
        lastOffset: last?.lastOffset ?? -1n,
        offsetDelta: last === undefined ? 0 : Number(last.lastOffset - last.firstOffset),
        timestamp: p.lastTimestamp,
        coordinatorEpoch: p.coordinatorEpoch,
        currentTxnFirstOffset: p.currentTxnFirstOffset ?? -1n,
      };
    });
  }

  private loadSnapshot(entries: readonly SnapshotEntry[]): void {
    for (const e of entries) {
      const batches: BatchMetadata[] =
        e.lastSequence === NO_SEQUENCE
          ? []
          : [{ firstSeq: Math.max(0, e.lastSequence - e.offsetDelta), lastSeq: e.lastSequence, firstOffset: e.lastOffset - BigInt(e.offsetDelta), lastOffset: e.lastOffset, timestamp: e.timestamp }];
      const currentTxnFirstOffset = e.currentTxnFirstOffset >= 0n ? e.currentTxnFirstOffset : null;
      this.producers.set(e.producerId, { producerId: e.producerId, producerEpoch: e.producerEpoch, coordinatorEpoch: e.coordinatorEpoch, lastTimestamp: e.timestamp, batches, currentTxnFirstOffset, lastMarkerOffset: -1n });
      if (currentTxnFirstOffset !== null) this.ongoing.set(e.producerId, currentTxnFirstOffset);
    }
  }
}
