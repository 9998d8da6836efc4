// Producer state on disk, in Kafka's formats, in the partition directory:
//   <20-digit offset>.snapshot  the producer entries as of that offset (written when a segment
//                               rolls and at clean shutdown), so a restart replays only the tail;
//   <segment base>.txnindex     the aborted transactions whose ABORT marker is in that segment,
//                               34-byte entries: version int16 (0), producerId int64,
//                               firstOffset int64, lastOffset int64, lastStableOffset int64.
// Snapshot: version int16 (1), crc uint32 (CRC-32C of what follows), int32 entry count, then per
// producer: producerId int64, epoch int16, lastSequence int32, lastOffset int64, offsetDelta
// int32, timestamp int64, coordinatorEpoch int32, currentTxnFirstOffset int64 (-1 if none).
import { crc32c } from '../records/crc32c.js';
import { joinPath, offsetFileName, parseOffsetFileName } from '../storage/file-names.js';
import type { FileSystem } from '../storage/types.js';
import type { AbortedTxn } from './producer-state.js';

export const SNAPSHOT_SUFFIX = '.snapshot';
export const TXN_INDEX_SUFFIX = '.txnindex';
const SNAPSHOT_VERSION = 1;
const SNAPSHOT_HEADER = 2 + 4 + 4;
const SNAPSHOT_ENTRY = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;
const TXN_INDEX_ENTRY = 34;

/** One producer as a snapshot keeps it: only its last batch (Kafka's format). */
export interface SnapshotEntry {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly lastSequence: number;
  readonly lastOffset: bigint;
  readonly offsetDelta: number;
  readonly timestamp: bigint;
  readonly coordinatorEpoch: number;
  readonly currentTxnFirstOffset: bigint;
}

export function encodeSnapshot(entries: readonly SnapshotEntry[]): Buffer {
  const buf = Buffer.alloc(SNAPSHOT_HEADER + entries.length * SNAPSHOT_ENTRY);
  buf.writeInt16BE(SNAPSHOT_VERSION, 0);
  buf.writeInt32BE(entries.length, 6);
  let pos = SNAPSHOT_HEADER;
  for (const e of entries) {
    pos = buf.writeBigInt64BE(e.producerId, pos);
    pos = buf.writeInt16BE(e.producerEpoch, pos);
    pos = buf.writeInt32BE(e.lastSequence, pos);
    pos = buf.writeBigInt64BE(e.lastOffset, pos);
    pos = buf.writeInt32BE(e.offsetDelta, pos);
    pos = buf.writeBigInt64BE(e.timestamp, pos);
    pos = buf.writeInt32BE(e.coordinatorEpoch, pos);
    pos = buf.writeBigInt64BE(e.currentTxnFirstOffset, pos);
  }
  buf.writeUInt32BE(crc32c(buf, 6, buf.length), 2);
  return buf;
}

/** The entries of a snapshot file, or null when it is truncated, corrupt or of another version. */
export function decodeSnapshot(buf: Buffer): SnapshotEntry[] | null {
  if (buf.length < SNAPSHOT_HEADER || buf.readInt16BE(0) !== SNAPSHOT_VERSION) return null;
  if (crc32c(buf, 6, buf.length) !== buf.readUInt32BE(2)) return null;
  const count = buf.readInt32BE(6);
  if (count < 0 || buf.length !== SNAPSHOT_HEADER + count * SNAPSHOT_ENTRY) return null;
  const entries: SnapshotEntry[] = [];
  for (let i = 0, pos = SNAPSHOT_HEADER; i < count; i++, pos += SNAPSHOT_ENTRY) {
    entries.push({
      producerId: buf.readBigInt64BE(pos),
      producerEpoch: buf.readInt16BE(pos + 8),
      lastSequence: buf.readInt32BE(pos + 10),
      lastOffset: buf.readBigInt64BE(pos + 14),
      offsetDelta: buf.readInt32BE(pos + 22),
      timestamp: buf.readBigInt64BE(pos + 26),
      coordinatorEpoch: buf.readInt32BE(pos + 34),
      currentTxnFirstOffset: buf.readBigInt64BE(pos + 38),
    });
  }
  return entries;
}

export function encodeAbortedTxn(t: AbortedTxn): Buffer {
  const buf = Buffer.alloc(TXN_INDEX_ENTRY);
  buf.writeInt16BE(0, 0);
  buf.writeBigInt64BE(t.producerId, 2);
  buf.writeBigInt64BE(t.firstOffset, 10);
  buf.writeBigInt64BE(t.lastOffset, 18);
  buf.writeBigInt64BE(t.lastStableOffset, 26);
  return buf;
}

/** Whole entries of a `.txnindex` file (a torn last entry is ignored). */
export function decodeTxnIndex(buf: Buffer): AbortedTxn[] {
  const out: AbortedTxn[] = [];
  for (let pos = 0; pos + TXN_INDEX_ENTRY <= buf.length; pos += TXN_INDEX_ENTRY) {
    out.push({
      producerId: buf.readBigInt64BE(pos + 2),
      firstOffset: buf.readBigInt64BE(pos + 10),
      lastOffset: buf.readBigInt64BE(pos + 18),
      lastStableOffset: buf.readBigInt64BE(pos + 26),
    });
  }
  return out;
}

