// Legacy message sets (magic 0 and 1), which produce v0–v2 may send and fetch v0–v3
// must receive.
//
//   entry   := offset int64, messageSize int32, message
//   message := crc uint32 (CRC-32 IEEE over the rest), magic int8, attributes int8,
//              [timestamp int64, magic 1 only], key bytes, value bytes
//   bytes   := int32 length (-1 = null), data
//
// A compressed message is a wrapper: its value is a compressed message set of inner
// messages. Magic 0 inner messages carry absolute offsets; magic 1 inner messages carry
// offsets relative to the first, and the wrapper carries the absolute offset of the last.
// Attributes: bits 0–2 compression, bit 3 (magic 1) timestamp type LogAppendTime.
import { createRequire } from 'node:module';
import { BatchHeader, LOG_OVERHEAD, MAGIC_OFFSET, ATTR_CONTROL, ATTR_TIMESTAMP_TYPE } from './batch-header.js';
import { codecFor, compressLz4LegacyFrame } from './compression/index.js';
import { CompressionError, CompressionType, UnsupportedCompressionError, type CompressionId } from './compression/types.js';
import {
  batchRecordsPayload,
  buildRecordBatch,
  iterateRecordsPayload,
  NO_TIMESTAMP,
} from './record-batch.js';
import { recordsFailure } from './validation-result.js';
import type { RecordsFailure, RecordsValidation, RecordToWrite, ValidateOptions } from './types.js';
import { ByteCursor, RecordFormatError } from './varint.js';

const crc32Ieee = (createRequire(import.meta.url)('crc-32') as { buf(data: Uint8Array, seed?: number): number }).buf;

const CRC_SIZE = 4;
/** crc + magic + attributes + key length + value length. */
const MIN_MESSAGE_SIZE_V0 = CRC_SIZE + 1 + 1 + 4 + 4;
const MIN_MESSAGE_SIZE_V1 = MIN_MESSAGE_SIZE_V0 + 8;
const LEGACY_TIMESTAMP_TYPE = ATTR_TIMESTAMP_TYPE;
const LEGACY_COMPRESSION_MASK = 0x07;

export type LegacyMagic = 0 | 1;

/** One (inner, decompressed) legacy message; key and value are views into the input. */
export interface LegacyMessage {
  offset: bigint;
  magic: LegacyMagic;
  /** NO_TIMESTAMP (-1) for magic 0. */
  timestamp: bigint;
  logAppendTime: boolean;
  key: Buffer | null;
  value: Buffer | null;
}

function minMessageSize(magic: number): number {
  return magic === 0 ? MIN_MESSAGE_SIZE_V0 : MIN_MESSAGE_SIZE_V1;
}

interface EntryFraming {
  size: number;
  magic: LegacyMagic;
  attributes: number;
}

/** Framing, magic and CRC of the entry at `pos`; an error message when it is malformed. */
function checkEntry(buf: Buffer, pos: number, end: number): EntryFraming | string {
  if (end - pos < LOG_OVERHEAD + CRC_SIZE + 2) return 'truncated message header';
  const magic = buf.readInt8(pos + MAGIC_OFFSET);
  if (magic !== 0 && magic !== 1) return `unknown magic ${magic}`;
  const messageSize = buf.readInt32BE(pos + 8);
  if (messageSize < minMessageSize(magic)) return `message size ${messageSize} below the minimum`;
  const size = LOG_OVERHEAD + messageSize;
  if (size > end - pos) return `message of ${size} bytes truncated to ${end - pos}`;
  const crcStart = pos + LOG_OVERHEAD + CRC_SIZE;
  if ((crc32Ieee(buf.subarray(crcStart, pos + size)) >>> 0) !== buf.readUInt32BE(pos + LOG_OVERHEAD)) {
    return 'message CRC-32 mismatch';
  }
  return { size, magic, attributes: buf.readInt8(pos + MAGIC_OFFSET + 1) };
}

interface ParsedMessage extends LegacyMessage {
  compression: number;
}

function parseMessage(buf: Buffer, pos: number, framing: EntryFraming): ParsedMessage {
  const cursor = new ByteCursor(buf, pos + MAGIC_OFFSET + 2, pos + framing.size);
  const timestamp = framing.magic === 1 ? cursor.int64() : NO_TIMESTAMP;
  const key = cursor.bytes(cursor.int32());
  const value = cursor.bytes(cursor.int32());
  if (cursor.pos !== cursor.end) throw new RecordFormatError('message size does not match its fields');
  return {
    offset: buf.readBigInt64BE(pos),
    magic: framing.magic,
    timestamp,
    logAppendTime: framing.magic === 1 && (framing.attributes & LEGACY_TIMESTAMP_TYPE) !== 0,
    key,
    value,
    compression: framing.attributes & LEGACY_COMPRESSION_MASK,
  };
}

