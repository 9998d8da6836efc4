import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BatchHeader,
  buildRecordBatch,
  codecFor,
  CompressionType,
  needsRecompression,
  readRecordBatch,
  recompressRecords,
  storedCompression,
  validateRecords,
  type CompressionId,
} from '../../../src/records/index.js';
import { recordsArbitrary } from './support/arbitraries.js';

const hexOrNull = (b: Buffer | null | undefined): string | null => (b == null ? null : b.toString('hex'));

describe('storedCompression', () => {
  it('keeps the producer codec for "producer" and maps Kafka names otherwise', () => {
    expect(storedCompression('producer', CompressionType.LZ4)).toBe(CompressionType.LZ4);
    expect(storedCompression('uncompressed', CompressionType.LZ4)).toBe(CompressionType.NONE);
    expect(storedCompression('zstd', CompressionType.NONE)).toBe(CompressionType.ZSTD);
    expect(() => storedCompression('brotli', CompressionType.NONE)).toThrow();
  });
});

describe('recompressRecords', () => {
  it('rewrites a batch into the topic codec keeping records and producer fields', async () => {
    await fc.assert(
      fc.asyncProperty(
        recordsArbitrary,
        fc.constantFrom<CompressionId>(0, 1, 2, 3, 4),
        fc.constantFrom<CompressionId>(0, 1, 2, 3, 4),
        async (records, source, target) => {
          const original = await buildRecordBatch(records, { compression: source, producerId: 7n, producerEpoch: 2, baseSequence: 40, transactional: true });
          expect(needsRecompression(original, target)).toBe(source !== target);
          const rewritten = await recompressRecords(original, target);
          const header = new BatchHeader(rewritten);
          expect([header.compression, header.producerId, header.producerEpoch, header.baseSequence, header.isTransactional]).toEqual([target, 7n, 2, 40, true]);
          expect(validateRecords(rewritten)).toMatchObject({ ok: true, recordCount: records.length });
          const read = await readRecordBatch(rewritten);
          expect(read.map((r) => [r.offset, r.timestamp, hexOrNull(r.key), hexOrNull(r.value), r.headers.length])).toEqual(
            records.map((r, i) => [BigInt(i), r.timestamp, hexOrNull(r.key), hexOrNull(r.value), r.headers?.length ?? 0]),
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('merges several batches into one', async () => {
    const a = await buildRecordBatch([{ key: null, value: Buffer.from('a'), timestamp: 1n }], { compression: CompressionType.GZIP });
    const b = await buildRecordBatch([{ key: null, value: Buffer.from('b'), timestamp: 2n }], { compression: CompressionType.LZ4 });
    const merged = await recompressRecords(Buffer.concat([a, b]), CompressionType.ZSTD);
    expect(new BatchHeader(merged).recordsCount).toBe(2);
    expect((await readRecordBatch(merged)).map((r) => r.value!.toString())).toEqual(['a', 'b']);
  });
});

describe('compression levels', () => {
  it('gzip and zstd honour the level; every codec round-trips at level -1', async () => {
    // Words picked by a fixed LCG: compressible, but not so trivially that levels tie.
    const words = ['kafka', 'broker', 'sluice', 'record', 'batch', 'offset', 'topic', 'leader', 'epoch', 'fetch'];
    let seed = 12345;
    const text: string[] = [];
    for (let i = 0; i < 20000; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      text.push(words[seed % words.length]!, String(seed % 1000));
    }
    const data = Buffer.from(text.join(' '));
    const gzip = codecFor(CompressionType.GZIP);
    expect((await gzip.compress(data, 1)).length).toBeGreaterThan((await gzip.compress(data, 9)).length);
    const zstd = codecFor(CompressionType.ZSTD);
    expect((await zstd.compress(data, 1)).length).toBeGreaterThan((await zstd.compress(data, 19)).length);
    for (const id of [0, 1, 2, 3, 4] as CompressionId[]) {
      const codec = codecFor(id);
      expect((await codec.decompress(await codec.compress(data, -1))).equals(data)).toBe(true);
    }
  });
});
