// Record batch v2 (magic 2): building batches from records and reading records back.
//
// Layout after the 61-byte header (see batch-header.ts), possibly compressed as a whole:
//   record := length varint, attributes int8, timestampDelta varlong, offsetDelta varint,
//             keyLength varint, key, valueLength varint, value,
//             headerCount varint, [headerKeyLength varint, headerKey utf8,
//                                  headerValueLength varint, headerValue]
// All varints are zigzag; a length of -1 means null.
import {
  ATTR_COMPRESSION_MASK,
  ATTR_CONTROL,
  ATTR_DELETE_HORIZON,
  ATTR_TIMESTAMP_TYPE,
  ATTR_TRANSACTIONAL,
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BASE_TIMESTAMP_OFFSET,
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
import { codecFor } from './compression/index.js';
import { CompressionType } from './compression/types.js';
import type { BuildBatchOptions, KafkaRecord, RecordHeader, RecordToWrite } from './types.js';

// Callers import these from here as well as from types.ts / index.ts.
export type { BuildBatchOptions, KafkaRecord, RecordHeader, RecordToWrite, TimestampType } from './types.js';
import { crc32c } from './crc32c.js';
import { ByteCursor, RecordFormatError, sizeOfVarint, writeVarint } from './varint.js';

export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;
/** Kafka's RecordBatch.NO_TIMESTAMP. */
export const NO_TIMESTAMP = -1n;

interface EncodedRecords {
  payload: Buffer;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  lastOffsetDelta: number;
}

function headerKeyBytes(headers: readonly RecordHeader[] | undefined): Buffer[] {
  return headers === undefined ? [] : headers.map((h) => Buffer.from(h.key, 'utf8'));
}

function sizeOfBytesField(bytes: Buffer | null | undefined): number {
  return bytes == null ? 1 : sizeOfVarint(bytes.length) + bytes.length;
}

function writeBytesField(out: Buffer, pos: number, bytes: Buffer | null | undefined): number {
  if (bytes == null) return writeVarint(out, pos, -1);
  pos = writeVarint(out, pos, bytes.length);
  bytes.copy(out, pos);
  return pos + bytes.length;
}

/**
 * Serialises records (uncompressed): sizes first, then one allocation and one pass of
 * writes. Timestamp deltas are taken from `baseTimestamp` (default: the first record's).
 */
export function encodeRecords(records: readonly RecordToWrite[], defaultTimestamp: bigint, baseTimestamp?: bigint): EncodedRecords {
  baseTimestamp ??= records[0]?.timestamp ?? defaultTimestamp;
  let maxTimestamp = NO_TIMESTAMP;
  const bodySizes = new Array<number>(records.length);
  const headerKeys = new Array<Buffer[]>(records.length);
  let total = 0;
  let previousDelta = -1;
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    const timestamp = record.timestamp ?? defaultTimestamp;
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    const offsetDelta = record.offsetDelta ?? i;
    if (offsetDelta <= previousDelta) throw new Error('record offset deltas must increase');
    previousDelta = offsetDelta;
    const keys = headerKeyBytes(record.headers);
    headerKeys[i] = keys;
    let size = 1 + sizeOfVarint(Number(timestamp - baseTimestamp)) + sizeOfVarint(offsetDelta);
    size += sizeOfBytesField(record.key) + sizeOfBytesField(record.value);
    size += sizeOfVarint(keys.length);
    for (let h = 0; h < keys.length; h++) size += sizeOfBytesField(keys[h]) + sizeOfBytesField(record.headers![h]!.value);
    bodySizes[i] = size;
    total += sizeOfVarint(size) + size;
  }
  const payload = Buffer.allocUnsafe(total);
  let pos = 0;
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    pos = writeVarint(payload, pos, bodySizes[i]!);
    payload[pos++] = 0; // record attributes: unused
    pos = writeVarint(payload, pos, Number((record.timestamp ?? defaultTimestamp) - baseTimestamp));
    pos = writeVarint(payload, pos, record.offsetDelta ?? i);
    pos = writeBytesField(payload, pos, record.key);
    pos = writeBytesField(payload, pos, record.value);
    const keys = headerKeys[i]!;
    pos = writeVarint(payload, pos, keys.length);
    for (let h = 0; h < keys.length; h++) {
      pos = writeBytesField(payload, pos, keys[h]);
      pos = writeBytesField(payload, pos, record.headers![h]!.value);
    }
  }
  return { payload, baseTimestamp, maxTimestamp, lastOffsetDelta: previousDelta };
}

