// Log compaction (cleanup.policy=compact): keep only the latest record of each key.
//
// Runs beside the log, not on its queue: it reads only inactive segments, which appends never
// touch, and writes `.cleaned` files. Only the swap of a finished segment goes through the
// queue (PartitionLog.installCleanedSegment), so appends wait at most for a few renames.
// Offsets never change: a rebuilt batch keeps its base offset, lastOffsetDelta and max
// timestamp, and may hold fewer records than its offset range (a sparse batch).
//
// Tombstones follow KIP-534: the first pass that keeps a tombstone stamps its batch with a
// delete horizon (now + delete.retention.ms, stored as the base timestamp with attribute bit
// 0x40); a later pass past the horizon drops it. Consumers thus get delete.retention.ms from
// the first cleaning to see the delete, whatever the record's own timestamp.
//
// Simplifications against Kafka's cleaner, all on the safe side: the offset map covers the
// whole cleanable range on every pass instead of only the dirty part; control batches
// (transaction markers) and transactional records are kept as they are; each segment is
// rewritten on its own instead of grouping small neighbours; every producer's last batch is
// kept (empty if need be), where Kafka keeps only those of producers not yet expired.

import { ATTR_TIMESTAMP_TYPE, BatchHeader } from '../records/batch-header.js';
import type { CompressionId } from '../records/compression/types.js';
import { buildRecordBatch, readRecordBatch, type KafkaRecord } from '../records/record-batch.js';
import type { PartitionLog } from './log.js';
import type { LogSegment } from './segment.js';

export interface CompactionStats {
  segmentsCleaned: number;
  recordsRemoved: number;
  bytesBefore: number;
  bytesAfter: number;
  /** Earliest delete horizon among the tombstones kept, when a later pass can drop them; else null. */
  nextDeleteHorizon: bigint | null;
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

/**
 * Rebuilds a batch holding only `kept`, with the original offsets, epoch, producer fields
 * and max timestamp; `deleteHorizonMs` marks it as carrying tombstones with that horizon.
 */
function rebuildBatch(header: BatchHeader, kept: KafkaRecord[], deleteHorizonMs: bigint | null): Promise<Buffer> {
  const logAppendTime = (header.attributes & ATTR_TIMESTAMP_TYPE) !== 0;
  return buildRecordBatch(
    kept.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp, offsetDelta: Number(r.offset - header.baseOffset) })),
    {
      baseOffset: header.baseOffset,
      partitionLeaderEpoch: header.partitionLeaderEpoch,
      // An empty batch has no payload to compress.
      compression: kept.length === 0 ? 0 : (header.compression as CompressionId),
      timestampType: logAppendTime ? 'log-append-time' : 'create-time',
      logAppendTime: header.maxTimestamp,
      timestamp: header.baseTimestamp,
      producerId: header.producerId,
      producerEpoch: header.producerEpoch,
      baseSequence: header.baseSequence,
      transactional: header.isTransactional,
      // Kafka keeps a batch's offset range and max timestamp across compaction, so producer
      // state and the time index stay valid.
      lastOffsetDelta: header.lastOffsetDelta,
      maxTimestamp: header.maxTimestamp,
      ...(deleteHorizonMs !== null ? { deleteHorizonMs } : {}),
    },
  );
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
  const stats: CompactionStats = {
    segmentsCleaned: 0,
    recordsRemoved: 0,
    bytesBefore: 0,
    bytesAfter: 0,
    nextDeleteHorizon: null,
    cleanedUpTo: null,
  };
  const segments = await log.runExclusive(() => cleanableSegments(log, nowMs));
  if (segments.length === 0) return stats;
  stats.cleanedUpTo = segments.at(-1)!.nextOffset;

  // Pass 1: the offset of the latest record of every key in the cleanable range, and the last
  // batch of every producer (so its sequence state survives even if its records go).
  const latest = new Map<string, bigint>();
  const lastBatchOfProducer = new Map<bigint, bigint>();
  for (const segment of segments) {
    for await (const { header, bytes } of segmentBatches(segment)) {
      if (header.producerId >= 0n) lastBatchOfProducer.set(header.producerId, header.baseOffset);
      if (header.isControl) continue;
      for (const record of await readRecordBatch(bytes)) {
        if (record.key !== null) latest.set(keyOf(record.key), record.offset);
      }
    }
  }

  await log.runExclusive(() => {
    for (const segment of log.segmentsFrom(stats.cleanedUpTo!)) {
      for (const batch of segment.batchesFrom(0)) if (batch.producerId >= 0n) lastBatchOfProducer.set(batch.producerId, batch.baseOffset);
    }
  });

  // Pass 2: rewrite each segment that loses records or gains a delete horizon, and swap it in.
  const now = BigInt(nowMs);
  const newHorizon = now + BigInt(log.config.deleteRetentionMs);
  const horizonsKept: bigint[] = [];
  for (const segment of segments) {
    const cleaned = log.createCleanedSegment(segment.baseOffset);
    let removed = 0;
    let changed = false;
    for await (const { header, bytes } of segmentBatches(segment)) {
      if (header.isControl || header.isTransactional) {
        cleaned.append(bytes);
        continue;
      }
      const horizon = header.hasDeleteHorizon ? header.baseTimestamp : null;
      const records = await readRecordBatch(bytes);
      const kept = records.filter((r) => {
        if (r.key === null) return true;
        if (latest.get(keyOf(r.key)) !== r.offset) return false;
        return r.value !== null || horizon === null || now < horizon;
      });
      removed += records.length - kept.length;
      const keepsTombstones = kept.some((r) => r.value === null);
      const stampHorizon = keepsTombstones && horizon === null;
      if (keepsTombstones) horizonsKept.push(horizon ?? newHorizon);
      if (kept.length === records.length && !stampHorizon) {
        cleaned.append(bytes);
      } else {
        changed = true;
        if (kept.length > 0) {
          cleaned.append(await rebuildBatch(header, kept, stampHorizon ? newHorizon : horizon));
        } else if (header.producerId >= 0n && lastBatchOfProducer.get(header.producerId) === header.baseOffset) {
          // Kafka keeps a producer's last batch as an empty one: its header carries the
          // producer id, epoch and sequence range that idempotence is rebuilt from.
          cleaned.append(await rebuildBatch(header, [], null));
        }
      }
    }
    if (!changed) {
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
  stats.nextDeleteHorizon = horizonsKept.reduce<bigint | null>((min, h) => (min === null || h < min ? h : min), null);
  return stats;
}
