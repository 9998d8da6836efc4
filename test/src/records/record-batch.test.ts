import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BatchHeader,
  buildRecordBatch,
  buildUncompressedRecordBatch,
  CompressionType,
  crc32c,
  readRecordBatch,
  RecordFormatError,
  type CompressionId,
  type RecordToWrite,
} from '../../../src/records/index.js';
import { recordsArbitrary } from './support/arbitraries.js';

const require = createRequire(import.meta.url);
// kafkajs' own record batch codec: an independent implementation to cross-check against.
const kafkajsRecordBatch = (require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch: (args: object) => Promise<{ buffer: Buffer }> }).RecordBatch;
const kafkajsRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (args: object) => unknown;
const kafkajsBatchDecoder = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (decoder: unknown) => Promise<{
  firstOffset: string;
  maxTimestamp: string;
  producerId: string;
  inTransaction: boolean;
  records: Array<{ offset: string; timestamp: string; key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer> }>;
}>;
const KafkajsDecoder = require('kafkajs/src/protocol/decoder') as new (buf: Buffer) => unknown;
const KafkajsLong = require('kafkajs/src/utils/long') as { fromValue(v: string | number): unknown };

function normalised(records: readonly RecordToWrite[]): Array<{ key: string | null; value: string | null; headers: Array<[string, string | null]> }> {
  return records.map((r) => ({
    key: r.key ? r.key.toString('hex') : null,
    value: r.value ? r.value.toString('hex') : null,
    headers: (r.headers ?? []).map((h) => [h.key, h.value ? h.value.toString('hex') : null] as [string, string | null]),
  }));
}