/** Writes header + (already compressed) payload into one buffer and seals it with the CRC. */
function assembleBatch(
  encoded: EncodedRecords,
  recordsCount: number,
  body: Buffer,
  options: BuildBatchOptions,
): Buffer {
  const compression = options.compression ?? CompressionType.NONE;
  let attributes = compression & ATTR_COMPRESSION_MASK;
  let maxTimestamp = options.maxTimestamp ?? encoded.maxTimestamp;
  const lastOffsetDelta = options.lastOffsetDelta ?? encoded.lastOffsetDelta;
  if (lastOffsetDelta < encoded.lastOffsetDelta || lastOffsetDelta < 0) {
    throw new Error(recordsCount === 0 ? 'an empty batch needs lastOffsetDelta' : 'lastOffsetDelta below the last record');
  }
  if (options.deleteHorizonMs !== undefined) attributes |= ATTR_DELETE_HORIZON;
  if (options.timestampType === 'log-append-time') {
    if (options.logAppendTime === undefined) throw new Error('log-append-time needs logAppendTime');
    attributes |= ATTR_TIMESTAMP_TYPE;
    maxTimestamp = options.logAppendTime;
  }
  if (options.transactional) attributes |= ATTR_TRANSACTIONAL;
  if (options.control) attributes |= ATTR_CONTROL;
  const out = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + body.length);
  out.writeBigInt64BE(options.baseOffset ?? 0n, BASE_OFFSET_OFFSET);
  out.writeInt32BE(out.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  out.writeInt32BE(options.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH, PARTITION_LEADER_EPOCH_OFFSET);
  out.writeInt8(2, MAGIC_OFFSET);
  out.writeInt16BE(attributes, ATTRIBUTES_OFFSET);
  out.writeInt32BE(lastOffsetDelta, LAST_OFFSET_DELTA_OFFSET);
  out.writeBigInt64BE(encoded.baseTimestamp, BASE_TIMESTAMP_OFFSET);
  out.writeBigInt64BE(maxTimestamp, MAX_TIMESTAMP_OFFSET);
  out.writeBigInt64BE(options.producerId ?? NO_PRODUCER_ID, PRODUCER_ID_OFFSET);
  out.writeInt16BE(options.producerEpoch ?? NO_PRODUCER_EPOCH, PRODUCER_EPOCH_OFFSET);
  out.writeInt32BE(options.baseSequence ?? NO_SEQUENCE, BASE_SEQUENCE_OFFSET);
  out.writeInt32BE(recordsCount, RECORDS_COUNT_OFFSET);
  body.copy(out, RECORD_BATCH_OVERHEAD);
  writeBatchCrc(out, 0);
  return out;
}

/** Recomputes and stores the CRC-32C of the batch at `pos` (covers attributes to the end). */
export function writeBatchCrc(buf: Buffer, pos: number): void {
  const end = pos + LOG_OVERHEAD + buf.readInt32BE(pos + BATCH_LENGTH_OFFSET);
  buf.writeUInt32BE(crc32c(buf, pos + ATTRIBUTES_OFFSET, end), pos + CRC_OFFSET);
}

/** Builds a v2 batch, compressing the records with `options.compression`. */
export async function buildRecordBatch(records: readonly RecordToWrite[], options: BuildBatchOptions = {}): Promise<Buffer> {
  const encoded = encodeRecords(records, options.timestamp ?? BigInt(Date.now()), options.deleteHorizonMs);
  const compression = options.compression ?? CompressionType.NONE;
  const body = compression === CompressionType.NONE ? encoded.payload : await codecFor(compression).compress(encoded.payload, options.compressionLevel);
  return assembleBatch(encoded, records.length, body, options);
}