/**
 * Shallow produce-path validation of a magic 0/1 message set: framing, CRC, codec, size.
 * Compressed wrappers are not opened, so `recordCount` counts top-level messages.
 */
export function validateLegacyMessageSet(buf: Buffer, options: ValidateOptions = {}): RecordsValidation {
  const maxSize = options.maxBatchSize ?? Number.MAX_SAFE_INTEGER;
  let pos = 0;
  let index = 0;
  let magic: LegacyMagic | undefined;
  let maxTimestamp = NO_TIMESTAMP;
  let compression: CompressionId = CompressionType.NONE;
  while (pos < buf.length) {
    if (buf.length - pos >= LOG_OVERHEAD && LOG_OVERHEAD + buf.readInt32BE(pos + 8) > maxSize) {
      return recordsFailure('MESSAGE_TOO_LARGE', `message exceeds ${maxSize} bytes`, index, pos);
    }
    const framing = checkEntry(buf, pos, buf.length);
    if (typeof framing === 'string') return recordsFailure('CORRUPT_MESSAGE', framing, index, pos);
    if (magic !== undefined && framing.magic !== magic) {
      return recordsFailure('CORRUPT_MESSAGE', 'mixed magic values in one message set', index, pos);
    }
    magic = framing.magic;
    const codec = framing.attributes & LEGACY_COMPRESSION_MASK;
    if (codec > CompressionType.LZ4) {
      return recordsFailure('UNSUPPORTED_COMPRESSION_TYPE', `compression id ${codec} not allowed with magic ${magic}`, index, pos);
    }
    compression = codec as CompressionId;
    if (magic === 1) {
      const timestamp = buf.readBigInt64BE(pos + MAGIC_OFFSET + 2);
      if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    }
    pos += framing.size;
    index++;
  }
  const none = { producerId: -1n, producerEpoch: -1, baseSequence: -1, lastSequence: -1 };
  return {
    ok: true,
    magic: magic ?? 0,
    batchCount: index,
    recordCount: index,
    sizeInBytes: buf.length,
    first: none,
    last: none,
    maxTimestamp,
    isTransactional: false,
    hasControlBatch: false,
    compression,
  };
}

/** Top-level entries, checked; throws RecordFormatError on malformed bytes. */
function* entries(buf: Buffer): Generator<ParsedMessage> {
  let pos = 0;
  while (pos < buf.length) {
    const framing = checkEntry(buf, pos, buf.length);
    if (typeof framing === 'string') throw new RecordFormatError(framing);
    yield parseMessage(buf, pos, framing);
    pos += framing.size;
  }
}

/** The messages inside a compressed wrapper, with absolute offsets and effective timestamps. */
async function unwrap(wrapper: ParsedMessage): Promise<LegacyMessage[]> {
  if (wrapper.compression > CompressionType.LZ4) throw new RecordFormatError(`compression id ${wrapper.compression} with magic ${wrapper.magic}`);
  if (wrapper.value === null) throw new RecordFormatError('compressed wrapper without a value');
  const plain = await codecFor(wrapper.compression).decompress(wrapper.value);
  const inner = [...entries(plain)];
  const last = inner[inner.length - 1];
  if (last === undefined) throw new RecordFormatError('empty compressed wrapper');
  const shift = wrapper.magic === 0 ? 0n : wrapper.offset - last.offset;
  return inner.map((message) => {
    if (message.compression !== CompressionType.NONE) throw new RecordFormatError('nested compressed message');
    return {
      offset: message.offset + shift,
      magic: message.magic,
      timestamp: wrapper.logAppendTime ? wrapper.timestamp : message.timestamp,
      logAppendTime: wrapper.logAppendTime,
      key: message.key,
      value: message.value,
    };
  });
}

/**
 * Every message of a magic 0/1 message set, compressed wrappers opened. Throws
 * RecordFormatError or CompressionError on malformed input.
 */
