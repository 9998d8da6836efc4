// One log segment: `<base>.log` holding stamped record batches back to back, plus its sparse
// `.index` and `.timeindex`. A segment knows batches only by their 61-byte headers; it never
// looks inside records.

import {
  BatchHeader,
  LOG_OVERHEAD,
  RECORD_BATCH_OVERHEAD,
  ATTRIBUTES_OFFSET,
} from '../records/batch-header.js';
import { crc32c } from '../records/crc32c.js';
import { DELETED_SUFFIX, INDEX_SUFFIX, LOG_SUFFIX, TIME_INDEX_SUFFIX, joinPath, offsetFileName } from './file-names.js';
import { CorruptIndexError, OffsetIndex, TimeIndex } from './index-file.js';
import type { FileHandle, FileSystem, LogConfig } from './types.js';

const INT32_MAX = 2 ** 31 - 1;
const RECOVERY_CHUNK_BYTES = 1024 * 1024;
const CURRENT_MAGIC = 2;
/** Read ends remembered per segment: a few consumers (or a consumer's lanes) reading it at once. */
const MAX_READ_ENDS = 16;

/** Where a batch sits in its segment and the header fields the log needs. */
export interface BatchLocation {
  position: number;
  size: number;
  baseOffset: bigint;
  lastOffset: bigint;
  maxTimestamp: bigint;
  leaderEpoch: number;
  producerId: bigint;
}

function locate(header: BatchHeader, position: number): BatchLocation {
  return {
    position,
    size: header.totalSize,
    baseOffset: header.baseOffset,
    lastOffset: header.lastOffset,
    maxTimestamp: header.maxTimestamp,
    leaderEpoch: header.partitionLeaderEpoch,
    producerId: header.producerId,
  };
}

/**
 * Why the bytes at `pos` are not a whole, intact v2 batch, or null when they are.
 * Framing only (length, magic) unless `checkCrc`.
 */
export function batchDefect(buf: Buffer, pos: number, end: number, checkCrc: boolean): string | null {
  if (end - pos < RECORD_BATCH_OVERHEAD) return 'truncated header';
  const header = new BatchHeader(buf, pos);
  const size = header.totalSize;
  if (size < RECORD_BATCH_OVERHEAD) return `batch length ${header.batchLength} below the minimum`;
  if (size > end - pos) return 'truncated batch';
  if (header.magic !== CURRENT_MAGIC) return `magic ${header.magic}`;
  if (header.lastOffsetDelta < 0) return `negative last offset delta ${header.lastOffsetDelta}`;
  if (checkCrc && crc32c(buf, pos + ATTRIBUTES_OFFSET, pos + size) !== header.crc) return 'CRC-32C mismatch';
  return null;
}

