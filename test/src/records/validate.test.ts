import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  allRecordsHaveKeys,
  assignOffsets,
  BatchHeader,
  buildRecordBatch,
  buildUncompressedRecordBatch,
  CompressionType,
  crc32c,
  incrementSequence,
  inspectRecords,
  readRecordBatch,
  stampLogAppendTime,
  validateRecords,
  writeBatchCrc,
  type RecordsSummary,
} from '../../../src/records/index.js';
import { recordsArbitrary } from './support/arbitraries.js';

const value = (text: string): Buffer => Buffer.from(text);

function twoBatches(): Buffer {
  const first = buildUncompressedRecordBatch([{ key: value('a'), value: value('1'), timestamp: 100n }, { key: value('b'), value: value('2'), timestamp: 300n }], {
    producerId: 5n, producerEpoch: 1, baseSequence: 10,
  });
  const second = buildUncompressedRecordBatch([{ key: value('c'), value: value('3'), timestamp: 200n }], {
    producerId: 5n, producerEpoch: 1, baseSequence: 12, transactional: true,
  });
  return Buffer.concat([first, second]);
}

function crcIsValid(buf: Buffer, pos = 0): boolean {
  const h = new BatchHeader(buf, pos);
  return crc32c(buf, pos + 21, pos + h.totalSize) === h.crc;
}