export async function readLegacyMessageSet(buf: Buffer): Promise<LegacyMessage[]> {
  const out: LegacyMessage[] = [];
  for (const message of entries(buf)) {
    if (message.compression === CompressionType.NONE) {
      const { compression: _compression, ...plain } = message;
      out.push(plain);
    } else {
      out.push(...(await unwrap(message)));
    }
  }
  return out;
}

export interface UpConvertOptions {
  /** Codec of the v2 batch; defaults to that of the first compressed wrapper, else none. */
  compression?: CompressionId;
}

/**
 * Converts a produce v0–v2 message set into one v2 batch with offset deltas 0..n-1 (the
 * log then stamps the base offset), as Kafka 3.x stores only magic 2.
 */
export async function upConvertMessageSet(buf: Buffer, options: UpConvertOptions = {}): Promise<Buffer> {
  let sourceCompression: CompressionId = CompressionType.NONE;
  for (const message of entries(buf)) {
    if (message.compression !== CompressionType.NONE) {
      sourceCompression = message.compression as CompressionId;
      break;
    }
  }
  const messages = await readLegacyMessageSet(buf);
  if (messages.length === 0) throw new RecordFormatError('empty message set');
  const records: RecordToWrite[] = messages.map((m) => ({ key: m.key, value: m.value, timestamp: m.timestamp }));
  const logAppend = messages.find((m) => m.logAppendTime);
  return buildRecordBatch(records, {
    compression: options.compression ?? sourceCompression,
    timestamp: NO_TIMESTAMP,
    ...(logAppend && { timestampType: 'log-append-time' as const, logAppendTime: logAppend.timestamp }),
  });
}

export interface MessageToWrite {
  offset: bigint;
  timestamp?: bigint;
  key: Buffer | null;
  value: Buffer | null;
}

function sizeOfMessage(magic: LegacyMagic, key: Buffer | null, value: Buffer | null): number {
  return minMessageSize(magic) + (key?.length ?? 0) + (value?.length ?? 0);
}

/** Writes one entry at `pos` and returns the position after it. */
function writeMessage(
  out: Buffer,
  pos: number,
  magic: LegacyMagic,
  attributes: number,
  message: MessageToWrite,
): number {
  const messageSize = sizeOfMessage(magic, message.key, message.value);
  out.writeBigInt64BE(message.offset, pos);
  out.writeInt32BE(messageSize, pos + 8);
  const crcStart = pos + LOG_OVERHEAD + CRC_SIZE;
  let p = crcStart;
  out.writeInt8(magic, p++);
  out.writeInt8(attributes, p++);
  if (magic === 1) {
    out.writeBigInt64BE(message.timestamp ?? NO_TIMESTAMP, p);
    p += 8;
  }
  for (const field of [message.key, message.value]) {
    if (field === null) {
      out.writeInt32BE(-1, p);
      p += 4;
    } else {
      out.writeInt32BE(field.length, p);
      field.copy(out, p + 4);
      p += 4 + field.length;
    }
  }
  out.writeUInt32BE(crc32Ieee(out.subarray(crcStart, p)) >>> 0, pos + LOG_OVERHEAD);
  return p;
}

function writeMessageSet(magic: LegacyMagic, messages: readonly MessageToWrite[], attributes = 0): Buffer {
  let size = 0;
  for (const m of messages) size += LOG_OVERHEAD + sizeOfMessage(magic, m.key, m.value);
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const m of messages) pos = writeMessage(out, pos, magic, attributes, m);
  return out;
}

export interface LegacyBuildOptions {
  compression?: CompressionId;
  logAppendTime?: boolean;
}

/**
 * Builds a magic 0/1 message set. With compression, all messages go into one wrapper
 * whose offset is the last message's; magic 1 inner offsets become relative.
 */
export async function buildLegacyMessageSet(
  magic: LegacyMagic,
  messages: readonly MessageToWrite[],
  options: LegacyBuildOptions = {},
): Promise<Buffer> {
  const compression = options.compression ?? CompressionType.NONE;
  const timestampAttribute = magic === 1 && options.logAppendTime ? LEGACY_TIMESTAMP_TYPE : 0;
  if (compression === CompressionType.NONE) return writeMessageSet(magic, messages, timestampAttribute);
  if (compression === CompressionType.ZSTD) throw new UnsupportedCompressionError('zstd', `not allowed with magic ${magic}`);
  const first = messages[0];
  const last = messages[messages.length - 1];
  if (first === undefined || last === undefined) throw new Error('a compressed wrapper needs at least one message');
  const inner = magic === 0 ? messages : messages.map((m) => ({ ...m, offset: m.offset - first.offset }));
  const plain = writeMessageSet(magic, inner);
  // Magic 0 readers predate KIP-57 and check the LZ4 header checksum the old way.
  const compressed =
    magic === 0 && compression === CompressionType.LZ4 ? await compressLz4LegacyFrame(plain) : await codecFor(compression).compress(plain);
  let maxTimestamp = NO_TIMESTAMP;
  for (const m of messages) if ((m.timestamp ?? NO_TIMESTAMP) > maxTimestamp) maxTimestamp = m.timestamp ?? NO_TIMESTAMP;
  const wrapper: MessageToWrite = { offset: last.offset, timestamp: maxTimestamp, key: null, value: compressed };
  return writeMessageSet(magic, [wrapper], compression | timestampAttribute);
}

