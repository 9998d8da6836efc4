import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BatchHeader,
  buildEndTxnMarkerBatch,
  buildLegacyMessageSet,
  buildRecordBatch,
  CompressionError,
  CompressionType,
  downConvertForFetch,
  downConvertRecords,
  readLegacyMessageSet,
  readRecordBatch,
  RecordFormatError,
  upConvertForProduce,
  upConvertMessageSet,
  validateRecords,
  type CompressionId,
  type LegacyMagic,
  type MessageToWrite,
} from '../../../src/records/index.js';
import { xxhash32 } from '../../../src/records/compression/xxhash32.js';
import { recordsArbitrary } from './support/arbitraries.js';

const require = createRequire(import.meta.url);
// kafkajs' legacy message-set codec: an independent implementation to cross-check against.
const kafkajsMessageSet = require('kafkajs/src/protocol/messageSet') as (args: object) => { buffer: Buffer };
const kafkajsMessageSetDecoder = require('kafkajs/src/protocol/messageSet/decoder') as (decoder: unknown, size: number) => Promise<
  Array<{ offset: string; magicByte: number; timestamp?: string; key: Buffer | null; value: Buffer | null }>
>;
const KafkajsDecoder = require('kafkajs/src/protocol/decoder') as new (buf: Buffer) => unknown;

const text = (s: string): Buffer => Buffer.from(s);
const hexOrNull = (b: Buffer | null): string | null => (b === null ? null : b.toString('hex'));

