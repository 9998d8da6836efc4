// In-memory RaftLog: the test double for the quorum and the reference for what a
// Kafka-format on-disk `__cluster_metadata` log must do.
import type { LogEntry, OffsetAndEpoch, RaftLog, SnapshotId } from './types.js';

interface EpochStart {
  epoch: number;
  startOffset: bigint;
}

function snapshotKey(id: SnapshotId): string {
  return `${id.endOffset}:${id.epoch}`;
}

export class InMemoryRaftLog implements RaftLog {
  /** entries[i].offset === start + i */
  private entries: LogEntry[] = [];
  private start = 0n;
  /** Leader-epoch cache: where each epoch present in `entries` starts, ascending. */
  private epochStarts: EpochStart[] = [];
  /** Snapshot the prefix was deleted behind; it stands for the epochs before `start`. */
  private baseSnapshot: SnapshotId | undefined;
  private readonly snapshots = new Map<string, { id: SnapshotId; bytes: Uint8Array }>();

  startOffset(): bigint {
    return this.start;
  }

  endOffset(): bigint {
    return this.start + BigInt(this.entries.length);
  }

  lastEpoch(): number {
    const last = this.entries[this.entries.length - 1];
    if (last) return last.epoch;
    return this.baseSnapshot?.epoch ?? 0;
  }

  entryAt(offset: bigint): LogEntry | undefined {
    if (offset < this.start) return undefined;
    return this.entries[Number(offset - this.start)];
  }

  read(fromOffset: bigint, maxEntries: number): LogEntry[] {
    if (fromOffset < this.start) throw new RangeError(`read at ${fromOffset} is below log start ${this.start}`);
    const index = Number(fromOffset - this.start);
    return this.entries.slice(index, index + maxEntries);
  }

  append(entries: readonly LogEntry[]): void {
    let expected = this.endOffset();
    for (const entry of entries) {
      if (entry.offset !== expected) throw new RangeError(`append at ${entry.offset}, log end is ${expected}`);
      const lastStart = this.epochStarts[this.epochStarts.length - 1];
      const lastEpoch = this.lastEpoch();
      if (entry.epoch < lastEpoch) throw new RangeError(`append of epoch ${entry.epoch} after epoch ${lastEpoch}`);
      if (!lastStart || lastStart.epoch !== entry.epoch) this.epochStarts.push({ epoch: entry.epoch, startOffset: entry.offset });
      this.entries.push(entry);
      expected += 1n;
    }
  }

  truncateTo(offset: bigint): void {
    if (offset < this.start) throw new RangeError(`truncation to ${offset} is below log start ${this.start}`);
    if (offset >= this.endOffset()) return;
    this.entries.length = Number(offset - this.start);
    while (this.epochStarts.length > 0 && this.epochStarts[this.epochStarts.length - 1]!.startOffset >= offset) {
      this.epochStarts.pop();
    }
  }

  endOffsetForEpoch(epoch: number): OffsetAndEpoch {
    let result: OffsetAndEpoch = { epoch: -1, offset: this.start };
    if (this.baseSnapshot && this.baseSnapshot.epoch <= epoch) result = { epoch: this.baseSnapshot.epoch, offset: this.start };
    for (let i = 0; i < this.epochStarts.length; i++) {
      const current = this.epochStarts[i]!;
      if (current.epoch > epoch) break;
      result = { epoch: current.epoch, offset: this.epochStarts[i + 1]?.startOffset ?? this.endOffset() };
    }
    return result;
  }

  latestSnapshotId(): SnapshotId | undefined {
    let latest: SnapshotId | undefined;
    for (const { id } of this.snapshots.values()) {
      if (!latest || id.endOffset > latest.endOffset) latest = id;
    }
    return latest;
  }

  earliestSnapshotId(): SnapshotId | undefined {
    return this.baseSnapshot;
  }

  readSnapshot(id: SnapshotId, position: bigint, maxBytes: number): { size: bigint; bytes: Uint8Array } | undefined {
    const stored = this.snapshots.get(snapshotKey(id));
    if (!stored) return undefined;
    const from = Number(position);
    return { size: BigInt(stored.bytes.length), bytes: stored.bytes.subarray(from, from + maxBytes) };
  }

  writeSnapshot(id: SnapshotId, bytes: Uint8Array): void {
    this.snapshots.set(snapshotKey(id), { id, bytes });
  }

  deleteBeforeSnapshot(id: SnapshotId): void {
    if (!this.snapshots.has(snapshotKey(id))) throw new Error(`snapshot ${snapshotKey(id)} is not stored`);
    if (id.endOffset <= this.start) return;
    if (id.endOffset > this.endOffset()) throw new RangeError(`snapshot end ${id.endOffset} is past log end ${this.endOffset()}`);
    const end = this.endOffset();
    this.entries = this.entries.slice(Number(id.endOffset - this.start));
    this.start = id.endOffset;
    this.baseSnapshot = id;
    // Keep only epochs that still have entries; the one straddling the new start now starts there.
    const kept: EpochStart[] = [];
    for (let i = 0; i < this.epochStarts.length; i++) {
      const current = this.epochStarts[i]!;
      const epochEnd = this.epochStarts[i + 1]?.startOffset ?? end;
      if (epochEnd <= id.endOffset) continue;
      kept.push({ epoch: current.epoch, startOffset: current.startOffset < id.endOffset ? id.endOffset : current.startOffset });
    }
    this.epochStarts = kept;
    this.dropSnapshotsBefore(id);
  }

  resetToSnapshot(id: SnapshotId, bytes: Uint8Array): void {
    this.writeSnapshot(id, bytes);
    this.entries = [];
    this.epochStarts = [];
    this.start = id.endOffset;
    this.baseSnapshot = id;
    this.dropSnapshotsBefore(id);
  }

  /** Older snapshots are superseded once the log starts at a newer one. */
  private dropSnapshotsBefore(id: SnapshotId): void {
    for (const [key, stored] of this.snapshots) {
      if (stored.id.endOffset < id.endOffset) this.snapshots.delete(key);
    }
  }
}