export class LogSegment {
  /** One past the last offset written; the base offset while empty. */
  nextOffset: bigint;
  /** Largest batch max-timestamp seen, and the last offset of that batch; -1n when none. */
  maxTimestamp = -1n;
  offsetOfMaxTimestamp: bigint;
  private bytesSinceLastIndexEntry = 0;
  /** Max timestamp of the first batch: what segment.ms counts from, as in Kafka. */
  private rollingBasedTimestamp: bigint | null = null;
  private readonly headerScratch = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD);
  /**
   * Where reads ended, as (an offset -> the position of the first batch holding an offset at or
   * above it): a consumer's next fetch starts exactly there, and this spares it the index lookup
   * and the one or two header reads (a syscall each) of `translateOffset`, 12 % of the broker's
   * time serving 64 KiB fetches. Oldest first; forgotten when bytes are removed.
   */
  private readonly readEnds = new Map<bigint, number>();
  private isClosed = false;

  private constructor(
    private readonly fs: FileSystem,
    readonly dir: string,
    readonly baseOffset: bigint,
    readonly log: FileHandle,
    readonly offsetIndex: OffsetIndex,
    readonly timeIndex: TimeIndex,
    /** The owning log's current config; replaced when the topic's config changes. */
    public config: LogConfig,
    readonly createdMs: number,
  ) {
    this.nextOffset = baseOffset;
    this.offsetOfMaxTimestamp = baseOffset;
  }

  /** File paths of a segment; `suffix` (e.g. `.cleaned`) follows the usual name. */
  static paths(dir: string, baseOffset: bigint, suffix = ''): { log: string; index: string; timeIndex: string } {
    return {
      log: joinPath(dir, offsetFileName(baseOffset, LOG_SUFFIX)) + suffix,
      index: joinPath(dir, offsetFileName(baseOffset, INDEX_SUFFIX)) + suffix,
      timeIndex: joinPath(dir, offsetFileName(baseOffset, TIME_INDEX_SUFFIX)) + suffix,
    };
  }

  /**
   * Opens (creating when missing) the log file of a segment, and its indexes. The caller then calls
   * `loadIndexes()` for a trusted segment or `recover()` for one that must be rescanned.
   */
  static open(fs: FileSystem, dir: string, baseOffset: bigint, config: LogConfig, nowMs: number, suffix = ''): LogSegment {
    const paths = LogSegment.paths(dir, baseOffset, suffix);
    const log = fs.open(paths.log, true);
    // The index files are created with their first entry (see index-file.ts), not here.
    const openIndex = (path: string) => (create: boolean) => (create || fs.exists(path) ? fs.open(path, create) : null);
    const offsetIndex = new OffsetIndex(openIndex(paths.index), baseOffset, config.segmentIndexBytes);
    const timeIndex = new TimeIndex(openIndex(paths.timeIndex), baseOffset, config.segmentIndexBytes);
    return new LogSegment(fs, dir, baseOffset, log, offsetIndex, timeIndex, config, nowMs);
  }

  size(): number {
    return this.log.size();
  }

  isEmpty(): boolean {
    return this.log.size() === 0;
  }

  /** The timestamp retention.ms compares against: the largest record timestamp, else creation time. */
  largestTimestamp(): number {
    return this.maxTimestamp >= 0n ? Number(this.maxTimestamp) : this.createdMs;
  }

  /** Kafka's LogSegment.shouldRoll, for an append of `bytes` ending at `lastOffset`. */
  shouldRoll(bytes: number, incomingMaxTimestamp: bigint, lastOffset: bigint, nowMs: number): boolean {
    if (this.isEmpty()) return false;
    const waited =
      this.rollingBasedTimestamp !== null && this.rollingBasedTimestamp >= 0n
        ? Number(incomingMaxTimestamp - this.rollingBasedTimestamp)
        : nowMs - this.createdMs;
    return (
      this.size() > this.config.segmentBytes - bytes ||
      waited > this.config.segmentMs ||
      this.offsetIndex.isFull() ||
      this.timeIndex.isFull() ||
      lastOffset - this.baseOffset > BigInt(INT32_MAX)
    );
  }

  /** Appends whole batches whose offsets are already stamped; indexes them as it goes. */
  append(records: Buffer): void {
    const start = this.log.append(records);
    for (let pos = 0; pos < records.length; ) {
      const header = new BatchHeader(records, pos);
      this.track(start + pos, header.totalSize, header.lastOffset, header.maxTimestamp);
      pos += header.totalSize;
    }
  }

  /** Index bookkeeping for one batch written at `position`, exactly as Kafka's LogSegment.append. */
  private track(position: number, size: number, lastOffset: bigint, maxTimestamp: bigint): void {
    if (this.rollingBasedTimestamp === null) this.rollingBasedTimestamp = maxTimestamp;
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp;
      this.offsetOfMaxTimestamp = lastOffset;
    }
    if (this.bytesSinceLastIndexEntry > this.config.indexIntervalBytes) {
      this.offsetIndex.append(lastOffset, position);
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += size;
    this.nextOffset = lastOffset + 1n;
  }

  /** Header of the batch at `position`, or null past the end or on a torn header. */
  readHeader(position: number): BatchLocation | null {
    const n = this.log.readInto(position, this.headerScratch, 0, RECORD_BATCH_OVERHEAD);
    if (n < RECORD_BATCH_OVERHEAD) return null;
    return locate(new BatchHeader(this.headerScratch), position);
  }

  /** Batch headers from `position` to the end of the file. */
  *batchesFrom(position: number): Generator<BatchLocation> {
    const end = this.log.size();
    while (position < end) {
      const batch = this.readHeader(position);
      if (!batch || batch.size < RECORD_BATCH_OVERHEAD) return;
      yield batch;
      position += batch.size;
    }
  }

  /** The first batch holding an offset >= `offset`, searching from `startPosition`; null if none. */
  translateOffset(offset: bigint, startPosition = 0): BatchLocation | null {
    const indexed = this.offsetIndex.lookup(offset).position;
    for (const batch of this.batchesFrom(Math.max(indexed, startPosition))) {
      if (batch.lastOffset >= offset) return batch;
    }
    return null;
  }

  read(position: number, length: number): Buffer {
    return this.log.read(position, length);
  }

  /** The position `translateOffset(offset)` would give, when a read recently ended there. */
  readEndAt(offset: bigint): number | undefined {
    return this.readEnds.get(offset);
  }

  /** Records that the batch at `position` is the first holding an offset >= `offset`. */
  noteReadEnd(offset: bigint, position: number): void {
    if (this.readEnds.size >= MAX_READ_ENDS && !this.readEnds.has(offset)) this.readEnds.delete(this.readEnds.keys().next().value!);
    this.readEnds.set(offset, position);
  }

  /**
   * Trusts the index files of a cleanly closed segment: loads them and scans only the batches
   * after the last offset-index entry to find the next offset. Returns false when anything is
   * inconsistent, in which case the caller must `recover()`.
   */
  loadIndexes(): boolean {
    try {
      this.offsetIndex.load();
      this.timeIndex.load();
    } catch (err) {
      if (err instanceof CorruptIndexError) return false;
      throw err;
    }
    const last = this.offsetIndex.lastEntry();
    const size = this.log.size();
    if (last.position > size || (this.offsetIndex.entries > 0 && last.position === size)) return false;
    if (!this.rescanTail()) return false;
    const first = this.readHeader(0);
    this.rollingBasedTimestamp = first ? first.maxTimestamp : null;
    return true;
  }

  /**
   * Rebuilds next offset and max timestamp from the indexes plus a framing-only scan of the
   * batches after the last offset-index entry. False when that tail is not well formed.
   */
  private rescanTail(): boolean {
    const last = this.offsetIndex.lastEntry();
    const lastTime = this.timeIndex.lastEntry();
    this.maxTimestamp = lastTime ? lastTime.timestamp : -1n;
    this.offsetOfMaxTimestamp = lastTime ? lastTime.offset : this.baseOffset;
    this.nextOffset = this.offsetIndex.entries > 0 ? last.offset : this.baseOffset;
    const size = this.log.size();
    let position = last.position;
    while (position < size) {
      const batch = this.readHeader(position);
      if (!batch || batch.size < RECORD_BATCH_OVERHEAD || position + batch.size > size) return false;
      if (batch.lastOffset < this.nextOffset) return false;
      if (batch.maxTimestamp > this.maxTimestamp) {
        this.maxTimestamp = batch.maxTimestamp;
        this.offsetOfMaxTimestamp = batch.lastOffset;
      }
      this.nextOffset = batch.lastOffset + 1n;
      position += batch.size;
    }
    this.bytesSinceLastIndexEntry = size - last.position;
    return true;
  }

  /**
   * Rescans the whole file: validates each batch's framing, CRC-32C and offset order, rebuilds
   * both indexes, and truncates the file at the first bad batch. Returns the bytes cut off.
   */
  recover(): number {
    this.readEnds.clear();
    this.offsetIndex.reset();
    this.timeIndex.reset();
    this.nextOffset = this.baseOffset;
    this.maxTimestamp = -1n;
    this.offsetOfMaxTimestamp = this.baseOffset;
    this.bytesSinceLastIndexEntry = 0;
    this.rollingBasedTimestamp = null;
    const size = this.log.size();
    let position = 0;
    // Read in large chunks and walk the batches inside; a batch crossing the chunk end starts
    // the next chunk (grown to fit when the batch is larger than a chunk).
    let chunk: Buffer = Buffer.alloc(0);
    let chunkStart = 0;
    const maxOffsetDelta = BigInt(INT32_MAX);
    while (position < size) {
      let at = position - chunkStart;
      if (chunk.length - at < LOG_OVERHEAD || chunk.length - at < LOG_OVERHEAD + chunk.readInt32BE(at + 8)) {
        const needed = chunk.length - at >= LOG_OVERHEAD ? LOG_OVERHEAD + Math.max(0, chunk.readInt32BE(at + 8)) : 0;
        chunk = this.log.read(position, Math.min(size - position, Math.max(RECOVERY_CHUNK_BYTES, needed)));
        chunkStart = position;
        at = 0;
      }
      if (batchDefect(chunk, at, chunk.length, true) !== null) break;
      const header = new BatchHeader(chunk, at);
      if (header.baseOffset < this.nextOffset || header.lastOffset - this.baseOffset > maxOffsetDelta) break;
      const total = header.totalSize;
      this.track(position, total, header.lastOffset, header.maxTimestamp);
      position += total;
    }
    const truncated = size - position;
    if (truncated > 0) this.log.truncate(position);
    return truncated;
  }

  /** Removes every batch holding an offset >= `offset`; returns the bytes removed. */
  truncateTo(offset: bigint): number {
    const from = this.translateOffset(offset);
    if (!from) return 0;
    const removed = this.log.size() - from.position;
    this.readEnds.clear();
    this.log.truncate(from.position);
    this.offsetIndex.truncateTo(offset);
    this.timeIndex.truncateTo(offset);
    if (!this.rescanTail()) return removed + this.recover();
    if (this.isEmpty()) this.rollingBasedTimestamp = null;
    return removed;
  }

  /** Kafka writes a last time-index entry when a segment stops being active, so its max timestamp survives a restart. */
  onBecomeInactive(): void {
    if (this.maxTimestamp >= 0n) this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
  }

  async flush(): Promise<void> {
    await this.log.sync();
    await this.offsetIndex.sync();
    await this.timeIndex.sync();
  }

  /** Closes the index files of a flushed inactive segment: one file descriptor per segment, not three. */
  releaseIndexFiles(): void {
    this.offsetIndex.release();
    this.timeIndex.release();
  }

  /** True once closed (retired by retention, truncation or a compaction swap, or log closed). */
  get closed(): boolean {
    return this.isClosed;
  }

  close(): void {
    this.isClosed = true;
    this.log.close();
    this.releaseIndexFiles();
  }

  /** Renames the files to `*.deleted` and closes them; returns the new paths to remove later. */
  markDeleted(): string[] {
    this.close();
    const paths = LogSegment.paths(this.dir, this.baseOffset);
    const renamed: string[] = [];
    for (const path of [paths.log, paths.index, paths.timeIndex]) {
      if (!this.fs.exists(path)) continue;
      this.fs.rename(path, path + DELETED_SUFFIX);
      renamed.push(path + DELETED_SUFFIX);
    }
    return renamed;
  }
}