describe('validateRecords', () => {
  it('summarises valid batches', () => {
    const buf = twoBatches();
    const result = validateRecords(buf) as RecordsSummary;
    expect(result).toMatchObject({
      ok: true, magic: 2, batchCount: 2, recordCount: 3, sizeInBytes: buf.length, maxTimestamp: 300n,
      isTransactional: true, hasControlBatch: false, compression: 0,
    });
    expect(result.first).toEqual({ producerId: 5n, producerEpoch: 1, baseSequence: 10, lastSequence: 11 });
    expect(result.last).toEqual({ producerId: 5n, producerEpoch: 1, baseSequence: 12, lastSequence: 12 });
  });

  it('accepts an empty payload unless the produce version demands one batch', () => {
    expect(validateRecords(Buffer.alloc(0))).toMatchObject({ ok: true, batchCount: 0 });
    expect(validateRecords(Buffer.alloc(0), { produceVersion: 9 })).toMatchObject({ ok: false, error: 'INVALID_RECORD' });
  });

  it('every truncation of a batch is CORRUPT_MESSAGE, never a throw', () => {
    const batch = buildUncompressedRecordBatch([{ key: value('k'), value: value('v'.repeat(40)) }]);
    for (let cut = 1; cut < batch.length; cut++) {
      expect(validateRecords(batch.subarray(0, cut))).toMatchObject({ ok: false, error: 'CORRUPT_MESSAGE', errorCode: 2 });
    }
  });

  it('truncations of several batches fail except at batch boundaries', () => {
    const buf = twoBatches();
    const boundary = new BatchHeader(buf).totalSize;
    for (let cut = 1; cut < buf.length; cut++) {
      const result = validateRecords(buf.subarray(0, cut));
      if (cut === boundary) expect(result).toMatchObject({ ok: true, batchCount: 1 });
      else expect(result).toMatchObject({ ok: false, error: 'CORRUPT_MESSAGE' });
    }
  });

  it('any flipped byte under the CRC is CORRUPT_MESSAGE; flips outside it are not', () => {
    const batch = buildUncompressedRecordBatch([{ key: value('k'), value: value('hello') }], { baseOffset: 0n });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: batch.length - 1 }), fc.integer({ min: 1, max: 255 }), (pos, mask) => {
        const copy = Buffer.from(batch);
        copy[pos] = copy[pos]! ^ mask;
        const result = validateRecords(copy, { origin: 'internal' }); // clients must also send base offset 0
        if (pos < 8 || (pos >= 12 && pos < 16)) expect(result.ok).toBe(true); // base offset, leader epoch
        else expect(result.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.option(fc.integer({ min: 0, max: 10 })), (bytes, produceVersion) => {
        const result = validateRecords(Buffer.from(bytes), produceVersion === null ? {} : { produceVersion });
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });

  it('checks lastOffsetDelta against the record count (INVALID_RECORD)', () => {
    const batch = buildUncompressedRecordBatch([{ value: value('a') }, { value: value('b') }]);
    batch.writeInt32BE(5, 23);
    writeBatchCrc(batch, 0);
    expect(validateRecords(batch)).toMatchObject({ ok: false, error: 'INVALID_RECORD', errorCode: 87 });
    const compressed = buildUncompressedRecordBatch([{ value: value('a') }], { producerId: 1n, producerEpoch: 0, baseSequence: 0 });
    compressed.writeInt32BE(0, 57);
    writeBatchCrc(compressed, 0);
    expect(validateRecords(compressed)).toMatchObject({ ok: false, error: 'INVALID_RECORD' });
  });

  it('rejects idempotent batches without a sequence (Kafka: invalid sequence number)', () => {
    const noSequence = buildUncompressedRecordBatch([{ value: value('a') }], { producerId: 1n, producerEpoch: 0 });
    expect(validateRecords(noSequence)).toMatchObject({ ok: false, error: 'INVALID_RECORD' });
    const withSequence = buildUncompressedRecordBatch([{ value: value('a') }], { producerId: 1n, producerEpoch: 0, baseSequence: 0 });
    expect(validateRecords(withSequence)).toMatchObject({ ok: true });
  });

  it('maps compression ids 5-7 to UNSUPPORTED_COMPRESSION_TYPE, zstd before produce v7 too', async () => {
    const batch = buildUncompressedRecordBatch([{ value: value('a') }]);
    batch.writeInt16BE(6, 21);
    writeBatchCrc(batch, 0);
    expect(validateRecords(batch)).toMatchObject({ ok: false, error: 'UNSUPPORTED_COMPRESSION_TYPE', errorCode: 76 });
    const zstd = await buildRecordBatch([{ value: value('a') }], { compression: CompressionType.ZSTD });
    expect(validateRecords(zstd, { produceVersion: 6 })).toMatchObject({ ok: false, error: 'UNSUPPORTED_COMPRESSION_TYPE' });
    expect(validateRecords(zstd, { produceVersion: 7 })).toMatchObject({ ok: true, compression: 4 });
  });

  it('enforces the maximum batch size with MESSAGE_TOO_LARGE', () => {
    const batch = buildUncompressedRecordBatch([{ value: Buffer.alloc(500) }]);
    expect(validateRecords(batch, { maxBatchSize: batch.length })).toMatchObject({ ok: true });
    expect(validateRecords(batch, { maxBatchSize: batch.length - 1 })).toMatchObject({ ok: false, error: 'MESSAGE_TOO_LARGE', errorCode: 10 });
  });

  it('requires base offset 0 from clients, not from the broker itself', () => {
    const batch = buildUncompressedRecordBatch([{ value: value('a') }], { baseOffset: 5n });
    expect(validateRecords(batch)).toMatchObject({ ok: false, error: 'INVALID_RECORD' });
    expect(validateRecords(batch, { origin: 'internal' })).toMatchObject({ ok: true });
  });

  it('internal origin skips the client rules: gaps left by compaction are fine', () => {
    const compacted = buildUncompressedRecordBatch([{ value: value('a') }, { value: value('b'), offsetDelta: 4 }]);
    expect(validateRecords(compacted)).toMatchObject({ ok: false, error: 'INVALID_RECORD' });
    expect(validateRecords(compacted, { origin: 'internal' })).toMatchObject({ ok: true, recordCount: 2 });
  });

  it('applies produce v3+ rules: exactly one batch', () => {
    expect(validateRecords(twoBatches(), { produceVersion: 3 })).toMatchObject({ ok: false, error: 'INVALID_RECORD' });
  });

  it('rejects unknown magic values', () => {
    const batch = buildUncompressedRecordBatch([{ value: value('a') }]);
    batch.writeInt8(3, 16);
    expect(validateRecords(batch)).toMatchObject({ ok: false, error: 'CORRUPT_MESSAGE' });
  });
});

describe('stamping', () => {
  it('assignOffsets stamps consecutive base offsets and the leader epoch without touching the CRC', async () => {
    const buf = twoBatches();
    const crcs = [new BatchHeader(buf).crc];
    const next = assignOffsets(buf, 1000n, 17);
    expect(next).toBe(1003n);
    const second = new BatchHeader(buf).totalSize;
    expect(new BatchHeader(buf).baseOffset).toBe(1000n);
    expect(new BatchHeader(buf, second).baseOffset).toBe(1002n);
    expect(new BatchHeader(buf, second).partitionLeaderEpoch).toBe(17);
    expect(new BatchHeader(buf).crc).toBe(crcs[0]);
    expect(crcIsValid(buf) && crcIsValid(buf, second)).toBe(true);
    expect((await readRecordBatch(buf, second)).map((r) => r.offset)).toEqual([1002n]);
  });

  it('stampLogAppendTime sets the type bit and max timestamp and re-seals the CRC', async () => {
    const buf = twoBatches();
    stampLogAppendTime(buf, 123456n);
    const second = new BatchHeader(buf).totalSize;
    for (const pos of [0, second]) {
      const h = new BatchHeader(buf, pos);
      expect(h.attributes & 0x08).toBe(0x08);
      expect(h.maxTimestamp).toBe(123456n);
      expect(crcIsValid(buf, pos)).toBe(true);
    }
    expect(validateRecords(buf).ok).toBe(true);
    expect((await readRecordBatch(buf)).map((r) => r.timestamp)).toEqual([123456n, 123456n]);
  });

  it('incrementSequence wraps after int32 max like Kafka', () => {
    expect(incrementSequence(5, 3)).toBe(8);
    expect(incrementSequence(0x7fffffff, 1)).toBe(0);
    expect(incrementSequence(0x7ffffffe, 3)).toBe(1);
  });
});

describe('inspectRecords / allRecordsHaveKeys', () => {
  it('counts keyless records in plain and compressed batches', async () => {
    for (const compression of [0, 1, 2, 3, 4] as const) {
      const keyed = await buildRecordBatch([{ key: value('k'), value: null }], { compression });
      const mixed = await buildRecordBatch([{ key: value('k'), value: null }, { key: null, value: value('v') }], { compression });
      expect(await allRecordsHaveKeys(Buffer.concat([keyed, keyed]))).toBe(true);
      expect(await allRecordsHaveKeys(Buffer.concat([keyed, mixed]))).toBe(false);
      expect(await inspectRecords(mixed)).toEqual({ ok: true, recordCount: 2, recordsWithoutKey: 1 });
    }
  });

  it('reports offset-delta gaps as INVALID_RECORD and undecodable payloads as CORRUPT_MESSAGE', async () => {
    const gap = buildUncompressedRecordBatch([{ value: null }, { value: null, offsetDelta: 2 }]);
    expect(await inspectRecords(gap)).toMatchObject({ ok: false, error: 'INVALID_RECORD' });
    const gzip = await buildRecordBatch([{ value: value('x'.repeat(100)) }], { compression: CompressionType.GZIP });
    gzip[gzip.length - 12] = gzip[gzip.length - 12]! ^ 0xff;
    writeBatchCrc(gzip, 0);
    expect(await inspectRecords(gzip)).toMatchObject({ ok: false, error: 'CORRUPT_MESSAGE' });
  });

  it('checks CreateTime record timestamps against a window (INVALID_TIMESTAMP), not LogAppendTime ones', async () => {
    const batch = buildUncompressedRecordBatch([{ key: value('a'), value: null, timestamp: 100n }, { key: value('b'), value: null, timestamp: 250n }]);
    expect(await inspectRecords(batch, { timestampWindow: { earliest: 100n, latest: 250n } })).toMatchObject({ ok: true });
    expect(await inspectRecords(batch, { timestampWindow: { earliest: 101n, latest: 300n } })).toMatchObject({ ok: false, error: 'INVALID_TIMESTAMP', errorCode: 32 });
    expect(await inspectRecords(batch, { timestampWindow: { earliest: 0n, latest: 249n } })).toMatchObject({ ok: false, error: 'INVALID_TIMESTAMP' });
    stampLogAppendTime(batch, 5000n);
    expect(await inspectRecords(batch, { timestampWindow: { earliest: 0n, latest: 1n } })).toMatchObject({ ok: true });
  });

  it('never throws on a valid-looking batch whose records are garbage', async () => {
    await fc.assert(
      fc.asyncProperty(recordsArbitrary, fc.integer({ min: 61, max: 10_000 }), fc.integer({ min: 1, max: 255 }), async (records, at, mask) => {
        const batch = buildUncompressedRecordBatch(records);
        const pos = 61 + (at % (batch.length - 61));
        batch[pos] = batch[pos]! ^ mask;
        writeBatchCrc(batch, 0);
        const result = await inspectRecords(batch);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 200 },
    );
  });
});
