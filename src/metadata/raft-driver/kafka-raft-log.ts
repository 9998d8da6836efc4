// The RaftLog of `__cluster_metadata-0` over a Kafka-format PartitionLog. RaftNode wants a
// synchronous log with one entry per record; Kafka stores and ships record batches. So the
// entries live in memory (an InMemoryRaftLog: the metadata log is small and never read by
// clients) next to the batch boundaries, and every change is queued for the PartitionLog,
// which `sync()` makes durable when the driver processes the matching effects.
import { Reader, Writer, ZERO_UUID } from '../../../protocol/runtime/index.js';
import { LeaderChangeMessage } from '../../../protocol/generated/message/leader-change-message.js';
import { BatchHeader, RECORD_BATCH_OVERHEAD } from '../../records/batch-header.js';
import { batchPositions, buildUncompressedRecordBatch, iterateRecordsPayload } from '../../records/record-batch.js';
import { buildControlBatch, ControlRecordType, decodeControlType } from '../../records/control-record.js';
import type { PartitionLog } from '../../storage/log.js';
import { InMemoryRaftLog } from '../raft/memory-log.js';
import type { LeaderChangeControl, LogEntry, OffsetAndEpoch, RaftLog, SnapshotId } from '../raft/types.js';

/** One record batch as stored: its offset range, epoch, whether it is a control batch, and its bytes. */
export interface StoredBatch {
  readonly baseOffset: bigint;
  readonly lastOffset: bigint;
  readonly epoch: number;
  readonly control: boolean;
  readonly bytes: Buffer;
}

type PendingWrite = { kind: 'append'; bytes: Buffer } | { kind: 'truncate'; offset: bigint };

const LEADER_CHANGE_VERSION = 0;

function encodeLeaderChange(control: LeaderChangeControl): Buffer {
  const message = {
    version: LEADER_CHANGE_VERSION,
    leaderId: control.leaderId,
    voters: control.voters.map((voterId) => ({ voterId, voterDirectoryId: ZERO_UUID })),
    grantingVoters: control.grantingVoters.map((voterId) => ({ voterId, voterDirectoryId: ZERO_UUID })),
  };
  const writer = new Writer(LeaderChangeMessage.size(message, LEADER_CHANGE_VERSION));
  LeaderChangeMessage.write(writer, message, LEADER_CHANGE_VERSION);
  return writer.buf;
}

function decodeLeaderChange(value: Buffer): LeaderChangeControl {
  const message = LeaderChangeMessage.read(new Reader(value), LEADER_CHANGE_VERSION);
  return {
    type: 'LeaderChange',
    leaderId: message.leaderId,
    voters: message.voters.map((v) => v.voterId),
    grantingVoters: message.grantingVoters.map((v) => v.voterId),
  };
}

/** Builds the batch bytes for entries of one epoch (a LeaderChange entry is a control batch of its own). */
export function encodeEntries(entries: readonly LogEntry[]): Buffer {
  const first = entries[0];
  if (first === undefined) throw new Error('no entries to encode');
  const options = { baseOffset: first.offset, partitionLeaderEpoch: first.epoch };
  if (first.control !== undefined) return buildControlBatch(ControlRecordType.LEADER_CHANGE, encodeLeaderChange(first.control), options);
  return buildUncompressedRecordBatch(
    entries.map((e) => ({ key: null, value: Buffer.from(e.payload.buffer, e.payload.byteOffset, e.payload.byteLength) })),
    options,
  );
}

/**
 * Decodes Kafka record batches into one LogEntry per record. Control batches other than
 * LeaderChange carry no entries the quorum knows, so they come out as empty-payload entries
 * that keep the offsets contiguous.
 */
