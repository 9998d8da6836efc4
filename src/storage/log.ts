// A partition's log: an ordered list of segments in `<topic>-<partition>/`, the last one
// active. Every change (append, flush, truncation, retention, compaction swap) runs on the
// log's serial queue; reads are synchronous and see a consistent state between tasks.

import { BASE_OFFSET_OFFSET, BATCH_LENGTH_OFFSET, BatchHeader, LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD, MAX_TIMESTAMP_OFFSET, RECORD_BATCH_OVERHEAD } from '../records/batch-header.js';
import { readRecordBatch } from '../records/record-batch.js';
import { assignOffsets, stampLogAppendTime } from '../records/validate.js';
import {
  CLEANED_SUFFIX,
  DELETED_SUFFIX,
  INDEX_SUFFIX,
  LEADER_EPOCH_CHECKPOINT_FILE,
  LOG_SUFFIX,
  SWAP_SUFFIX,
  TIME_INDEX_SUFFIX,
  TMP_SUFFIX,
  joinPath,
  parseOffsetFileName,
} from './file-names.js';
import { LeaderEpochCache } from './leader-epoch-cache.js';
import { releaseReadBuffer } from './read-buffers.js';
import { LogSegment, batchDefect } from './segment.js';
import { SerialQueue } from './serial-queue.js';
import {
  CorruptRecordError,
  OffsetOutOfRangeError,
  systemClock,
  type AppendResult,
  type Clock,
  type FileSystem,
  type LogConfig,
  type ReadOptions,
  type ReadResult,
  type TimestampAndOffset,
} from './types.js';

export interface LogOpenOptions {
  fs: FileSystem;
  /** The partition directory, `<data dir>/<topic>-<partition>`. */
  dir: string;
  config: LogConfig;
  clock?: Clock;
  /** Whether the previous process shut down cleanly (the log manager's marker file). */
  cleanShutdown: boolean;
  /** From recovery-point-offset-checkpoint: offsets below it were fsynced. */
  recoveryPoint?: bigint;
  /** From log-start-offset-checkpoint. */
  logStartOffset?: bigint;
  /** From replication-offset-checkpoint. */
  highWatermark?: bigint;
  /** Called with file paths renamed to `.deleted`; they must be removed after fileDeleteDelayMs. */
  onFilesDeleted?: (paths: string[]) => void;
}

export interface RecoveryReport {
  /** Segments rescanned because the shutdown was not clean or their indexes were unusable. */
  segmentsRecovered: number;
  bytesTruncated: number;
  segmentsDeleted: number;
}

/** Sum the sizes of the batches in `records`, throwing if they do not tile the buffer exactly. */
function checkFraming(records: Buffer): void {
  let pos = 0;
  while (pos < records.length) {
    const defect = batchDefect(records, pos, records.length, false);
    if (defect !== null) throw new CorruptRecordError(`batch at byte ${pos}: ${defect}`);
    pos += LOG_OVERHEAD + records.readInt32BE(pos + BATCH_LENGTH_OFFSET);
  }
  if (records.length === 0) throw new CorruptRecordError('no batches to append');
}

export class PartitionLog {
  private segments: LogSegment[] = [];
  private readonly queue = new SerialQueue();
  readonly epochs: LeaderEpochCache;
  private startOffset = 0n;
  private recoveredTo = 0n;
  private watermark = 0n;
  private unflushedRecords = 0;
  /** fsyncs of rolled segments running off the queue (see flushFinishedSegments). */
  private readonly rollFlushes = new Set<Promise<void>>();
  private lastFlushMs: number;
  private readonly clock: Clock;
  private readonly fs: FileSystem;
  readonly dir: string;
  private closed = false;
  recovery: RecoveryReport = { segmentsRecovered: 0, bytesTruncated: 0, segmentsDeleted: 0 };

  private constructor(private options: LogOpenOptions, public config: LogConfig) {
    this.fs = options.fs;
    this.dir = options.dir;
    this.clock = options.clock ?? systemClock;
    this.lastFlushMs = this.clock.now();
    this.epochs = new LeaderEpochCache(this.fs, joinPath(this.dir, LEADER_EPOCH_CHECKPOINT_FILE));
  }

  static async open(options: LogOpenOptions): Promise<PartitionLog> {
    const log = new PartitionLog(options, options.config);
    await log.load();
    return log;
  }