/**
 * Converts v2 batches (as stored) to a magic 0/1 message set for fetch v0–v3, as Kafka
 * does for old consumers: control batches are dropped, headers are dropped, magic 0
 * loses timestamps, and each compressed batch becomes one wrapper with the same codec
 * (zstd cannot be expressed and fails with CompressionError, which Kafka answers with
 * UNSUPPORTED_COMPRESSION_TYPE). A trailing partial batch is ignored, as fetch allows.
 */
export async function downConvertRecords(buf: Buffer, toMagic: LegacyMagic): Promise<Buffer> {
  const parts: Buffer[] = [];
  let pos = 0;
  while (buf.length - pos >= MAGIC_OFFSET + 1) {
    const header = new BatchHeader(buf, pos);
    const size = header.totalSize;
    if (size < LOG_OVERHEAD || pos + size > buf.length) break;
    if (header.magic !== 2) {
      // Already legacy: pass it through if it is old enough, otherwise re-encode its messages.
      if (header.magic >= 0 && header.magic <= toMagic) {
        parts.push(buf.subarray(pos, pos + size));
      } else {
        const messages = await readLegacyMessageSet(buf.subarray(pos, pos + size));
        const compression = (buf.readInt8(pos + MAGIC_OFFSET + 1) & LEGACY_COMPRESSION_MASK) as CompressionId;
        parts.push(await buildLegacyMessageSet(toMagic, messages, { compression }));
      }
    } else if ((header.attributes & ATTR_CONTROL) === 0) {
      const messages: MessageToWrite[] = [];
      for (const record of iterateRecordsPayload(await batchRecordsPayload(buf, pos), header)) {
        messages.push({ offset: record.offset, timestamp: toMagic === 1 ? record.timestamp : NO_TIMESTAMP, key: record.key, value: record.value });
      }
      const logAppendTime = (header.attributes & ATTR_TIMESTAMP_TYPE) !== 0;
      parts.push(await buildLegacyMessageSet(toMagic, messages, { compression: header.compression as CompressionId, logAppendTime }));
    }
    pos += size;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** RecordsFailure for the errors conversion throws on malformed input; rethrows anything else. */
function conversionFailure(cause: unknown): RecordsFailure {
  if (cause instanceof CompressionError) {
    const error = cause instanceof UnsupportedCompressionError ? 'UNSUPPORTED_COMPRESSION_TYPE' : 'CORRUPT_MESSAGE';
    return recordsFailure(error, cause.message, 0, 0);
  }
  if (cause instanceof RecordFormatError) return recordsFailure('CORRUPT_MESSAGE', cause.message, 0, 0);
  throw cause;
}

/**
 * Produce path: `upConvertMessageSet` with malformed wrappers (which shallow validation
 * cannot see) answered as CORRUPT_MESSAGE instead of a rejection.
 */
export async function upConvertForProduce(buf: Buffer, options: UpConvertOptions = {}): Promise<{ ok: true; batch: Buffer } | RecordsFailure> {
  try {
    return { ok: true, batch: await upConvertMessageSet(buf, options) };
  } catch (cause) {
    return conversionFailure(cause);
  }
}

/**
 * Fetch path: `downConvertRecords` with zstd batches answered as UNSUPPORTED_COMPRESSION_TYPE
 * (as Kafka answers old fetch versions) and undecodable stored data as CORRUPT_MESSAGE.
 */
export async function downConvertForFetch(buf: Buffer, toMagic: LegacyMagic): Promise<{ ok: true; records: Buffer } | RecordsFailure> {
  try {
    return { ok: true, records: await downConvertRecords(buf, toMagic) };
  } catch (cause) {
    return conversionFailure(cause);
  }
}