export function decodeBatches(bytes: Buffer): { batch: StoredBatch; entries: LogEntry[] }[] {
  const out: { batch: StoredBatch; entries: LogEntry[] }[] = [];
  for (const pos of batchPositions(bytes)) {
    const header = new BatchHeader(bytes, pos);
    if (header.compression !== 0) throw new Error('compressed metadata batches are not supported');
    const batchBytes = bytes.subarray(pos, pos + header.totalSize);
    const payload = bytes.subarray(pos + RECORD_BATCH_OVERHEAD, pos + header.totalSize);
    const epoch = header.partitionLeaderEpoch;
    const entries: LogEntry[] = [];
    for (const record of iterateRecordsPayload(payload, header)) {
      if (header.isControl) {
        const type = decodeControlType(record.key);
        const control = type === ControlRecordType.LEADER_CHANGE && record.value !== null ? decodeLeaderChange(record.value) : undefined;
        entries.push(control === undefined ? { offset: record.offset, epoch, payload: new Uint8Array(0) } : { offset: record.offset, epoch, payload: new Uint8Array(0), control });
      } else {
        entries.push({ offset: record.offset, epoch, payload: record.value ?? new Uint8Array(0) });
      }
    }
    out.push({
      batch: { baseOffset: header.baseOffset, lastOffset: header.lastOffset, epoch, control: header.isControl, bytes: Buffer.from(batchBytes) },
      entries,
    });
  }
  return out;
}

export class KafkaRaftLog implements RaftLog {
  private readonly entries = new InMemoryRaftLog();
  /** Batches in offset order; together they cover [startOffset, endOffset). */
  private batches: StoredBatch[] = [];
  /** Which fetched batch an entry came from, so a follower stores the leader's bytes unchanged. */
  private readonly sourceBatch = new WeakMap<LogEntry, StoredBatch>();
  private pending: PendingWrite[] = [];

  private constructor(private readonly log: PartitionLog) {}

  /** Loads every batch of the on-disk log into memory. */
  static load(log: PartitionLog): KafkaRaftLog {
    const raftLog = new KafkaRaftLog(log);
    let offset = log.logStartOffset;
    while (offset < log.logEndOffset) {
      const { records } = log.read(offset, { maxBytes: 8 * 1024 * 1024 });
      if (records.length === 0) break;
      for (const { batch, entries } of decodeBatches(records)) {
        raftLog.entries.append(entries);
        raftLog.batches.push(batch);
        offset = batch.lastOffset + 1n;
      }
    }
    return raftLog;
  }

  /** Registers the batches a fetch response carried, so append() stores them as they came. */
  fromWire(bytes: Buffer): LogEntry[] {
    const all: LogEntry[] = [];
    for (const { batch, entries } of decodeBatches(bytes)) {
      for (const entry of entries) {
        this.sourceBatch.set(entry, batch);
        all.push(entry);
      }
    }
    return all;
  }

  /**
   * The record batches holding `entries` (as a fetch response read them), whole: a fetch
   * answers with complete batches, as Kafka does. A range starting inside a batch (which
   * only a truncation could cause) gets a batch rebuilt from that offset.
   */
  toWire(entries: readonly LogEntry[]): Buffer {
    const first = entries[0];
    const last = entries[entries.length - 1];
    if (first === undefined || last === undefined) return Buffer.alloc(0);
    const parts: Buffer[] = [];
    for (const batch of this.batches) {
      if (batch.lastOffset < first.offset) continue;
      if (batch.baseOffset > last.offset) break;
      if (batch.baseOffset >= first.offset) parts.push(batch.bytes);
      else parts.push(encodeEntries(this.entries.read(first.offset, Number(batch.lastOffset - first.offset) + 1)));
    }
    return Buffer.concat(parts);
  }

  /** Committed batches from `fromOffset` (a batch boundary) that end below `highWatermark`. */
  committedBatches(fromOffset: bigint, highWatermark: bigint): { batch: StoredBatch; entries: LogEntry[] }[] {
    const out: { batch: StoredBatch; entries: LogEntry[] }[] = [];
    for (const batch of this.batches) {
      if (batch.lastOffset < fromOffset) continue;
      if (batch.lastOffset >= highWatermark) break;
      const from = batch.baseOffset > fromOffset ? batch.baseOffset : fromOffset;
      out.push({ batch, entries: this.entries.read(from, Number(batch.lastOffset - from) + 1) });
    }
    return out;
  }

  // ---- RaftLog ----

