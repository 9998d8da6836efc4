// Produce-path checks and stamping over the raw `records` bytes of one partition.
// Everything here walks batch headers in place: no copies, no per-record objects.
// Only `inspectRecords` / `allRecordsHaveKeys` look inside batches (decompressing).
import {
  ATTR_COMPRESSION_MASK,
  ATTR_CONTROL,
  ATTR_TIMESTAMP_TYPE,
  ATTR_TRANSACTIONAL,
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BATCH_LENGTH_OFFSET,
  BatchHeader,
  CRC_OFFSET,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_BATCH_OVERHEAD,
  RECORDS_COUNT_OFFSET,
} from './batch-header.js';
import { CompressionError, CompressionType, isCompressionId, type CompressionId } from './compression/types.js';
import { crc32c } from './crc32c.js';
import { validateLegacyMessageSet } from './legacy.js';
import { recordsFailure } from './validation-result.js';
import type { ProducerInfo, RecordsFailure, RecordsValidation, ValidateOptions } from './types.js';
import { batchPositions, batchRecordsPayload, iterateRecordsPayload, writeBatchCrc } from './record-batch.js';
import { RecordFormatError } from './varint.js';

/** Kafka's DefaultRecordBatch.incrementSequence: sequences wrap to 0 after int32 max. */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > 0x7fffffff - increment) return increment - (0x7fffffff - sequence) - 1;
  return sequence + increment;
}

/** Checks the framing of the batch at `pos` in `buf[.., end)`; returns its total size or a failure. */
function checkBatchFraming(buf: Buffer, pos: number, end: number, index: number, maxBatchSize: number): number | RecordsFailure {
  if (end - pos < RECORD_BATCH_OVERHEAD) {
    return recordsFailure('CORRUPT_MESSAGE', `truncated batch header (${end - pos} bytes)`, index, pos);
  }
  const batchLength = buf.readInt32BE(pos + BATCH_LENGTH_OFFSET);
  if (batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD) {
    return recordsFailure('CORRUPT_MESSAGE', `batch length ${batchLength} below the header size`, index, pos);
  }
  const totalSize = LOG_OVERHEAD + batchLength;
  if (totalSize > maxBatchSize) {
    return recordsFailure('MESSAGE_TOO_LARGE', `batch of ${totalSize} bytes exceeds ${maxBatchSize}`, index, pos);
  }
  if (totalSize > end - pos) {
    return recordsFailure('CORRUPT_MESSAGE', `batch of ${totalSize} bytes truncated to ${end - pos}`, index, pos);
  }
  const stored = buf.readUInt32BE(pos + CRC_OFFSET);
  if (crc32c(buf, pos + ATTRIBUTES_OFFSET, pos + totalSize) !== stored) {
    return recordsFailure('CORRUPT_MESSAGE', 'batch CRC-32C mismatch', index, pos);
  }
  return totalSize;
}

function producerInfoAt(buf: Buffer, pos: number): ProducerInfo {
  const baseSequence = buf.readInt32BE(pos + BASE_SEQUENCE_OFFSET);
  const lastOffsetDelta = buf.readInt32BE(pos + LAST_OFFSET_DELTA_OFFSET);
  return {
    producerId: buf.readBigInt64BE(pos + PRODUCER_ID_OFFSET),
    producerEpoch: buf.readInt16BE(pos + PRODUCER_EPOCH_OFFSET),
    baseSequence,
    lastSequence: baseSequence < 0 ? baseSequence : incrementSequence(baseSequence, lastOffsetDelta),
  };
}

/**
 * Kafka's rules for batches a client produced (UnifiedLog.analyzeAndValidateRecords and
 * LogValidator.validateBatch); returns why the batch is refused, if it is.
 */
function checkClientBatch(buf: Buffer, pos: number, attributes: number): string | undefined {
  const baseOffset = buf.readBigInt64BE(pos + BASE_OFFSET_OFFSET);
  if (baseOffset !== 0n) return `batch base offset must be 0 in a produce request, not ${baseOffset}`;
  const count = buf.readInt32BE(pos + RECORDS_COUNT_OFFSET);
  const lastOffsetDelta = buf.readInt32BE(pos + LAST_OFFSET_DELTA_OFFSET);
  if (lastOffsetDelta < 0) return `invalid offset range: lastOffsetDelta ${lastOffsetDelta}`;
  if (count <= 0) return `invalid record count ${count}`;
  if (lastOffsetDelta !== count - 1) return `lastOffsetDelta ${lastOffsetDelta} does not match ${count} records`;
  if ((attributes & ATTR_CONTROL) !== 0) return 'clients may not write control batches';
  const baseSequence = buf.readInt32BE(pos + BASE_SEQUENCE_OFFSET);
  if (buf.readBigInt64BE(pos + PRODUCER_ID_OFFSET) >= 0n && baseSequence < 0) {
    return `invalid sequence number ${baseSequence} for an idempotent producer`;
  }
  return undefined;
}