describe('record batch v2 build + read', () => {
  it('writes the header fields Kafka expects', () => {
    const batch = buildUncompressedRecordBatch(
      [{ key: Buffer.from('k'), value: Buffer.from('v'), timestamp: 1000n }, { value: Buffer.from('w'), timestamp: 1500n }],
      { baseOffset: 42n, partitionLeaderEpoch: 7, producerId: 9n, producerEpoch: 2, baseSequence: 5, transactional: true },
    );
    const h = new BatchHeader(batch);
    expect(h.totalSize).toBe(batch.length);
    expect(h.baseOffset).toBe(42n);
    expect(h.partitionLeaderEpoch).toBe(7);
    expect(h.magic).toBe(2);
    expect(h.lastOffsetDelta).toBe(1);
    expect(h.recordsCount).toBe(2);
    expect(h.baseTimestamp).toBe(1000n);
    expect(h.maxTimestamp).toBe(1500n);
    expect(h.producerId).toBe(9n);
    expect(h.producerEpoch).toBe(2);
    expect(h.baseSequence).toBe(5);
    expect(h.isTransactional).toBe(true);
    expect(h.isControl).toBe(false);
    expect(h.crc).toBe(crc32c(batch, 21));
  });

  it('reads back offsets, timestamps, keys, values and headers', async () => {
    const batch = buildUncompressedRecordBatch(
      [
        { key: null, value: Buffer.from('a'), timestamp: 10n, headers: [{ key: 'h', value: Buffer.from('x') }, { key: 'n', value: null }] },
        { key: Buffer.from('k'), value: null, timestamp: 5n, offsetDelta: 3 },
      ],
      { baseOffset: 100n },
    );
    const records = await readRecordBatch(batch);
    expect(records.map((r) => r.offset)).toEqual([100n, 103n]);
    expect(records.map((r) => r.timestamp)).toEqual([10n, 5n]);
    expect(records[0]!.key).toBeNull();
    expect(records[0]!.value!.toString()).toBe('a');
    expect(records[0]!.headers).toEqual([{ key: 'h', value: Buffer.from('x') }, { key: 'n', value: null }]);
    expect(records[1]!.value).toBeNull();
    expect(new BatchHeader(batch).lastOffsetDelta).toBe(3);
  });

  it('reports log-append-time batches with maxTimestamp as every record timestamp', async () => {
    const batch = buildUncompressedRecordBatch([{ value: Buffer.from('a'), timestamp: 1n }, { value: null, timestamp: 2n }], {
      timestampType: 'log-append-time',
      logAppendTime: 999n,
    });
    expect((await readRecordBatch(batch)).map((r) => r.timestamp)).toEqual([999n, 999n]);
  });

  it('round-trips random records through every codec', async () => {
    await fc.assert(
      fc.asyncProperty(recordsArbitrary, fc.constantFrom<CompressionId>(0, 1, 2, 3, 4), fc.bigInt({ min: 0n, max: 1n << 40n }), async (records, compression, baseOffset) => {
        const batch = await buildRecordBatch(records, { compression, baseOffset });
        expect(new BatchHeader(batch).compression).toBe(compression);
        const read = await readRecordBatch(batch);
        expect(read.map((r) => r.offset)).toEqual(records.map((_, i) => baseOffset + BigInt(i)));
        expect(read.map((r) => r.timestamp)).toEqual(records.map((r) => r.timestamp));
        expect(normalised(read)).toEqual(normalised(records));
      }),
      { numRuns: 150 },
    );
  });

  it('reads batches written by kafkajs (uncompressed and gzip)', async () => {
    for (const compression of [CompressionType.NONE, CompressionType.GZIP]) {
      const encoded = await kafkajsRecordBatch({
        compression,
        firstOffset: KafkajsLong.fromValue(0),
        firstTimestamp: 1_700_000_000_000,
        maxTimestamp: 1_700_000_000_500,
        lastOffsetDelta: 1,
        records: [
          kafkajsRecord({ offsetDelta: 0, timestampDelta: 0, key: Buffer.from('key-0'), value: Buffer.from('value-0'), headers: { trace: Buffer.from('abc') } }),
          kafkajsRecord({ offsetDelta: 1, timestampDelta: 500, key: null, value: Buffer.from('value-1') }),
        ],
      });
      const records = await readRecordBatch(encoded.buffer);
      expect(records.map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString()])).toEqual([
        [0n, 1_700_000_000_000n, 'key-0', 'value-0'],
        [1n, 1_700_000_000_500n, null, 'value-1'],
      ]);
      expect(records[0]!.headers).toEqual([{ key: 'trace', value: Buffer.from('abc') }]);
      expect(new BatchHeader(encoded.buffer).crc).toBe(crc32c(encoded.buffer, 21));
    }
  });

  it('writes batches kafkajs can read', async () => {
    const batch = await buildRecordBatch(
      [{ key: Buffer.from('a'), value: Buffer.from('1'), timestamp: 50n, headers: [{ key: 'x', value: Buffer.from('y') }] }, { key: null, value: Buffer.from('2'), timestamp: 60n }],
      { baseOffset: 7n, compression: CompressionType.GZIP, producerId: 3n, producerEpoch: 0, baseSequence: 0, transactional: true },
    );
    const decoded = await kafkajsBatchDecoder(new KafkajsDecoder(batch));
    expect(decoded.firstOffset).toBe('7');
    expect(decoded.maxTimestamp).toBe('60');
    expect(decoded.producerId).toBe('3');
    expect(decoded.inTransaction).toBe(true);
    expect(decoded.records.map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString()])).toEqual([
      ['7', '50', 'a', '1'],
      ['8', '60', null, '2'],
    ]);
    expect(decoded.records[0]!.headers['x']!.toString()).toBe('y');
  });

  it('rejects records payloads that disagree with the header count', async () => {
    const batch = buildUncompressedRecordBatch([{ value: Buffer.from('a') }, { value: Buffer.from('b') }]);
    const fewer = Buffer.from(batch);
    fewer.writeInt32BE(1, 57);
    await expect(readRecordBatch(fewer)).rejects.toBeInstanceOf(RecordFormatError);
    const more = Buffer.from(batch);
    more.writeInt32BE(3, 57);
    await expect(readRecordBatch(more)).rejects.toBeInstanceOf(RecordFormatError);
  });

  it('every truncation of a batch rejects with a typed error, never a RangeError', async () => {
    for (const compression of [CompressionType.NONE, CompressionType.LZ4] as const) {
      const batch = await buildRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('value'.repeat(10)) }, { value: null }], { compression });
      for (let cut = 0; cut < batch.length; cut++) {
        const error = await readRecordBatch(batch.subarray(0, cut)).then(() => undefined, (e: unknown) => e);
        expect(error).toBeInstanceOf(RecordFormatError);
      }
    }
  });

  it('builds what compaction needs: kept offset range, original max timestamp, empty batches', async () => {
    const kept = buildUncompressedRecordBatch([{ key: Buffer.from('k'), value: null, timestamp: 5n, offsetDelta: 2 }], {
      baseOffset: 100n, lastOffsetDelta: 9, maxTimestamp: 50n, producerId: 4n, producerEpoch: 1, baseSequence: 0,
    });
    const header = new BatchHeader(kept);
    expect([header.lastOffsetDelta, header.maxTimestamp, header.recordsCount]).toEqual([9, 50n, 1]);
    expect((await readRecordBatch(kept)).map((r) => r.offset)).toEqual([102n]);
    expect(header.crc).toBe(crc32c(kept, 21));
    const empty = buildUncompressedRecordBatch([], { baseOffset: 100n, lastOffsetDelta: 9, timestamp: 7n, producerId: 4n, producerEpoch: 1, baseSequence: 0 });
    expect([new BatchHeader(empty).recordsCount, new BatchHeader(empty).lastOffset, empty.length]).toEqual([0, 109n, 61]);
    expect(await readRecordBatch(empty)).toEqual([]);
    expect(() => buildUncompressedRecordBatch([{ value: null, offsetDelta: 3 }], { lastOffsetDelta: 2 })).toThrow();
  });

  it('stores a delete horizon as the base timestamp with the KIP-534 attribute', async () => {
    const batch = buildUncompressedRecordBatch([{ key: Buffer.from('k'), value: null, timestamp: 1000n }, { key: Buffer.from('j'), value: null, timestamp: 900n }], {
      deleteHorizonMs: 5000n,
    });
    const header = new BatchHeader(batch);
    expect(header.hasDeleteHorizon).toBe(true);
    expect(header.baseTimestamp).toBe(5000n);
    expect(header.maxTimestamp).toBe(1000n);
    expect((await readRecordBatch(batch)).map((r) => r.timestamp)).toEqual([1000n, 900n]);
  });

  it('refuses to build an empty batch or non-increasing offset deltas', () => {
    expect(() => buildUncompressedRecordBatch([])).toThrow();
    expect(() => buildUncompressedRecordBatch([{ value: null, offsetDelta: 2 }, { value: null, offsetDelta: 2 }])).toThrow();
  });
});
