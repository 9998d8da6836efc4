// The sparse indexes of a segment. Both are append-only files of fixed-size big-endian
// entries, kept sorted, mirrored in typed arrays so lookups never touch the disk:
//   .index      8 bytes: int32 offset relative to the segment base, int32 file position
//   .timeindex 12 bytes: int64 timestamp, int32 relative offset
// Kafka preallocates these files and trims them on close; we write exactly the entries, and
// create a file only when its first entry is written: a segment without entries has no index
// files (a missing file reads as empty), so creating a partition creates one file, not three
// (a file create costs ~0.6 ms of CPU on the benchmark machine, and 10,000 partitions add up).

import type { FileHandle } from './types.js';

export class CorruptIndexError extends Error {
  constructor(path: string, reason: string) {
    super(`corrupt index ${path}: ${reason}`);
    this.name = 'CorruptIndexError';
  }
}

/** Entries are (key, relativeOffset-or-position) pairs held in two parallel arrays. */
abstract class IndexFile {
  protected keys = new Float64Array(64);
  protected values = new Int32Array(64);
  private count = 0;

  private handle: FileHandle | null = null;

  /**
   * `openFile(create)` opens the index file, creating it when `create`; without `create` it
   * returns null for a missing file. The handle is opened on first use and can be released:
   * indexes of inactive segments live in memory, so they need no file descriptor.
   */
  constructor(
    private readonly openFile: (create: boolean) => FileHandle | null,
    readonly baseOffset: bigint,
    private readonly maxIndexBytes: number,
    private readonly entryBytes: number,
  ) {}

  /** The file, created if missing. */
  get file(): FileHandle {
    return (this.handle ??= this.openFile(true)!);
  }

  /** The file if it exists; never creates it. */
  private existingFile(): FileHandle | null {
    return (this.handle ??= this.openFile(false));
  }

  /** Closes the file handle; the next file operation reopens it. */
  release(): void {
    this.handle?.close();
    this.handle = null;
  }

  /** fsyncs the file if it is open (a released handle was synced before release). */
  async sync(): Promise<void> {
    if (this.handle) await this.handle.sync();
  }

  get entries(): number {
    return this.count;
  }

  get sizeInBytes(): number {
    return this.count * this.entryBytes;
  }

  isFull(): boolean {
    return this.count >= Math.floor(this.maxIndexBytes / this.entryBytes);
  }

  protected keyAt(i: number): number {
    return this.keys[i]!;
  }

  protected valueAt(i: number): number {
    return this.values[i]!;
  }

  /** Adds an entry in memory, and to the file unless `encoded` is null (loading). */
  protected pushEntry(key: number, value: number, encoded: Buffer | null): void {
    if (this.count === this.keys.length) {
      const keys = new Float64Array(this.count * 2);
      keys.set(this.keys);
      this.keys = keys;
      const values = new Int32Array(this.count * 2);
      values.set(this.values);
      this.values = values;
    }
    this.keys[this.count] = key;
    this.values[this.count] = value;
    this.count++;
    if (encoded) this.file.append(encoded);
  }

  /** Index of the last entry whose key is <= target, or -1. */
  protected floorIndex(target: number): number {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]! <= target) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** Index of the first entry whose relative offset is >= target (entries are offset-ordered). */
  protected abstract firstAtOrAfterOffset(relativeOffset: number): number;

  /** Drops every entry that points at an offset >= `offset`. */
  truncateTo(offset: bigint): void {
    const relative = Number(offset - this.baseOffset);
    this.truncateToEntries(relative <= 0 ? 0 : this.firstAtOrAfterOffset(relative));
  }

  truncateToEntries(count: number): void {
    if (count > this.count) return;
    this.count = count;
    // Also cuts bytes never loaded into memory, e.g. a torn entry before a rebuild.
    const file = this.existingFile();
    if (file !== null && file.size() !== count * this.entryBytes) file.truncate(count * this.entryBytes);
  }

  reset(): void {
    this.truncateToEntries(0);
  }

  /** Reads the file back into memory; throws CorruptIndexError when it cannot be trusted. */
  load(): void {
    this.count = 0;
    const file = this.existingFile();
    if (file === null) return;
    const size = file.size();
    if (size % this.entryBytes !== 0) throw new CorruptIndexError(file.path, `size ${size} is not a multiple of ${this.entryBytes}`);
    const data = file.read(0, size);
    for (let pos = 0; pos < size; pos += this.entryBytes) {
      const [key, value] = this.decode(data, pos);
      if (this.count > 0 && !this.followsLast(key, value)) {
        throw new CorruptIndexError(file.path, `entry ${this.count} is out of order`);
      }
      this.pushEntry(key, value, null);
    }
  }

  protected abstract decode(data: Buffer, pos: number): [number, number];
  protected abstract followsLast(key: number, value: number): boolean;
}

