// A segment reader written from Kafka's published on-disk format only; it deliberately
// imports nothing from src/ so it can judge the files the storage layer writes.
//   <base>.log        record batches v2 back to back: int64 baseOffset, int32 batchLength,
//                     int32 partitionLeaderEpoch, int8 magic=2, uint32 crc (CRC-32C of the
//                     bytes from attributes to the end), int16 attributes, int32 lastOffsetDelta,
//                     int64 baseTimestamp, int64 maxTimestamp, int64 producerId,
//                     int16 producerEpoch, int32 baseSequence, int32 recordCount, records
//   <base>.index      8-byte entries: int32 offset - base, int32 byte position in .log
//   <base>.timeindex 12-byte entries: int64 timestamp, int32 offset - base

import { readFileSync } from 'node:fs';

function crc32cBitwise(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

export interface ReadBatch {
  position: number;
  baseOffset: bigint;
  lastOffset: bigint;
  leaderEpoch: number;
  maxTimestamp: bigint;
  recordCount: number;
}

export interface ReadSegment {
  baseOffset: bigint;
  batches: ReadBatch[];
  index: { offset: bigint; position: number }[];
  timeIndex: { timestamp: bigint; offset: bigint }[];
}

/** Reads and checks one segment; throws with a reason on any violation of the format. */
export function readSegment(dir: string, baseOffset: bigint): ReadSegment {
  const name = baseOffset.toString().padStart(20, '0');
  const log = readFileSync(`${dir}/${name}.log`);
  const batches: ReadBatch[] = [];
  let position = 0;
  let expectedNext = baseOffset;
  while (position < log.length) {
    if (log.length - position < 61) throw new Error(`${name}.log: partial header at ${position}`);
    const length = log.readInt32BE(position + 8);
    const end = position + 12 + length;
    if (end > log.length) throw new Error(`${name}.log: batch at ${position} overruns the file`);
    if (log.readInt8(position + 16) !== 2) throw new Error(`${name}.log: magic is not 2 at ${position}`);
    const crc = log.readUInt32BE(position + 17);
    if (crc32cBitwise(log.subarray(position + 21, end)) !== crc) throw new Error(`${name}.log: bad CRC at ${position}`);
    const batch: ReadBatch = {
      position,
      baseOffset: log.readBigInt64BE(position),
      lastOffset: log.readBigInt64BE(position) + BigInt(log.readInt32BE(position + 23)),
      leaderEpoch: log.readInt32BE(position + 12),
      maxTimestamp: log.readBigInt64BE(position + 35),
      recordCount: log.readInt32BE(position + 57),
    };
    if (batch.baseOffset < expectedNext) throw new Error(`${name}.log: offset ${batch.baseOffset} goes backwards`);
    expectedNext = batch.lastOffset + 1n;
    batches.push(batch);
    position = end;
  }

  const indexBytes = readFileSync(`${dir}/${name}.index`);
  if (indexBytes.length % 8 !== 0) throw new Error(`${name}.index: length ${indexBytes.length}`);
  const index: ReadSegment['index'] = [];
  for (let p = 0; p < indexBytes.length; p += 8) {
    const entry = { offset: baseOffset + BigInt(indexBytes.readInt32BE(p)), position: indexBytes.readInt32BE(p + 4) };
    const batch = batches.find((b) => b.position === entry.position);
    if (!batch) throw new Error(`${name}.index: entry ${p / 8} points at ${entry.position}, not a batch start`);
    if (entry.offset < batch.baseOffset || entry.offset > batch.lastOffset) throw new Error(`${name}.index: entry ${p / 8} offset not in its batch`);
    const previous = index.at(-1);
    if (previous && (entry.offset <= previous.offset || entry.position <= previous.position)) throw new Error(`${name}.index: not increasing`);
    index.push(entry);
  }

  const timeBytes = readFileSync(`${dir}/${name}.timeindex`);
  if (timeBytes.length % 12 !== 0) throw new Error(`${name}.timeindex: length ${timeBytes.length}`);
  const timeIndex: ReadSegment['timeIndex'] = [];
  for (let p = 0; p < timeBytes.length; p += 12) {
    const entry = { timestamp: timeBytes.readBigInt64BE(p), offset: baseOffset + BigInt(timeBytes.readInt32BE(p + 8)) };
    const previous = timeIndex.at(-1);
    if (previous && (entry.timestamp < previous.timestamp || entry.offset < previous.offset)) throw new Error(`${name}.timeindex: not increasing`);
    // The timestamp must be the largest of all batches up to and including the entry's offset.
    const upTo = batches.filter((b) => b.baseOffset <= entry.offset);
    const largest = upTo.reduce((m, b) => (b.maxTimestamp > m ? b.maxTimestamp : m), -1n);
    if (largest !== entry.timestamp) throw new Error(`${name}.timeindex: entry ${p / 12} says ${entry.timestamp}, batches say ${largest}`);
    timeIndex.push(entry);
  }
  return { baseOffset, batches, index, timeIndex };
}

/** Base offsets of the segments among a partition directory's file names. */
export function listSegments(names: string[]): bigint[] {
  return names.filter((n) => /^\d{20}\.log$/.test(n)).map((n) => BigInt(n.slice(0, 20))).sort((a, b) => (a < b ? -1 : 1));
}