/** Synchronous build for uncompressed batches (control markers, internal topics, tests). */
export function buildUncompressedRecordBatch(records: readonly RecordToWrite[], options: BuildBatchOptions = {}): Buffer {
  if ((options.compression ?? CompressionType.NONE) !== CompressionType.NONE) {
    throw new Error('buildUncompressedRecordBatch cannot compress; use buildRecordBatch');
  }
  const encoded = encodeRecords(records, options.timestamp ?? BigInt(Date.now()), options.deleteHorizonMs);
  return assembleBatch(encoded, records.length, encoded.payload, options);
}

/** Start positions of the batches in validated bytes; RecordFormatError if the framing is off. */
export function* batchPositions(buf: Buffer): Generator<number> {
  let pos = 0;
  while (pos < buf.length) {
    if (buf.length - pos < RECORD_BATCH_OVERHEAD) throw new RecordFormatError('truncated batch header');
    const size = LOG_OVERHEAD + buf.readInt32BE(pos + BATCH_LENGTH_OFFSET);
    if (size < RECORD_BATCH_OVERHEAD || pos + size > buf.length) throw new RecordFormatError('bad batch length');
    yield pos;
    pos += size;
  }
}

/**
 * The uncompressed records region of the batch at `pos` (a view when not compressed).
 * Rejects with `CompressionError` when the payload does not decompress.
 */
export async function batchRecordsPayload(buf: Buffer, pos = 0): Promise<Buffer> {
  if (buf.length - pos < RECORD_BATCH_OVERHEAD) throw new RecordFormatError('truncated batch header');
  const header = new BatchHeader(buf, pos);
  if (header.batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD || header.totalSize > buf.length - pos) {
    throw new RecordFormatError('batch length out of range');
  }
  const body = buf.subarray(pos + RECORD_BATCH_OVERHEAD, pos + header.totalSize);
  const compression = header.compression;
  return compression === CompressionType.NONE ? body : codecFor(compression).decompress(body);
}

/**
 * Records of an uncompressed payload. Throws `RecordFormatError` when the payload does not
 * hold exactly `header.recordsCount` well-formed records.
 */
export function* iterateRecordsPayload(payload: Buffer, header: BatchHeader): Generator<KafkaRecord> {
  const baseOffset = header.baseOffset;
  const baseTimestamp = header.baseTimestamp;
  const logAppendTime = (header.attributes & ATTR_TIMESTAMP_TYPE) !== 0 ? header.maxTimestamp : undefined;
  const count = header.recordsCount;
  if (count < 0) throw new RecordFormatError('negative record count');
  const cursor = new ByteCursor(payload, 0, payload.length);
  for (let i = 0; i < count; i++) {
    const length = cursor.varint();
    if (length < 0 || cursor.pos + length > payload.length) throw new RecordFormatError('record length out of range');
    const recordEnd = cursor.pos + length;
    const record = new ByteCursor(payload, cursor.pos, recordEnd);
    record.int8(); // attributes: unused in v2
    const timestampDelta = record.varlong();
    const offsetDelta = record.varint();
    const key = record.bytes(record.varint());
    const value = record.bytes(record.varint());
    const headerCount = record.varint();
    if (headerCount < 0) throw new RecordFormatError('negative header count');
    const headers: RecordHeader[] = [];
    for (let h = 0; h < headerCount; h++) {
      const headerKey = record.bytes(record.varint());
      if (headerKey === null) throw new RecordFormatError('null header key');
      headers.push({ key: headerKey.toString('utf8'), value: record.bytes(record.varint()) });
    }
    if (record.pos !== recordEnd) throw new RecordFormatError('record length does not match its fields');
    cursor.pos = recordEnd;
    yield {
      offset: baseOffset + BigInt(offsetDelta),
      timestamp: logAppendTime ?? baseTimestamp + BigInt(timestampDelta),
      key,
      value,
      headers,
    };
  }
  if (cursor.pos !== payload.length) throw new RecordFormatError('bytes left after the declared records');
}

/**
 * All records of the batch at `pos`, decompressed. Rejects with RecordFormatError or
 * CompressionError on malformed bytes (the CRC is not checked here: validateRecords does).
 */
export async function readRecordBatch(buf: Buffer, pos = 0): Promise<KafkaRecord[]> {
  const payload = await batchRecordsPayload(buf, pos);
  return [...iterateRecordsPayload(payload, new BatchHeader(buf, pos))];
}