  startOffset(): bigint {
    return this.entries.startOffset();
  }
  endOffset(): bigint {
    return this.entries.endOffset();
  }
  lastEpoch(): number {
    return this.entries.lastEpoch();
  }
  read(fromOffset: bigint, maxEntries: number): LogEntry[] {
    return this.entries.read(fromOffset, maxEntries);
  }
  entryAt(offset: bigint): LogEntry | undefined {
    return this.entries.entryAt(offset);
  }
  endOffsetForEpoch(epoch: number): OffsetAndEpoch {
    return this.entries.endOffsetForEpoch(epoch);
  }

  append(entries: readonly LogEntry[]): void {
    this.entries.append(entries);
    let i = 0;
    while (i < entries.length) {
      const entry = entries[i]!;
      const source = this.sourceBatch.get(entry);
      let batch: StoredBatch;
      const span = source === undefined ? 0 : Number(source.lastOffset - source.baseOffset) + 1;
      if (source !== undefined && source.baseOffset === entry.offset && entries[i + span - 1]?.offset === source.lastOffset) {
        batch = source;
      } else {
        // Leader entries: one batch per epoch run, a LeaderChange control record alone.
        let j = i + 1;
        if (entry.control === undefined) {
          while (j < entries.length && entries[j]!.epoch === entry.epoch && entries[j]!.control === undefined && this.sourceBatch.get(entries[j]!) === undefined) j++;
        }
        const run = entries.slice(i, j);
        batch = { baseOffset: entry.offset, lastOffset: run[run.length - 1]!.offset, epoch: entry.epoch, control: entry.control !== undefined, bytes: encodeEntries(run) };
      }
      this.batches.push(batch);
      this.pending.push({ kind: 'append', bytes: batch.bytes });
      i += Number(batch.lastOffset - entry.offset) + 1;
    }
  }

  truncateTo(offset: bigint): void {
    if (offset >= this.endOffset()) return;
    this.entries.truncateTo(offset);
    const kept: StoredBatch[] = [];
    let straddling: StoredBatch | undefined;
    for (const batch of this.batches) {
      if (batch.lastOffset < offset) kept.push(batch);
      else if (batch.baseOffset < offset) straddling = batch;
    }
    this.batches = kept;
    this.pending.push({ kind: 'truncate', offset: straddling?.baseOffset ?? offset });
    if (straddling !== undefined) {
      // Kafka truncates whole batches; keep the records below the cut in a rebuilt batch.
      const rest = this.entries.read(straddling.baseOffset, Number(offset - straddling.baseOffset));
      const bytes = encodeEntries(rest);
      this.batches.push({ ...straddling, lastOffset: offset - 1n, bytes });
      this.pending.push({ kind: 'append', bytes });
    }
  }

  // Snapshots stay in memory for now: the controller does not take any yet.
  latestSnapshotId(): SnapshotId | undefined {
    return this.entries.latestSnapshotId();
  }
  earliestSnapshotId(): SnapshotId | undefined {
    return this.entries.earliestSnapshotId();
  }
  readSnapshot(id: SnapshotId, position: bigint, maxBytes: number): { size: bigint; bytes: Uint8Array } | undefined {
    return this.entries.readSnapshot(id, position, maxBytes);
  }
  writeSnapshot(id: SnapshotId, bytes: Uint8Array): void {
    this.entries.writeSnapshot(id, bytes);
  }
  deleteBeforeSnapshot(id: SnapshotId): void {
    this.entries.deleteBeforeSnapshot(id);
    this.batches = this.batches.filter((b) => b.baseOffset >= id.endOffset);
  }
  resetToSnapshot(id: SnapshotId, bytes: Uint8Array): void {
    this.entries.resetToSnapshot(id, bytes);
    this.batches = [];
    this.pending.push({ kind: 'truncate', offset: -1n });
  }

  /** Writes every queued change to the PartitionLog in order and fsyncs it. */
  async sync(): Promise<void> {
    const writes = this.pending;
    this.pending = [];
    if (writes.length === 0) return;
    for (const write of writes) {
      if (write.kind === 'append') await this.log.appendAsFollower(write.bytes);
      else if (write.offset < 0n) await this.log.truncateFullyAndStartAt(this.startOffset());
      else await this.log.truncateTo(write.offset);
    }
    await this.log.flush();
  }
}