export interface OffsetPosition {
  offset: bigint;
  position: number;
}

export const OFFSET_INDEX_ENTRY_BYTES = 8;
export const TIME_INDEX_ENTRY_BYTES = 12;

export class OffsetIndex extends IndexFile {
  constructor(openFile: (create: boolean) => FileHandle | null, baseOffset: bigint, maxIndexBytes: number) {
    super(openFile, baseOffset, maxIndexBytes, OFFSET_INDEX_ENTRY_BYTES);
  }

  append(offset: bigint, position: number): void {
    const relative = Number(offset - this.baseOffset);
    const entry = Buffer.allocUnsafe(OFFSET_INDEX_ENTRY_BYTES);
    entry.writeInt32BE(relative, 0);
    entry.writeInt32BE(position, 4);
    this.pushEntry(relative, position, entry);
  }

  /** The last entry at or below `offset`, or the segment start when there is none. */
  lookup(offset: bigint): OffsetPosition {
    const i = this.floorIndex(Number(offset - this.baseOffset));
    if (i < 0) return { offset: this.baseOffset, position: 0 };
    return { offset: this.baseOffset + BigInt(this.keyAt(i)), position: this.valueAt(i) };
  }

  lastEntry(): OffsetPosition {
    return this.entries === 0 ? { offset: this.baseOffset, position: 0 } : this.entryAt(this.entries - 1);
  }

  entryAt(i: number): OffsetPosition {
    return { offset: this.baseOffset + BigInt(this.keyAt(i)), position: this.valueAt(i) };
  }

  protected firstAtOrAfterOffset(relativeOffset: number): number {
    return this.floorIndex(relativeOffset - 1) + 1;
  }

  protected decode(data: Buffer, pos: number): [number, number] {
    return [data.readInt32BE(pos), data.readInt32BE(pos + 4)];
  }

  protected followsLast(key: number, value: number): boolean {
    const last = this.entries - 1;
    return key > this.keyAt(last) && value > this.valueAt(last);
  }
}

export interface TimestampOffset {
  timestamp: bigint;
  offset: bigint;
}

export class TimeIndex extends IndexFile {
  constructor(openFile: (create: boolean) => FileHandle | null, baseOffset: bigint, maxIndexBytes: number) {
    super(openFile, baseOffset, maxIndexBytes, TIME_INDEX_ENTRY_BYTES);
  }

  /** Adds an entry only when the timestamp moves forward, as Kafka's maybeAppend does. */
  maybeAppend(timestamp: bigint, offset: bigint): void {
    const ts = Number(timestamp);
    if (this.entries > 0 && ts <= this.keyAt(this.entries - 1)) return;
    const relative = Number(offset - this.baseOffset);
    if (this.entries > 0 && relative < this.valueAt(this.entries - 1)) return;
    const entry = Buffer.allocUnsafe(TIME_INDEX_ENTRY_BYTES);
    entry.writeBigInt64BE(timestamp, 0);
    entry.writeInt32BE(relative, 8);
    this.pushEntry(ts, relative, entry);
  }

  /** The last entry whose timestamp is <= `timestamp`, or (-1, segment base) when none is. */
  lookup(timestamp: bigint): TimestampOffset {
    const i = this.floorIndex(Number(timestamp));
    if (i < 0) return { timestamp: -1n, offset: this.baseOffset };
    return this.entryAt(i);
  }

  lastEntry(): TimestampOffset | null {
    return this.entries === 0 ? null : this.entryAt(this.entries - 1);
  }

  entryAt(i: number): TimestampOffset {
    return { timestamp: BigInt(this.keyAt(i)), offset: this.baseOffset + BigInt(this.valueAt(i)) };
  }

  protected firstAtOrAfterOffset(relativeOffset: number): number {
    // Offsets in a time index never decrease, so a linear scan from the end stops early in
    // the common case (truncating the tail).
    let i = this.entries;
    while (i > 0 && this.valueAt(i - 1) >= relativeOffset) i--;
    return i;
  }

  protected decode(data: Buffer, pos: number): [number, number] {
    return [Number(data.readBigInt64BE(pos)), data.readInt32BE(pos + 8)];
  }

  protected followsLast(key: number, value: number): boolean {
    const last = this.entries - 1;
    return key > this.keyAt(last) && value >= this.valueAt(last);
  }
}
