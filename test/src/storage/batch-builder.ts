// Test helper: builds uncompressed record batch v2 bytes from the published format, so the
// storage tests do not depend on the records layer's encoder.

import { crc32c } from '../../../src/records/crc32c.js';

export interface TestRecord {
  key: Buffer | null;
  value: Buffer | null;
  timestamp?: bigint;
}

function varint(value: number): number[] {
  let zigzag = (value << 1) ^ (value >> 31);
  const bytes: number[] = [];
  zigzag >>>= 0;
  while (zigzag > 0x7f) {
    bytes.push((zigzag & 0x7f) | 0x80);
    zigzag >>>= 7;
  }
  bytes.push(zigzag);
  return bytes;
}

function encodeRecord(offsetDelta: number, timestampDelta: number, record: TestRecord): Buffer {
  const body = Buffer.concat([
    Buffer.from([0]),
    Buffer.from(varint(timestampDelta)),
    Buffer.from(varint(offsetDelta)),
    Buffer.from(varint(record.key ? record.key.length : -1)),
    record.key ?? Buffer.alloc(0),
    Buffer.from(varint(record.value ? record.value.length : -1)),
    record.value ?? Buffer.alloc(0),
    Buffer.from(varint(0)),
  ]);
  return Buffer.concat([Buffer.from(varint(body.length)), body]);
}

export interface BatchOptions {
  baseOffset?: bigint;
  leaderEpoch?: number;
  baseTimestamp?: bigint;
  attributes?: number;
  producerId?: bigint;
  baseSequence?: number;
}

/** One v2 batch holding `records`; timestamps default to baseTimestamp + index. */
export function buildBatch(records: TestRecord[], options: BatchOptions = {}): Buffer {
  const baseTimestamp = options.baseTimestamp ?? 1_700_000_000_000n;
  const stamps = records.map((r, i) => r.timestamp ?? baseTimestamp + BigInt(i));
  const first = stamps.reduce((a, b) => (b < a ? b : a), stamps[0] ?? baseTimestamp);
  const max = stamps.reduce((a, b) => (b > a ? b : a), stamps[0] ?? baseTimestamp);
  const body = Buffer.concat(records.map((r, i) => encodeRecord(i, Number(stamps[i]! - first), r)));
  const batch = Buffer.alloc(61 + body.length);
  batch.writeBigInt64BE(options.baseOffset ?? 0n, 0);
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeInt32BE(options.leaderEpoch ?? 0, 12);
  batch.writeInt8(2, 16);
  batch.writeInt16BE(options.attributes ?? 0, 21);
  batch.writeInt32BE(records.length - 1, 23);
  batch.writeBigInt64BE(first, 27);
  batch.writeBigInt64BE(max, 35);
  batch.writeBigInt64BE(options.producerId ?? -1n, 43);
  batch.writeInt16BE(options.producerId !== undefined ? 0 : -1, 51);
  batch.writeInt32BE(options.baseSequence ?? -1, 53);
  batch.writeInt32BE(records.length, 57);
  body.copy(batch, 61);
  batch.writeUInt32BE(crc32c(batch, 21), 17);
  return batch;
}

/** A batch of `count` records with values of `valueBytes` bytes each. */
export function batchOf(count: number, valueBytes = 10, timestamp = 1_700_000_000_000n): Buffer {
  const records: TestRecord[] = [];
  for (let i = 0; i < count; i++) records.push({ key: Buffer.from(`k${i}`), value: Buffer.alloc(valueBytes, i & 0xff), timestamp });
  return buildBatch(records, { baseTimestamp: timestamp });
}

/** Base offsets of the batches in a buffer of concatenated batches. */
export function batchBaseOffsets(records: Buffer): bigint[] {
  const offsets: bigint[] = [];
  for (let pos = 0; pos < records.length; pos += 12 + records.readInt32BE(pos + 8)) offsets.push(records.readBigInt64BE(pos));
  return offsets;
}