/**
 * Validates the records of one produce partition: framing, CRC, size limit, codec id and
 * the client rules of checkClientBatch (unless `origin` is 'internal'). Magic 0/1 sets are checked
 * by legacy.ts. Never throws on malformed input.
 */
export function validateRecords(buf: Buffer, options: ValidateOptions = {}): RecordsValidation {
  if (buf.length >= MAGIC_OFFSET + 1 && buf.readInt8(MAGIC_OFFSET) < 2) {
    if (options.produceVersion !== undefined && options.produceVersion >= 3) {
      return recordsFailure('INVALID_RECORD', 'produce v3+ requires record batch magic 2', 0, 0);
    }
    return validateLegacyMessageSet(buf, options);
  }
  const maxBatchSize = options.maxBatchSize ?? Number.MAX_SAFE_INTEGER;
  const end = buf.length;
  let pos = 0;
  let index = 0;
  let recordCount = 0;
  let maxTimestamp = -1n;
  let isTransactional = false;
  let hasControlBatch = false;
  let compression: CompressionId = CompressionType.NONE;
  let firstPos = -1;
  let lastPos = -1;
  while (pos < end) {
    if (end - pos > MAGIC_OFFSET && buf.readInt8(pos + MAGIC_OFFSET) !== 2) {
      const magic = buf.readInt8(pos + MAGIC_OFFSET);
      const why = magic < 2 ? `magic ${magic} message after a magic 2 batch` : `unknown magic ${magic}`;
      return recordsFailure('CORRUPT_MESSAGE', why, index, pos);
    }
    const framed = checkBatchFraming(buf, pos, end, index, maxBatchSize);
    if (typeof framed !== 'number') return framed;
    const attributes = buf.readInt16BE(pos + ATTRIBUTES_OFFSET);
    const codec = attributes & ATTR_COMPRESSION_MASK;
    if (!isCompressionId(codec)) {
      return recordsFailure('UNSUPPORTED_COMPRESSION_TYPE', `unknown compression id ${codec}`, index, pos);
    }
    if (codec === CompressionType.ZSTD && options.produceVersion !== undefined && options.produceVersion < 7) {
      return recordsFailure('UNSUPPORTED_COMPRESSION_TYPE', 'zstd needs produce v7 or later', index, pos);
    }
    if ((options.origin ?? 'client') === 'client') {
      const refused = checkClientBatch(buf, pos, attributes);
      if (refused !== undefined) return recordsFailure('INVALID_RECORD', refused, index, pos);
    }
    const count = buf.readInt32BE(pos + RECORDS_COUNT_OFFSET);
    const isControl = (attributes & ATTR_CONTROL) !== 0;
    const transactional = (attributes & ATTR_TRANSACTIONAL) !== 0;
    const batchMax = buf.readBigInt64BE(pos + MAX_TIMESTAMP_OFFSET);
    if (batchMax > maxTimestamp) maxTimestamp = batchMax;
    isTransactional ||= transactional;
    hasControlBatch ||= isControl;
    compression = codec;
    recordCount += count;
    if (firstPos < 0) firstPos = pos;
    lastPos = pos;
    pos += framed;
    index++;
  }
  if (options.produceVersion !== undefined && options.produceVersion >= 3 && index !== 1) {
    return recordsFailure('INVALID_RECORD', `produce v3+ needs exactly one batch, got ${index}`, Math.min(index, 1), 0);
  }
  const empty: ProducerInfo = { producerId: -1n, producerEpoch: -1, baseSequence: -1, lastSequence: -1 };
  return {
    ok: true,
    magic: 2,
    batchCount: index,
    recordCount,
    sizeInBytes: end,
    first: firstPos < 0 ? empty : producerInfoAt(buf, firstPos),
    last: lastPos < 0 ? empty : producerInfoAt(buf, lastPos),
    maxTimestamp,
    isTransactional,
    hasControlBatch,
    compression,
  };
}

/**
 * Stamps base offsets (consecutive from `baseOffset`) and the leader epoch into every
 * batch, in place. Both fields lie outside the CRC, so no checksum work. Returns the
 * offset after the last record (the next offset to assign).
 */
export function assignOffsets(buf: Buffer, baseOffset: bigint, partitionLeaderEpoch: number): bigint {
  let next = baseOffset;
  for (const pos of batchPositions(buf)) {
    buf.writeBigInt64BE(next, pos + BASE_OFFSET_OFFSET);
    buf.writeInt32BE(partitionLeaderEpoch, pos + PARTITION_LEADER_EPOCH_OFFSET);
    next += BigInt(buf.readInt32BE(pos + LAST_OFFSET_DELTA_OFFSET)) + 1n;
  }
  return next;
}