function readWhole(fs: FileSystem, path: string): Buffer {
  const handle = fs.open(path, false);
  try {
    return handle.read(0, handle.size());
  } finally {
    handle.close();
  }
}

/** The snapshot and txn-index files of one partition directory. */
export class ProducerStateFiles {
  constructor(
    private readonly fs: FileSystem,
    readonly dir: string,
  ) {}

  snapshotOffsets(): bigint[] {
    const offsets: bigint[] = [];
    for (const name of this.fs.list(this.dir)) {
      const offset = parseOffsetFileName(name, SNAPSHOT_SUFFIX);
      if (offset !== null) offsets.push(offset);
    }
    return offsets.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** fsyncs of snapshots written with `background` (see writeSnapshot). */
  private readonly pendingSyncs = new Set<Promise<void>>();

  /**
   * Writes the snapshot at `offset` (via a temporary file, so a crash never leaves half of one).
   * With `background` the file and directory fsyncs run after this resolves, as Kafka 3.9 flushes
   * the snapshot it takes at a segment roll in its scheduler: at a roll the device is busy with
   * the rolled segment's fsync, and a small file's fsync waited behind it for 150-400 ms here,
   * holding every produce to the partition. A crash before the fsync can lose only this snapshot
   * (its CRC fails and it is deleted on load); the previous one is kept and durable.
   */
  async writeSnapshot(offset: bigint, entries: readonly SnapshotEntry[], background = false): Promise<void> {
    const path = joinPath(this.dir, offsetFileName(offset, SNAPSHOT_SUFFIX));
    const tmp = `${path}.tmp`;
    this.fs.remove(tmp);
    const handle = this.fs.open(tmp, true);
    try {
      handle.append(encodeSnapshot(entries));
      if (!background) await handle.sync();
    } finally {
      if (!background) handle.close();
    }
    this.fs.rename(tmp, path);
    // Kafka keeps older snapshots until retention passes them; two are enough to recover from.
    const offsets = this.snapshotOffsets();
    for (const old of offsets.slice(0, -2)) this.fs.remove(joinPath(this.dir, offsetFileName(old, SNAPSHOT_SUFFIX)));
    if (!background) {
      await this.fs.syncDirectory(this.dir);
      return;
    }
    const syncing = handle
      .sync()
      .finally(() => handle.close())
      .then(() => this.fs.syncDirectory(this.dir))
      .catch(() => undefined);
    this.pendingSyncs.add(syncing);
    void syncing.finally(() => this.pendingSyncs.delete(syncing));
  }

  /** Resolves once the background fsyncs of snapshots written so far are done. */
  async backgroundSyncsDone(): Promise<void> {
    await Promise.all([...this.pendingSyncs]);
  }

  /**
   * The newest readable snapshot at or below `maxOffset`. Snapshots above it (a log that was
   * truncated, or lost its tail in a crash) are deleted, as are unreadable ones.
   */
  latestSnapshot(maxOffset: bigint): { offset: bigint; entries: SnapshotEntry[] } | null {
    let best: { offset: bigint; entries: SnapshotEntry[] } | null = null;
    for (const offset of this.snapshotOffsets()) {
      const path = joinPath(this.dir, offsetFileName(offset, SNAPSHOT_SUFFIX));
      const entries = offset <= maxOffset ? decodeSnapshot(readWhole(this.fs, path)) : null;
      if (entries === null) this.fs.remove(path);
      else best = { offset, entries };
    }
    return best;
  }

  /** Appends aborted transactions to the `.txnindex` of the segment holding their markers. */
  async appendAborted(segmentBaseOffset: bigint, aborted: readonly AbortedTxn[]): Promise<void> {
    const handle = this.fs.open(joinPath(this.dir, offsetFileName(segmentBaseOffset, TXN_INDEX_SUFFIX)), true);
    try {
      for (const t of aborted) handle.append(encodeAbortedTxn(t));
      await handle.sync();
    } finally {
      handle.close();
    }
  }

  private txnIndexBases(): bigint[] {
    const bases: bigint[] = [];
    for (const name of this.fs.list(this.dir)) {
      const base = parseOffsetFileName(name, TXN_INDEX_SUFFIX);
      if (base !== null) bases.push(base);
    }
    return bases.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Removes the `.txnindex` files of segments that are gone (retention, DeleteRecords). */
  removeTxnIndexesExcept(liveSegmentBases: ReadonlySet<bigint>): void {
    for (const base of this.txnIndexBases()) {
      if (!liveSegmentBases.has(base)) this.fs.remove(joinPath(this.dir, offsetFileName(base, TXN_INDEX_SUFFIX)));
    }
  }

  /** Every aborted transaction in the directory's `.txnindex` files, in offset order. */
  readAborted(): AbortedTxn[] {
    const bases = this.txnIndexBases();
    return bases.flatMap((base) => decodeTxnIndex(readWhole(this.fs, joinPath(this.dir, offsetFileName(base, TXN_INDEX_SUFFIX)))));
  }
}
