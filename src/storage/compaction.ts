// Log compaction (cleanup.policy=compact): keep only the latest record of each key.
//
// Runs beside the log, not on its queue: it reads only inactive segments, which appends never
// touch, and writes `.cleaned` files. Only the swap of a finished segment goes through the
// queue (PartitionLog.installCleanedSegment), so appends wait at most for a few renames.
// Offsets never change: a rebuilt batch keeps its base offset, lastOffsetDelta and max
// timestamp, and may hold fewer records than its offset range (a sparse batch).
//
// Simplifications against Kafka's cleaner, all on the safe side: the offset map covers the
// whole cleanable range on every pass instead of only the dirty part; control batches
// (transaction markers) and transactional records are kept as they are; each segment is
// rewritten on its own instead of grouping small neighbours.

import {
  ATTR_TIMESTAMP_TYPE,
  BatchHeader,
  LAST_OFFSET_DELTA_OFFSET,
  MAX_TIMESTAMP_OFFSET,
} from '../records/batch-header.js';
import type { CompressionId } from '../records/compression/types.js';
import { buildRecordBatch, readRecordBatch, writeBatchCrc, type KafkaRecord } from '../records/record-batch.js';
import type { PartitionLog } from './log.js';
import type { LogSegment } from './segment.js';

export interface CompactionStats {
  segmentsCleaned: number;
  recordsRemoved: number;
  bytesBefore: number;
  bytesAfter: number;
  /** End of the range this pass covered (the next pass's first dirty offset); null if none. */
  cleanedUpTo: bigint | null;
}

const keyOf = (key: Buffer): string => key.toString('latin1');

/**
 * Header and bytes of each batch of a segment, read one batch at a time. Stops early if the
 * segment is retired meanwhile (retention runs between the awaits); the swap then sees the
 * segment gone and discards the output.
 */
async function* segmentBatches(segment: LogSegment): AsyncGenerator<{ header: BatchHeader; bytes: Buffer }> {
  let position = 0;
  while (!segment.closed && position < segment.size()) {
    const location = segment.readHeader(position);
    if (!location) return;
    const bytes = segment.read(position, location.size);
    if (bytes.length < location.size) return;
    yield { header: new BatchHeader(bytes), bytes };
    position += location.size;
  }
}

/**
 * The segments the cleaner may rewrite: inactive, wholly below the high watermark, and whose
 * newest record is older than min.compaction.lag.ms. Stops at the first that is not.
 */
function cleanableSegments(log: PartitionLog, nowMs: number): LogSegment[] {
  const cleanable: LogSegment[] = [];
  for (const segment of log.inactiveSegments()) {
    if (segment.nextOffset > log.highWatermark) break;
    if (nowMs - segment.largestTimestamp() < log.config.minCompactionLagMs) break;
    cleanable.push(segment);
  }
  return cleanable;
}

/** Rebuilds a batch holding only `kept`, with the original offsets, epoch, producer fields and timestamps. */
async function rebuildBatch(header: BatchHeader, kept: KafkaRecord[]): Promise<Buffer> {
  const logAppendTime = (header.attributes & ATTR_TIMESTAMP_TYPE) !== 0;
  const rebuilt = await buildRecordBatch(
    kept.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp, offsetDelta: Number(r.offset - header.baseOffset) })),
    {
      baseOffset: header.baseOffset,
      partitionLeaderEpoch: header.partitionLeaderEpoch,
      compression: header.compression as CompressionId,
      timestampType: logAppendTime ? 'log-append-time' : 'create-time',
      logAppendTime: header.maxTimestamp,
      timestamp: header.baseTimestamp,
      producerId: header.producerId,
      producerEpoch: header.producerEpoch,
      baseSequence: header.baseSequence,
      transactional: header.isTransactional,
    },
  );
  // Kafka keeps the batch's offset range and max timestamp across compaction, so producer
  // state and the time index stay valid.
  rebuilt.writeInt32BE(header.lastOffsetDelta, LAST_OFFSET_DELTA_OFFSET);
  rebuilt.writeBigInt64BE(header.maxTimestamp, MAX_TIMESTAMP_OFFSET);
  writeBatchCrc(rebuilt, 0);
  return rebuilt;
}

/**
 * Dirty ratio as Kafka's cleaner uses it: bytes not yet cleaned over all cleanable bytes.
 * `firstDirtyOffset` is where the previous pass stopped.
 */
export function dirtyRatio(segments: readonly LogSegment[], firstDirtyOffset: bigint): number {
  let total = 0;
  let dirty = 0;
  for (const segment of segments) {
    total += segment.size();
    if (segment.baseOffset >= firstDirtyOffset) dirty += segment.size();
  }
  return total === 0 ? 0 : dirty / total;
}

/**
 * One compaction pass over `log`. Call it from the background (it yields between batches);
 * the log keeps serving appends and reads meanwhile.
 */
export async function compactLog(log: PartitionLog, nowMs: number): Promise<CompactionStats> {
  const stats: CompactionStats = { segmentsCleaned: 0, recordsRemoved: 0, bytesBefore: 0, bytesAfter: 0, cleanedUpTo: null };
  const segments = await log.runExclusive(() => cleanableSegments(log, nowMs));
  if (segments.length === 0) return stats;
  stats.cleanedUpTo = segments.at(-1)!.nextOffset;

  // Pass 1: the offset of the latest record of every key in the cleanable range.
  const latest = new Map<string, bigint>();
  for (const segment of segments) {
    for await (const { header, bytes } of segmentBatches(segment)) {
      if (header.isControl) continue;
      for (const record of await readRecordBatch(bytes)) {
        if (record.key !== null) latest.set(keyOf(record.key), record.offset);
      }
    }
  }

  // Pass 2: rewrite each segment that loses records, and swap it in.
  const tombstoneHorizon = BigInt(nowMs - log.config.deleteRetentionMs);
  for (const segment of segments) {
    const cleaned = log.createCleanedSegment(segment.baseOffset);
    let removed = 0;
    for await (const { header, bytes } of segmentBatches(segment)) {
      if (header.isControl || header.isTransactional) {
        cleaned.append(bytes);
        continue;
      }
      const records = await readRecordBatch(bytes);
      const kept = records.filter((r) => {
        if (r.key === null) return true;
        if (latest.get(keyOf(r.key)) !== r.offset) return false;
        return r.value !== null || r.timestamp >= tombstoneHorizon;
      });
      removed += records.length - kept.length;
      if (kept.length === records.length) cleaned.append(bytes);
      else if (kept.length > 0) cleaned.append(await rebuildBatch(header, kept));
    }
    if (removed === 0) {
      cleaned.close();
      await log.runExclusive(() => log.discardCleanedSegment(segment.baseOffset));
      continue;
    }
    await cleaned.flush();
    const before = segment.size();
    const after = cleaned.size();
    if (await log.installCleanedSegment(segment, cleaned)) {
      stats.segmentsCleaned++;
      stats.recordsRemoved += removed;
      stats.bytesBefore += before;
      stats.bytesAfter += after;
    }
  }
  return stats;
}