describe('legacy message sets', () => {
  it('reads magic 0 and magic 1 sets written by kafkajs', async () => {
    for (const messageVersion of [0, 1]) {
      const encoded = kafkajsMessageSet({
        messageVersion,
        compression: 0,
        entries: [{ key: text('k1'), value: text('v1'), timestamp: 1111 }, { key: null, value: text('v2'), timestamp: 2222 }],
      }).buffer;
      const messages = await readLegacyMessageSet(encoded);
      expect(messages.map((m) => [m.magic, m.key?.toString() ?? null, m.value?.toString(), m.timestamp])).toEqual([
        [messageVersion, 'k1', 'v1', messageVersion === 1 ? 1111n : -1n],
        [messageVersion, null, 'v2', messageVersion === 1 ? 2222n : -1n],
      ]);
      expect(validateRecords(encoded)).toMatchObject({ ok: true, magic: messageVersion, batchCount: 2 });
    }
  });

  it('writes sets kafkajs reads, including gzip wrappers with magic 1 relative offsets', async () => {
    const messages: MessageToWrite[] = [10n, 11n, 12n].map((offset) => ({ offset, timestamp: 500n + offset, key: text(`k${offset}`), value: text(`v${offset}`) }));
    for (const magic of [0, 1] as const) {
      for (const compression of [CompressionType.NONE, CompressionType.GZIP]) {
        const set = await buildLegacyMessageSet(magic, messages, { compression });
        const decoded = await kafkajsMessageSetDecoder(new KafkajsDecoder(set), set.length);
        expect(decoded.map((m) => [m.offset, m.key?.toString(), m.value?.toString()])).toEqual([
          ['10', 'k10', 'v10'], ['11', 'k11', 'v11'], ['12', 'k12', 'v12'],
        ]);
        if (magic === 1) expect(decoded.map((m) => m.timestamp)).toEqual(['510', '511', '512']);
      }
    }
  });

  it('puts the last offset on a magic 1 wrapper and relative offsets inside', async () => {
    const messages: MessageToWrite[] = [20n, 21n, 23n].map((offset) => ({ offset, timestamp: 1n, key: null, value: text('x') }));
    const set = await buildLegacyMessageSet(1, messages, { compression: CompressionType.SNAPPY });
    expect(set.readBigInt64BE(0)).toBe(23n);
    expect((await readLegacyMessageSet(set)).map((m) => m.offset)).toEqual([20n, 21n, 23n]);
  });

  it('round-trips random messages for every magic and legacy codec', async () => {
    await fc.assert(
      fc.asyncProperty(recordsArbitrary, fc.constantFrom<LegacyMagic>(0, 1), fc.constantFrom<CompressionId>(0, 1, 2, 3), async (records, magic, compression) => {
        const messages = records.map((r, i) => ({ offset: BigInt(i), timestamp: r.timestamp!, key: r.key ?? null, value: r.value ?? null }));
        const read = await readLegacyMessageSet(await buildLegacyMessageSet(magic, messages, { compression }));
        expect(read.map((m) => [m.offset, hexOrNull(m.key), hexOrNull(m.value), m.timestamp])).toEqual(
          messages.map((m) => [m.offset, hexOrNull(m.key), hexOrNull(m.value), magic === 1 ? m.timestamp : -1n]),
        );
      }),
      { numRuns: 120 },
    );
  });

  it('magic 0 lz4 wrappers carry the legacy frame header checksum', async () => {
    const set = await buildLegacyMessageSet(0, [{ offset: 0n, key: null, value: text('hello') }], { compression: CompressionType.LZ4 });
    const frame = set.subarray(12 + 4 + 2 + 4 + 4); // entry header, crc, magic+attrs, null key, value length
    const hcPos = 6 + (frame[4]! & 0x08 ? 8 : 0);
    expect(frame[hcPos]).toBe((xxhash32(frame, 0, hcPos) >>> 8) & 0xff);
    expect((await readLegacyMessageSet(set))[0]!.value!.toString()).toBe('hello');
  });

  it('validation: truncation and CRC damage are CORRUPT_MESSAGE, zstd is unsupported', async () => {
    const set = await buildLegacyMessageSet(1, [{ offset: 0n, timestamp: 9n, key: text('k'), value: text('value') }]);
    for (let cut = 1; cut < set.length; cut++) {
      expect(validateRecords(set.subarray(0, cut))).toMatchObject({ ok: false, error: 'CORRUPT_MESSAGE' });
      await expect(readLegacyMessageSet(set.subarray(0, cut))).rejects.toBeInstanceOf(RecordFormatError);
    }
    for (let pos = 16; pos < set.length; pos++) {
      const copy = Buffer.from(set);
      copy[pos] = copy[pos]! ^ 0x40;
      expect(validateRecords(copy).ok).toBe(false);
    }
    const zstdWrapper = Buffer.from(set);
    zstdWrapper.writeInt8(4, 17);
    expect(validateRecords(zstdWrapper)).toMatchObject({ ok: false });
    expect(validateRecords(set, { maxBatchSize: set.length - 1 })).toMatchObject({ ok: false, error: 'MESSAGE_TOO_LARGE' });
    expect(validateRecords(set, { produceVersion: 3 })).toMatchObject({ ok: false, error: 'INVALID_RECORD' });
    await expect(buildLegacyMessageSet(1, [{ offset: 0n, key: null, value: null }], { compression: CompressionType.ZSTD })).rejects.toBeInstanceOf(CompressionError);
  });

  it('never throws from validation on arbitrary bytes that look legacy', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 17, maxLength: 120 }), fc.constantFrom(0, 1), (bytes, magic) => {
        const buf = Buffer.from(bytes);
        buf[16] = magic;
        expect(typeof validateRecords(buf).ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});

describe('conversion', () => {
  it('up-converts a magic 0 set: timestamps become NO_TIMESTAMP, codec kept', async () => {
    const set = await buildLegacyMessageSet(0, [{ offset: 0n, key: text('a'), value: text('1') }, { offset: 1n, key: null, value: text('2') }], {
      compression: CompressionType.GZIP,
    });
    const batch = await upConvertMessageSet(set);
    const header = new BatchHeader(batch);
    expect(header.magic).toBe(2);
    expect(header.compression).toBe(CompressionType.GZIP);
    expect(header.maxTimestamp).toBe(-1n);
    expect(validateRecords(batch)).toMatchObject({ ok: true, recordCount: 2 });
    const records = await readRecordBatch(batch);
    expect(records.map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString()])).toEqual([
      [0n, -1n, 'a', '1'],
      [1n, -1n, null, '2'],
    ]);
  });

  it('down-converts: drops control batches and headers, one wrapper per compressed batch', async () => {
    const data = await buildRecordBatch(
      [{ key: text('k'), value: text('v'), timestamp: 77n, headers: [{ key: 'h', value: text('x') }] }, { key: null, value: text('w'), timestamp: 78n }],
      { baseOffset: 5n, compression: CompressionType.SNAPPY },
    );
    const marker = buildEndTxnMarkerBatch({ producerId: 1n, producerEpoch: 0, coordinatorEpoch: 0, committed: true, baseOffset: 7n });
    const plain = await buildRecordBatch([{ key: null, value: text('z'), timestamp: 90n }], { baseOffset: 8n });
    for (const magic of [0, 1] as const) {
      const set = await downConvertRecords(Buffer.concat([data, marker, plain]), magic);
      expect(set.readInt8(16)).toBe(magic);
      expect(set.readInt8(17) & 7).toBe(CompressionType.SNAPPY);
      const messages = await readLegacyMessageSet(set);
      expect(messages.map((m) => [m.offset, m.key?.toString() ?? null, m.value?.toString(), m.timestamp])).toEqual([
        [5n, 'k', 'v', magic === 1 ? 77n : -1n],
        [6n, null, 'w', magic === 1 ? 78n : -1n],
        [8n, null, 'z', magic === 1 ? 90n : -1n],
      ]);
    }
  });

  it('down-conversion ignores a trailing partial batch, as fetch responses may end in one', async () => {
    const batch = await buildRecordBatch([{ key: null, value: text('a'), timestamp: 1n }]);
    const set = await downConvertRecords(Buffer.concat([batch, batch.subarray(0, 30)]), 1);
    expect((await readLegacyMessageSet(set)).length).toBe(1);
  });

  it('down-converting zstd fails with CompressionError (UNSUPPORTED_COMPRESSION_TYPE for the fetch)', async () => {
    const batch = await buildRecordBatch([{ key: null, value: text('a') }], { compression: CompressionType.ZSTD });
    await expect(downConvertRecords(batch, 1)).rejects.toBeInstanceOf(CompressionError);
  });

  it('v2 → magic m → v2 keeps keys, values, offsets (and timestamps for magic 1)', async () => {
    await fc.assert(
      fc.asyncProperty(recordsArbitrary, fc.constantFrom<LegacyMagic>(0, 1), fc.constantFrom<CompressionId>(0, 1, 2, 3), async (records, magic, compression) => {
        const original = await buildRecordBatch(records, { compression });
        const legacy = await downConvertRecords(original, magic);
        const back = await readRecordBatch(await upConvertMessageSet(legacy));
        expect(back.map((r) => [r.offset, hexOrNull(r.key), hexOrNull(r.value), r.timestamp])).toEqual(
          records.map((r, i) => [BigInt(i), hexOrNull(r.key ?? null), hexOrNull(r.value ?? null), magic === 1 ? r.timestamp : -1n]),
        );
      }),
      { numRuns: 120 },
    );
  });
});