/**
 * For topics with message.timestamp.type=LogAppendTime: marks every batch's timestamp
 * type and sets its maxTimestamp to `timestamp`, in place. These fields are covered by
 * the CRC, so each batch's CRC is recomputed.
 */
export function stampLogAppendTime(buf: Buffer, timestamp: bigint): void {
  for (const pos of batchPositions(buf)) {
    buf.writeInt16BE(buf.readInt16BE(pos + ATTRIBUTES_OFFSET) | ATTR_TIMESTAMP_TYPE, pos + ATTRIBUTES_OFFSET);
    buf.writeBigInt64BE(timestamp, pos + MAX_TIMESTAMP_OFFSET);
    writeBatchCrc(buf, pos);
  }
}

export interface RecordsInspection {
  ok: true;
  recordCount: number;
  recordsWithoutKey: number;
}

export interface InspectOptions {
  /**
   * Accepted CreateTime record timestamps, inclusive: Kafka's
   * [now - message.timestamp.before.max.ms, now + message.timestamp.after.max.ms].
   * Records outside fail with INVALID_TIMESTAMP. LogAppendTime batches are not checked.
   */
  timestampWindow?: { earliest: bigint; latest: bigint };
}

type ScanResult = { withoutKey: number } | { error: 'INVALID_RECORD' | 'INVALID_TIMESTAMP'; message: string };

/**
 * Counts keyless records, checks offset deltas run 0..n-1 (Kafka's inner offset check)
 * and, when asked, that timestamps lie in the accepted window.
 */
function scanPayload(payload: Buffer, header: BatchHeader, options: InspectOptions): ScanResult {
  const baseOffset = header.baseOffset;
  const window = (header.attributes & ATTR_TIMESTAMP_TYPE) === 0 ? options.timestampWindow : undefined;
  let withoutKey = 0;
  let expected = baseOffset;
  for (const record of iterateRecordsPayload(payload, header)) {
    if (record.offset !== expected) {
      return { error: 'INVALID_RECORD', message: `record ${expected - baseOffset} has offset delta ${record.offset - baseOffset}` };
    }
    if (window && (record.timestamp < window.earliest || record.timestamp > window.latest)) {
      const message = `timestamp ${record.timestamp} of record ${expected - baseOffset} is outside [${window.earliest}, ${window.latest}]`;
      return { error: 'INVALID_TIMESTAMP', message };
    }
    if (record.key === null) withoutKey++;
    expected++;
  }
  return { withoutKey };
}

/**
 * Looks inside every batch of validated v2 bytes (decompressing): record framing, offset
 * deltas in sequence, optional timestamp window, and how many records lack a key
 * (compacted topics reject those).
 */
export async function inspectRecords(buf: Buffer, options: InspectOptions = {}): Promise<RecordsInspection | RecordsFailure> {
  let recordCount = 0;
  let recordsWithoutKey = 0;
  let index = 0;
  let pos = 0;
  try {
    for (pos of batchPositions(buf)) {
      const header = new BatchHeader(buf, pos);
      const scanned = scanPayload(await batchRecordsPayload(buf, pos), header, options);
      if ('error' in scanned) return recordsFailure(scanned.error, scanned.message, index, pos);
      recordCount += header.recordsCount;
      recordsWithoutKey += scanned.withoutKey;
      index++;
    }
  } catch (cause) {
    if (cause instanceof RecordFormatError || cause instanceof CompressionError) {
      return recordsFailure('CORRUPT_MESSAGE', cause.message, index, pos);
    }
    throw cause;
  }
  return { ok: true, recordCount, recordsWithoutKey };
}

/** True when every record has a non-null key; false also when the bytes are malformed. */
export async function allRecordsHaveKeys(buf: Buffer): Promise<boolean> {
  const inspection = await inspectRecords(buf);
  return inspection.ok && inspection.recordsWithoutKey === 0;
}

/**
 * Kafka recomputes a batch's maxTimestamp from its records when appending. Some clients
 * (sarama) never set it, which breaks the time index and ListOffsets by timestamp. A batch
 * whose maxTimestamp is below its first record's timestamp cannot be right: only those are
 * walked (decompressing if needed), fixed, and their CRC rewritten, so correct batches cost nothing.
 * Returns how many batches were repaired.
 */
export async function repairMaxTimestamps(buf: Buffer): Promise<number> {
  let repaired = 0;
  for (const pos of batchPositions(buf)) {
    const header = new BatchHeader(buf, pos);
    if ((header.attributes & ATTR_TIMESTAMP_TYPE) !== 0 || header.maxTimestamp >= header.baseTimestamp) continue;
    let max = -1n;
    for (const record of iterateRecordsPayload(await batchRecordsPayload(buf, pos), header)) {
      if (record.timestamp > max) max = record.timestamp;
    }
    buf.writeBigInt64BE(max, pos + MAX_TIMESTAMP_OFFSET);
    writeBatchCrc(buf, pos);
    repaired++;
  }
  return repaired;
}