  // ---- state other layers read ----

  get logStartOffset(): bigint {
    return this.startOffset;
  }

  get logEndOffset(): bigint {
    return this.active.nextOffset;
  }

  /** Offsets below this are known to be on disk (fsynced). */
  get recoveryPoint(): bigint {
    return this.recoveredTo;
  }

  get highWatermark(): bigint {
    return this.watermark;
  }

  /** Set by replication; clamped to [logStartOffset, logEndOffset]. Retention only deletes below it. */
  updateHighWatermark(offset: bigint): bigint {
    this.watermark = offset < this.startOffset ? this.startOffset : offset > this.logEndOffset ? this.logEndOffset : offset;
    return this.watermark;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /** Base offsets of the segments, oldest first. */
  segmentBaseOffsets(): bigint[] {
    return this.segments.map((s) => s.baseOffset);
  }

  /** Total bytes of all segment log files. */
  size(): number {
    return this.segments.reduce((sum, s) => sum + s.size(), 0);
  }

  private get active(): LogSegment {
    return this.segments[this.segments.length - 1]!;
  }

  // ---- loading and recovery ----

  private async load(): Promise<void> {
    const { fs, dir } = this;
    fs.mkdir(dir);
    const swapped = this.finishInterruptedSwaps();
    const bases: bigint[] = [];
    for (const name of fs.list(dir)) {
      if (name.endsWith(DELETED_SUFFIX) || name.endsWith(CLEANED_SUFFIX) || name.endsWith(TMP_SUFFIX) || name.endsWith(SWAP_SUFFIX)) {
        fs.remove(joinPath(dir, name));
        continue;
      }
      const base = parseOffsetFileName(name, LOG_SUFFIX);
      if (base !== null) bases.push(base);
    }
    this.removeOrphanIndexes(new Set(bases));
    bases.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

    const now = this.clock.now();
    const recoveryPoint = this.options.recoveryPoint ?? 0n;
    const clean = this.options.cleanShutdown;
    for (const base of bases) {
      const segment = LogSegment.open(fs, dir, base, this.config, now);
      this.segments.push(segment);
    }
    // Segments wholly below the recovery point were fsynced; trust them unless their indexes
    // are unusable. From the segment holding the recovery point on, rescan after a crash.
    let firstToRecover = this.segments.length;
    for (let i = 0; i < this.segments.length; i++) {
      const segment = this.segments[i]!;
      const next = this.segments[i + 1];
      const holdsUnflushed = !next || next.baseOffset > recoveryPoint;
      if ((!clean && holdsUnflushed) || swapped.has(segment.baseOffset) || !segment.loadIndexes()) {
        firstToRecover = i;
        break;
      }
    }
    await this.recoverFrom(firstToRecover);

    const configuredStart = this.options.logStartOffset ?? 0n;
    if (this.segments.length === 0) {
      this.segments.push(this.createSegment(configuredStart));
    }
    this.startOffset = configuredStart > this.segments[0]!.baseOffset ? configuredStart : this.segments[0]!.baseOffset;
    if (this.startOffset > this.logEndOffset) {
      // DeleteRecords moved the start past everything that survived: begin again there.
      await this.replaceAllSegments(this.startOffset);
    }
    const leo = this.logEndOffset;
    this.recoveredTo = recoveryPoint < leo ? recoveryPoint : leo;
    if (firstToRecover < bases.length) this.recoveredTo = leo;
    this.updateHighWatermark(this.options.highWatermark ?? 0n);
    for (const segment of this.segments.slice(0, -1)) segment.releaseIndexFiles();
    const truncatedEnd = this.epochs.truncateFromEnd(leo);
    const truncatedStart = this.epochs.truncateFromStart(this.startOffset);
    if (truncatedEnd || truncatedStart) await this.epochs.flush();
  }

  /** Kafka's swap protocol: a `.log.swap` file is a finished cleaned segment; install it. */
  private finishInterruptedSwaps(): Set<bigint> {
    const installed = new Set<bigint>();
    for (const name of this.fs.list(this.dir)) {
      const base = parseOffsetFileName(name.slice(0, -SWAP_SUFFIX.length), LOG_SUFFIX);
      if (!name.endsWith(LOG_SUFFIX + SWAP_SUFFIX) || base === null) continue;
      const paths = LogSegment.paths(this.dir, base);
      this.fs.remove(paths.index);
      this.fs.remove(paths.timeIndex);
      this.fs.rename(joinPath(this.dir, name), paths.log);
      installed.add(base);
    }
    return installed;
  }

  private removeOrphanIndexes(logBases: Set<bigint>): void {
    for (const name of this.fs.list(this.dir)) {
      const base = parseOffsetFileName(name, INDEX_SUFFIX) ?? parseOffsetFileName(name, TIME_INDEX_SUFFIX);
      if (base !== null && !logBases.has(base)) this.fs.remove(joinPath(this.dir, name));
    }
  }

  /**
   * Rescans segments from index `first` on: CRC-checks every batch, rebuilds indexes, truncates
   * at the first bad batch and deletes every segment after it. The result is fsynced.
   */
  private async recoverFrom(first: number): Promise<void> {
    for (let i = first; i < this.segments.length; i++) {
      const segment = this.segments[i]!;
      const previous = this.segments[i - 1];
      this.recovery.segmentsRecovered++;
      const truncated = segment.recover();
      this.recovery.bytesTruncated += truncated;
      const outOfOrder = previous !== undefined && segment.baseOffset < previous.nextOffset;
      if (outOfOrder) {
        const dropped = this.segments.splice(i);
        this.recovery.segmentsDeleted += dropped.length;
        dropped.forEach((s) => this.deleteSegmentFiles(s, true));
        break;
      }
      if (truncated > 0) {
        const after = this.segments.splice(i + 1);
        this.recovery.segmentsDeleted += after.length;
        after.forEach((s) => this.deleteSegmentFiles(s, true));
      }
      await segment.flush();
    }
    if (first < this.segments.length) await this.fs.syncDirectory(this.dir);
  }

  private createSegment(baseOffset: bigint): LogSegment {
    const segment = LogSegment.open(this.fs, this.dir, baseOffset, this.config, this.clock.now());
    if (!segment.isEmpty()) throw new Error(`segment ${baseOffset} already exists in ${this.dir}`);
    segment.offsetIndex.reset();
    segment.timeIndex.reset();
    return segment;
  }

  /** Removes a segment's files: at once during recovery, else via `.deleted` and the delay. */
  private deleteSegmentFiles(segment: LogSegment, immediately: boolean): void {
    const renamed = segment.markDeleted();
    if (immediately || !this.options.onFilesDeleted) renamed.forEach((p) => this.fs.remove(p));
    else this.options.onFilesDeleted(renamed);
  }

  // ---- appends ----

  /**
   * Leader append: `records` holds one or more validated v2 batches. Stamps base offsets and
   * the leader epoch in place (both outside the CRC) and, for LogAppendTime topics, the
   * timestamp (recomputing the CRC). The buffer is written as is.
   */
  append(records: Buffer, leaderEpoch: number): Promise<AppendResult> {
    checkFraming(records);
    return this.queue.run(() => this.appendAsLeader(records, leaderEpoch));
  }

  private async appendAsLeader(records: Buffer, leaderEpoch: number): Promise<AppendResult> {
    this.checkOpen();
    const baseOffset = this.logEndOffset;
    const logAppendTime = this.config.messageTimestampType === 'LogAppendTime' ? BigInt(this.clock.now()) : -1n;
    const next = assignOffsets(records, baseOffset, leaderEpoch);
    if (logAppendTime >= 0n) stampLogAppendTime(records, logAppendTime);
    let maxTimestamp = -1n;
    for (let pos = 0; pos < records.length; pos += LOG_OVERHEAD + records.readInt32BE(pos + BATCH_LENGTH_OFFSET)) {
      const batchMax = records.readBigInt64BE(pos + MAX_TIMESTAMP_OFFSET);
      if (batchMax > maxTimestamp) maxTimestamp = batchMax;
    }
    const lastOffset = next - 1n;
    this.writeToActive(records, maxTimestamp, lastOffset);
    if (this.epochs.assign(leaderEpoch, baseOffset)) await this.epochs.flush();
    await this.afterAppend(Number(next - baseOffset));
    return { baseOffset, lastOffset, logAppendTime, logStartOffset: this.startOffset };
  }

  /**
   * Follower append: batches already carry the leader's offsets and epochs. They must start at
   * or after the log end offset.
   */
  appendAsFollower(records: Buffer): Promise<{ baseOffset: bigint; lastOffset: bigint }> {
    checkFraming(records);
    return this.queue.run(async () => {
      this.checkOpen();
      const first = new BatchHeader(records);
      if (first.baseOffset < this.logEndOffset) {
        throw new CorruptRecordError(`follower append at ${first.baseOffset} is below the log end offset ${this.logEndOffset}`);
      }
      let maxTimestamp = -1n;
      let lastOffset = first.baseOffset - 1n;
      let epochsChanged = false;
      let recordCount = 0;
      for (let pos = 0; pos < records.length; ) {
        const header = new BatchHeader(records, pos);
        if (header.baseOffset <= lastOffset) throw new CorruptRecordError(`offsets go backwards at ${header.baseOffset}`);
        if (header.maxTimestamp > maxTimestamp) maxTimestamp = header.maxTimestamp;
        epochsChanged = this.epochs.assign(header.partitionLeaderEpoch, header.baseOffset) || epochsChanged;
        lastOffset = header.lastOffset;
        recordCount += header.lastOffsetDelta + 1;
        pos += header.totalSize;
      }
      this.writeToActive(records, maxTimestamp, lastOffset);
      if (epochsChanged) await this.epochs.flush();
      await this.afterAppend(recordCount);
      return { baseOffset: first.baseOffset, lastOffset };
    });
  }

  private writeToActive(records: Buffer, maxTimestamp: bigint, lastOffset: bigint): void {
    if (this.active.shouldRoll(records.length, maxTimestamp, lastOffset, this.clock.now())) {
      this.roll(new BatchHeader(records).baseOffset);
    }
    this.active.append(records);
  }

  private async afterAppend(recordCount: number): Promise<void> {
    this.unflushedRecords += recordCount;
    const now = this.clock.now();
    if (this.unflushedRecords >= this.config.flushMessages || now - this.lastFlushMs >= this.config.flushMs) {
      await this.flushTo(this.logEndOffset);
    }
  }

  /** Starts a new active segment at `baseOffset`; the old one is fsynced in the background. */
  private roll(baseOffset: bigint): void {
    this.active.onBecomeInactive();
    this.segments.push(this.createSegment(baseOffset));
    const flushing = this.flushFinishedSegments(baseOffset);
    this.rollFlushes.add(flushing);
    void flushing.finally(() => this.rollFlushes.delete(flushing));
  }

  /** Resolves once the background fsyncs of rolled segments started so far are done. */
  async rollFlushesDone(): Promise<void> {
    await Promise.all([...this.rollFlushes]);
  }

  /**
   * fsyncs the segments below `upTo` (all inactive: appends only reach the new active segment)
   * off the log's queue, as Kafka flushes a rolled segment in its scheduler outside the log lock,
   * then advances the recovery point on the queue. Queued, the fsync of a full 1 GB segment held
   * every append behind it for ~300 ms (the produce p99 of a paced run, bench/FINDINGS.md). If the
   * segments changed meanwhile (truncation, retention, compaction, close) the recovery point stays
   * where it was: the next flush or recovery covers them.
   */
  private async flushFinishedSegments(upTo: bigint): Promise<void> {
    const finished = this.segments.filter((segment) => segment !== this.active && segment.nextOffset > this.recoveredTo && segment.baseOffset < upTo);
    try {
      for (const segment of finished) await segment.flush();
      await this.fs.syncDirectory(this.dir);
    } catch {
      return;
    }
    await this.queue
      .run(() => {
        const unchanged = finished.every((segment) => !segment.closed && segment !== this.active && this.segments.includes(segment));
        if (this.closed || !unchanged || upTo <= this.recoveredTo || upTo > this.logEndOffset) return;
        for (const segment of finished) segment.releaseIndexFiles();
        this.recoveredTo = upTo;
        this.lastFlushMs = this.clock.now();
      })
      .catch(() => undefined);
  }

  /** Forces a roll (tests, and the segment.ms check when the log is idle). */
  rollNow(): Promise<void> {
    return this.queue.run(() => {
      if (!this.active.isEmpty()) this.roll(this.logEndOffset);
    });
  }

  // ---- durability ----

  /** fsyncs everything appended so far and advances the recovery point. */
  flush(): Promise<void> {
    return this.queue.run(() => this.flushTo(this.logEndOffset));
  }

  /** Flushes if flush.ms has passed since the last flush; the log manager calls this periodically. */
  maybeFlush(): Promise<void> {
    return this.queue.run(async () => {
      if (this.clock.now() - this.lastFlushMs >= this.config.flushMs) await this.flushTo(this.logEndOffset);
    });
  }

  private async flushTo(offset: bigint): Promise<void> {
    if (this.closed) return;
    const target = offset < this.logEndOffset ? offset : this.logEndOffset;
    if (target <= this.recoveredTo) return;
    for (const segment of this.segments) {
      if (segment.nextOffset > this.recoveredTo && segment.baseOffset < target) {
        await segment.flush();
        if (segment !== this.active) segment.releaseIndexFiles();
      }
    }
    await this.fs.syncDirectory(this.dir);
    this.recoveredTo = target;
    if (target === this.logEndOffset) this.unflushedRecords = 0;
    this.lastFlushMs = this.clock.now();
  }

  // ---- reads ----

  private floorSegmentIndex(offset: bigint): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /**
   * Whole batches from the batch holding `fetchOffset`, read from the segment file: at most
   * `maxBytes` (except that the first batch comes whole when `minOneBatch`), none holding an
   * offset at or above `maxOffset`, and from one segment only, as Kafka does.
   */
  read(fetchOffset: bigint, options: ReadOptions): ReadResult {
    this.checkOpen();
    const leo = this.logEndOffset;
    if (fetchOffset < this.startOffset || fetchOffset > leo) {
      throw new OffsetOutOfRangeError(fetchOffset, this.startOffset, leo);
    }
    const result: ReadResult = {
      records: Buffer.alloc(0),
      logStartOffset: this.startOffset,
      logEndOffset: leo,
      highWatermark: this.watermark,
    };
    const maxOffset = options.maxOffset !== undefined && options.maxOffset < leo ? options.maxOffset : leo;
    if (fetchOffset >= maxOffset) return result;
    for (let i = this.floorSegmentIndex(fetchOffset); i < this.segments.length; i++) {
      const segment = this.segments[i]!;
      if (fetchOffset >= segment.nextOffset) continue; // e.g. a consumer polling at the log end
      // Where the previous read ended: one read, no lookup, when the whole segment is readable.
      const known = maxOffset >= segment.nextOffset && options.maxBytes >= RECORD_BATCH_OVERHEAD ? segment.readEndAt(fetchOffset) : undefined;
      if (known !== undefined) {
        const chunk = segment.read(known, Math.min(segment.size() - known, options.maxBytes));
        const whole = wholeBatches(chunk);
        if (whole.length > 0) {
          segment.noteReadEnd(whole.nextOffset, known + whole.length);
          result.records = chunk.subarray(0, whole.length);
          return result;
        }
        // A first batch larger than maxBytes: the general path decides.
        releaseReadBuffer(chunk);
      }
      const start = segment.translateOffset(fetchOffset);
      if (!start) continue;
      if (start.baseOffset >= maxOffset) return result;
      const stop = maxOffset < segment.nextOffset ? segment.translateOffset(maxOffset, start.position) : null;
      const available = (stop ? stop.position : segment.size()) - start.position;
      if (available <= 0) return result;
      if (start.size > options.maxBytes) {
        if (options.minOneBatch !== false && start.size <= available) {
          result.records = segment.read(start.position, start.size);
          segment.noteReadEnd(start.lastOffset + 1n, start.position + start.size);
        }
        return result;
      }
      const chunk = segment.read(start.position, Math.min(available, options.maxBytes));
      const whole = wholeBatches(chunk);
      if (whole.length > 0) segment.noteReadEnd(whole.nextOffset, start.position + whole.length);
      result.records = chunk.subarray(0, whole.length);
      return result;
    }
    return result;
  }

  /**
   * ListOffsets by timestamp: the first record at or after the log start whose timestamp is
   * >= `timestamp`, found through the time index, then the batch headers, then the records of
   * the one batch that holds it (decompressed if need be).
   */
  async offsetForTimestamp(timestamp: bigint): Promise<TimestampAndOffset | null> {
    this.checkOpen();
    for (const segment of this.segments) {
      if (segment.maxTimestamp < timestamp || segment.nextOffset <= this.startOffset) continue;
      const entry = segment.timeIndex.lookup(timestamp);
      const from = entry.offset > this.startOffset ? entry.offset : this.startOffset;
      const position = segment.offsetIndex.lookup(from).position;
      for (const batch of segment.batchesFrom(position)) {
        if (batch.maxTimestamp < timestamp || batch.lastOffset < this.startOffset) continue;
        const bytes = segment.read(batch.position, batch.size);
        for (const record of await readRecordBatch(bytes)) {
          if (record.timestamp >= timestamp && record.offset >= this.startOffset) {
            return { timestamp: record.timestamp, offset: record.offset, leaderEpoch: batch.leaderEpoch };
          }
        }
      }
    }
    return null;
  }

  /**
   * The largest timestamp in the log and the last offset of the batch holding it (batch
   * granularity, no I/O). `offsetOfMaxTimestamp()` gives Kafka 3.9's record-level answer.
   */
  maxTimestampAndOffset(): TimestampAndOffset | null {
    const segment = this.segmentWithMaxTimestamp();
    if (!segment) return null;
    return { timestamp: segment.maxTimestamp, offset: segment.offsetOfMaxTimestamp, leaderEpoch: this.epochs.epochForOffset(segment.offsetOfMaxTimestamp) };
  }

  /**
   * ListOffsets -3 (MAX_TIMESTAMP) as Kafka 3.9 answers it: the offset of the first record
   * carrying the log's largest timestamp, found from the segment's tracked maximum through the
   * offset index and that batch's records.
   */
  async offsetOfMaxTimestamp(): Promise<TimestampAndOffset | null> {
    this.checkOpen();
    const segment = this.segmentWithMaxTimestamp();
    if (!segment) return null;
    const target = segment.maxTimestamp;
    const position = segment.offsetIndex.lookup(segment.offsetOfMaxTimestamp).position;
    for (const batch of segment.batchesFrom(position)) {
      if (batch.maxTimestamp !== target) continue;
      for (const record of await readRecordBatch(segment.read(batch.position, batch.size))) {
        if (record.timestamp === target) return { timestamp: target, offset: record.offset, leaderEpoch: batch.leaderEpoch };
      }
      return { timestamp: target, offset: batch.lastOffset, leaderEpoch: batch.leaderEpoch };
    }
    return this.maxTimestampAndOffset();
  }

  private segmentWithMaxTimestamp(): LogSegment | null {
    let best: LogSegment | null = null;
    for (const segment of this.segments) {
      if (segment.nextOffset <= this.startOffset || segment.maxTimestamp < 0n) continue;
      if (!best || segment.maxTimestamp > best.maxTimestamp) best = segment;
    }
    return best;
  }

  // ---- truncation and deletion ----

  /** Replication: removes every batch holding an offset >= `offset`. */
  truncateTo(offset: bigint): Promise<void> {
    return this.queue.run(async () => {
      this.checkOpen();
      if (offset >= this.logEndOffset) return;
      if (offset < this.startOffset) throw new OffsetOutOfRangeError(offset, this.startOffset, this.logEndOffset);
      while (this.segments.length > 1 && this.active.baseOffset >= offset) {
        this.deleteSegmentFiles(this.segments.pop()!, false);
      }
      this.active.truncateTo(offset);
      await this.afterTruncation();
    });
  }

  /** Replication, when the leader's log start is past our end: empties the log and restarts it at `offset`. */
  truncateFullyAndStartAt(offset: bigint): Promise<void> {
    return this.queue.run(async () => {
      this.checkOpen();
      await this.replaceAllSegments(offset);
      this.startOffset = offset;
      this.watermark = offset;
      this.epochs.clear();
      await this.afterTruncation();
    });
  }

  private async replaceAllSegments(baseOffset: bigint): Promise<void> {
    for (const segment of this.segments.splice(0)) this.deleteSegmentFiles(segment, false);
    this.segments.push(this.createSegment(baseOffset));
    await this.fs.syncDirectory(this.dir);
  }

  private async afterTruncation(): Promise<void> {
    const leo = this.logEndOffset;
    if (this.recoveredTo > leo) this.recoveredTo = leo;
    if (this.watermark > leo) this.watermark = leo;
    this.epochs.truncateFromEnd(leo);
    await this.epochs.flush();
    // Make the cut durable at once, so a crash cannot bring truncated batches back.
    await this.active.flush();
    await this.fs.syncDirectory(this.dir);
    await this.flushTo(leo);
  }

  /**
   * DeleteRecords: moves the log start offset up to `offset` (which must not pass the high
   * watermark) and deletes the segments wholly below it. Returns the new log start offset.
   */
  deleteRecordsBefore(offset: bigint): Promise<bigint> {
    return this.queue.run(async () => {
      this.checkOpen();
      if (offset > this.watermark) throw new OffsetOutOfRangeError(offset, this.startOffset, this.watermark);
      if (offset > this.startOffset) {
        this.startOffset = offset;
        if (this.epochs.truncateFromStart(offset)) await this.epochs.flush();
      }
      await this.deleteSegmentsWhile((_segment, next) => next.baseOffset <= this.startOffset);
      return this.startOffset;
    });
  }

  /**
   * Retention (cleanup.policy containing `delete`): removes the oldest non-active segments
   * that are past retention.ms by their largest timestamp, or while the log is over
   * retention.bytes, or below the log start offset. Only segments wholly below the high
   * watermark go. Returns how many segments were deleted.
   */
  deleteOldSegments(): Promise<number> {
    return this.queue.run(async () => {
      this.checkOpen();
      const now = this.clock.now();
      const { retentionMs, retentionBytes, cleanupPolicy } = this.config;
      const deletePolicy = cleanupPolicy.includes('delete');
      let excessBytes = deletePolicy && retentionBytes >= 0 ? this.size() - retentionBytes : 0;
      return this.deleteSegmentsWhile((segment, next) => {
        if (next.baseOffset > this.watermark) return false;
        if (next.baseOffset <= this.startOffset) return true;
        if (!deletePolicy) return false;
        if (retentionMs >= 0 && now - segment.largestTimestamp() > retentionMs) return true;
        if (excessBytes - segment.size() >= 0) {
          excessBytes -= segment.size();
          return true;
        }
        return false;
      });
    });
  }

  /** Deletes segments from the oldest while `deletable(segment, nextSegment)`; never the active one. */
  private async deleteSegmentsWhile(deletable: (segment: LogSegment, next: LogSegment) => boolean): Promise<number> {
    let count = 0;
    while (this.segments.length > 1 && deletable(this.segments[0]!, this.segments[1]!)) {
      this.deleteSegmentFiles(this.segments.shift()!, false);
      count++;
    }
    if (count === 0) return 0;
    const firstBase = this.segments[0]!.baseOffset;
    if (firstBase > this.startOffset) {
      this.startOffset = firstBase;
      if (this.epochs.truncateFromStart(firstBase)) await this.epochs.flush();
    }
    if (this.watermark < this.startOffset) this.watermark = this.startOffset;
    if (this.recoveredTo < this.startOffset) this.recoveredTo = this.startOffset;
    await this.fs.syncDirectory(this.dir);
    return count;
  }

  // ---- compaction hooks (see compaction.ts) ----

  /** Runs `task` on the log's queue. */
  runExclusive<T>(task: () => T | Promise<T>): Promise<T> {
    return this.queue.run(task);
  }

  /** Non-active segments, oldest first; valid until the next queued task. */
  inactiveSegments(): readonly LogSegment[] {
    return this.segments.slice(0, -1);
  }

  /** Segments holding offsets at or after `offset`, oldest first; valid until the next queued task. */
  segmentsFrom(offset: bigint): readonly LogSegment[] {
    return this.segments.filter((s) => s.nextOffset > offset || s === this.active);
  }

  /** An empty `<base>.log.cleaned` segment (plus indexes) for the cleaner to fill. */
  createCleanedSegment(baseOffset: bigint): LogSegment {
    const paths = LogSegment.paths(this.dir, baseOffset, CLEANED_SUFFIX);
    for (const path of Object.values(paths)) this.fs.remove(path);
    return LogSegment.open(this.fs, this.dir, baseOffset, this.config, this.clock.now(), CLEANED_SUFFIX);
  }

  /** Removes the `.cleaned` files of a pass that changed nothing. */
  discardCleanedSegment(baseOffset: bigint): void {
    for (const path of Object.values(LogSegment.paths(this.dir, baseOffset, CLEANED_SUFFIX))) this.fs.remove(path);
  }

  /**
   * Swaps a filled, fsynced cleaned segment in for `old` (same base offset), on the queue so it
   * never interleaves with an append. Kafka's order: rename `.cleaned` to `.swap`, retire the
   * old files to `.deleted`, rename `.swap` to the live names; a crash in between is finished
   * by `load()`. Returns false (and discards the output) when `old` left the log meanwhile.
   */
  installCleanedSegment(old: LogSegment, cleaned: LogSegment): Promise<boolean> {
    return this.queue.run(async () => {
      const base = old.baseOffset;
      const cleanedPaths = LogSegment.paths(this.dir, base, CLEANED_SUFFIX);
      cleaned.close();
      const i = this.segments.indexOf(old);
      if (this.closed || i < 0 || i === this.segments.length - 1) {
        this.discardCleanedSegment(base);
        return false;
      }
      const swapPaths = LogSegment.paths(this.dir, base, SWAP_SUFFIX);
      const livePaths = LogSegment.paths(this.dir, base);
      // The rename to .swap is the commit point: from here on load() completes the swap
      // (rebuilding the indexes, whose .cleaned files it discards).
      this.fs.rename(cleanedPaths.log, swapPaths.log);
      await this.fs.syncDirectory(this.dir);
      // From retiring the old files to publishing the new segment nothing awaits, so a read
      // never meets a closed segment.
      this.deleteSegmentFiles(old, false);
      // A cleaned segment without index entries has no index files (see index-file.ts).
      if (this.fs.exists(cleanedPaths.index)) this.fs.rename(cleanedPaths.index, livePaths.index);
      if (this.fs.exists(cleanedPaths.timeIndex)) this.fs.rename(cleanedPaths.timeIndex, livePaths.timeIndex);
      this.fs.rename(swapPaths.log, livePaths.log);
      const installed = LogSegment.open(this.fs, this.dir, base, this.config, old.createdMs);
      if (!installed.loadIndexes()) installed.recover();
      installed.releaseIndexFiles();
      this.segments[i] = installed;
      await this.fs.syncDirectory(this.dir);
      return true;
    });
  }

  // ---- lifecycle ----

  /** Applies a topic config change; the active segment rolls and indexes by the new values. */
  updateConfig(config: LogConfig): void {
    this.config = config;
    for (const segment of this.segments) segment.config = config;
  }

  /** Flushes and closes every segment (writing final time-index entries). */
  async close(): Promise<void> {
    // The background fsyncs of rolled segments end before their descriptors close.
    await this.rollFlushesDone();
    return this.queue.run(async () => {
      if (this.closed) return;
      await this.flushTo(this.logEndOffset);
      for (const segment of this.segments) {
        // The final time-index entry written here must be durable too.
        segment.onBecomeInactive();
        await segment.timeIndex.sync();
        segment.close();
      }
      this.closed = true;
    });
  }

  /** Closes without flushing; files stay as they are (used when the directory is being deleted). */
  closeHandles(): Promise<void> {
    return this.queue.run(() => {
      if (this.closed) return;
      for (const segment of this.segments) segment.close();
      this.closed = true;
    });
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`log ${this.dir} is closed`);
  }
}

/** Length of the longest prefix of `chunk` made of whole batches, and the offset that follows them (-1 when none). */
function wholeBatches(chunk: Buffer): { length: number; nextOffset: bigint } {
  let pos = 0;
  let last = -1;
  while (pos + LOG_OVERHEAD <= chunk.length) {
    const size = LOG_OVERHEAD + chunk.readInt32BE(pos + BATCH_LENGTH_OFFSET);
    if (pos + size > chunk.length) break;
    last = pos;
    pos += size;
  }
  // The batch after them is the first holding any offset past the last one's last offset.
  const nextOffset = last < 0 ? -1n : chunk.readBigInt64BE(last + BASE_OFFSET_OFFSET) + BigInt(chunk.readInt32BE(last + LAST_OFFSET_DELTA_OFFSET)) + 1n;
  return { length: pos, nextOffset };
}