describe('failure-returning conversion wrappers', () => {
  it('upConvertForProduce answers a corrupt compressed wrapper with CORRUPT_MESSAGE', async () => {
    const set = await buildLegacyMessageSet(1, [{ offset: 0n, timestamp: 1n, key: null, value: text('x'.repeat(50)) }], { compression: CompressionType.GZIP });
    expect(await upConvertForProduce(set)).toMatchObject({ ok: true });
    // Damage the compressed value, then re-seal the message CRC so only decompression can notice.
    const damaged = Buffer.from(set);
    damaged[damaged.length - 6] = damaged[damaged.length - 6]! ^ 0xff;
    const crc = (require('crc-32') as { buf(b: Uint8Array): number }).buf(damaged.subarray(16)) >>> 0;
    damaged.writeUInt32BE(crc, 12);
    expect(validateRecords(damaged)).toMatchObject({ ok: true });
    expect(await upConvertForProduce(damaged)).toMatchObject({ ok: false, error: 'CORRUPT_MESSAGE' });
  });

  it('upConvertForProduce never throws on damaged sets that pass shallow validation', async () => {
    await fc.assert(
      fc.asyncProperty(recordsArbitrary, fc.constantFrom<CompressionId>(0, 1, 2, 3), fc.nat(), fc.integer({ min: 1, max: 255 }), async (records, compression, at, mask) => {
        const messages = records.map((r, i) => ({ offset: BigInt(i), timestamp: r.timestamp!, key: r.key ?? null, value: r.value ?? null }));
        const set = Buffer.from(await buildLegacyMessageSet(1, messages, { compression }));
        const pos = 16 + (at % (set.length - 16));
        set[pos] = set[pos]! ^ mask;
        // Re-seal the first message's CRC so damage inside it reaches the deeper parsers.
        const size = set.readInt32BE(8);
        if (12 + size <= set.length && size >= 4) {
          set.writeUInt32BE((require('crc-32') as { buf(b: Uint8Array): number }).buf(set.subarray(16, 12 + size)) >>> 0, 12);
        }
        const result = await upConvertForProduce(set);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 200 },
    );
  });

  it('downConvertForFetch never throws on damaged stored batches', async () => {
    await fc.assert(
      fc.asyncProperty(recordsArbitrary, fc.constantFrom<CompressionId>(0, 1, 2, 3, 4), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.constantFrom<LegacyMagic>(0, 1), async (records, compression, at, mask, magic) => {
        const batch = Buffer.from(await buildRecordBatch(records, { compression }));
        const pos = at % batch.length;
        batch[pos] = batch[pos]! ^ mask;
        const result = await downConvertForFetch(batch, magic);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });

  it('downConvertForFetch answers zstd data with UNSUPPORTED_COMPRESSION_TYPE', async () => {
    const zstd = await buildRecordBatch([{ key: null, value: text('a') }], { compression: CompressionType.ZSTD });
    expect(await downConvertForFetch(zstd, 0)).toMatchObject({ ok: false, error: 'UNSUPPORTED_COMPRESSION_TYPE', errorCode: 76 });
    const plain = await buildRecordBatch([{ key: null, value: text('a') }]);
    const converted = await downConvertForFetch(plain, 1);
    expect(converted.ok && (await readLegacyMessageSet(converted.records)).length).toBe(1);
  });
});
