// Interfaces of the storage layer: the file system the log runs on, the per-log config,
// the clock, and the partition log surface other layers call.
//
// Append and positional read are synchronous on purpose: both hit the page cache, and
// bench/storage/append.bench.ts shows a synchronous write/read costs a few microseconds
// while the promise-based one pays a thread-pool round trip per call (see README.md for
// figures). fsync is the only call that waits on the device, so it alone is async.

/** One open file. Positions are byte offsets; files only grow at the end or are truncated. */
export interface FileHandle {
  readonly path: string;
  /** Current length in bytes, including bytes not yet fsynced. */
  size(): number;
  /** Appends at the end; returns the position the bytes were written at. */
  append(data: Uint8Array): number;
  /** Reads `length` bytes at `position` into a new buffer; shorter if the file ends first. */
  read(position: number, length: number): Buffer;
  /** Reads into `target` at `targetOffset`; returns the number of bytes read. */
  readInto(position: number, target: Buffer, targetOffset: number, length: number): number;
  truncate(size: number): void;
  /** Makes every byte written so far durable. */
  sync(): Promise<void>;
  close(): void;
}

export interface FileSystem {
  /** Opens for read and append; creates the file when `create` is set. */
  open(path: string, create: boolean): FileHandle;
  exists(path: string): boolean;
  isDirectory(path: string): boolean;
  /** Names (not paths) of the entries of a directory, sorted. */
  list(dir: string): string[];
  /** Creates a directory and its parents; no error if it exists. */
  mkdir(dir: string): void;
  /** Atomic replace of `to` by `from`. */
  rename(from: string, to: string): void;
  /** Removes a file, or a directory with everything in it; no error if missing. */
  remove(path: string): void;
  /** Makes the directory's entries (creates, renames, removes) durable. */
  syncDirectory(dir: string): Promise<void>;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';
export type TimestampType = 'CreateTime' | 'LogAppendTime';

/** Per-log settings, named after Kafka's topic configs, with Kafka's defaults. */
export interface LogConfig {
  /** segment.bytes */
  segmentBytes: number;
  /** segment.ms */
  segmentMs: number;
  /** index.interval.bytes */
  indexIntervalBytes: number;
  /** segment.index.bytes: the largest an index file may get before the segment rolls. */
  segmentIndexBytes: number;
  /** retention.ms; -1 means unlimited. */
  retentionMs: number;
  /** retention.bytes; -1 means unlimited. */
  retentionBytes: number;
  /** cleanup.policy */
  cleanupPolicy: CleanupPolicy;
  /** delete.retention.ms: how long tombstones survive compaction. */
  deleteRetentionMs: number;
  /** min.compaction.lag.ms */
  minCompactionLagMs: number;
  /** min.cleanable.dirty.ratio */
  minCleanableDirtyRatio: number;
  /** file.delete.delay.ms: time between renaming a segment to .deleted and removing it. */
  fileDeleteDelayMs: number;
  /** flush.messages: fsync after this many records; Kafka's default never forces it. */
  flushMessages: number;
  /** flush.ms */
  flushMs: number;
  /** message.timestamp.type */
  messageTimestampType: TimestampType;
}

/** Kafka's Long.MAX_VALUE defaults, clipped to what a JS number holds exactly. */
const NEVER = Number.MAX_SAFE_INTEGER;

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  indexIntervalBytes: 4096,
  segmentIndexBytes: 10 * 1024 * 1024,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: -1,
  cleanupPolicy: 'delete',
  deleteRetentionMs: 24 * 60 * 60 * 1000,
  minCompactionLagMs: 0,
  minCleanableDirtyRatio: 0.5,
  fileDeleteDelayMs: 60_000,
  flushMessages: NEVER,
  flushMs: NEVER,
  messageTimestampType: 'CreateTime',
});

export function logConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  return { ...DEFAULT_LOG_CONFIG, ...overrides };
}

/** What a leader append reports back to the produce path. */
export interface AppendResult {
  baseOffset: bigint;
  lastOffset: bigint;
  /** The broker time stamped into the batches, or -1n when the topic uses CreateTime. */
  logAppendTime: bigint;
  /** Log start offset after the append, for the produce response. */
  logStartOffset: bigint;
}

export interface ReadResult {
  /** Whole batches, as stored; empty when nothing is readable at the offset. */
  records: Buffer;
  logStartOffset: bigint;
  logEndOffset: bigint;
  highWatermark: bigint;
}

export interface ReadOptions {
  maxBytes: number;
  /** Exclusive upper bound on the offsets returned (high watermark or last stable offset). */
  maxOffset?: bigint;
  /** Kafka's rule: the first batch comes whole even when larger than maxBytes. Default true. */
  minOneBatch?: boolean;
}

/** Offset + timestamp answer of ListOffsets. */
export interface TimestampAndOffset {
  timestamp: bigint;
  offset: bigint;
  leaderEpoch: number;
}

export class OffsetOutOfRangeError extends Error {
  constructor(readonly offset: bigint, readonly logStartOffset: bigint, readonly logEndOffset: bigint) {
    super(`offset ${offset} is outside [${logStartOffset}, ${logEndOffset}]`);
    this.name = 'OffsetOutOfRangeError';
  }
}

export class CorruptRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptRecordError';
  }
}
