// Property: compaction against a model. After a pass, the cleanable range holds exactly the
// latest record of each key (tombstones included, as they are younger than
// delete.retention.ms here), everything from the first uncleanable offset on is untouched,
// offsets never change, and a second pass changes nothing.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readRecordBatch } from '../../../src/records/record-batch.js';
import { compactLog } from '../../../src/storage/compaction.js';
import { PartitionLog } from '../../../src/storage/log.js';
import { MemoryFileSystem } from '../../../src/storage/memory-fs.js';
import { logConfig } from '../../../src/storage/types.js';
import { buildBatch } from './batch-builder.js';

const NOW = 1_700_000_000_000;

async function contents(log: PartitionLog): Promise<string[]> {
  const out: string[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const { records } = log.read(offset, { maxBytes: 1 << 20 });
    if (records.length === 0) break;
    for (let pos = 0; pos < records.length; pos += 12 + records.readInt32BE(pos + 8)) {
      for (const r of await readRecordBatch(records, pos)) out.push(`${r.offset}:${r.key}:${r.value ?? '∅'}`);
      offset = records.readBigInt64BE(pos) + BigInt(records.readInt32BE(pos + 23)) + 1n;
    }
  }
  return out;
}

describe('compaction property', () => {
  it('matches the latest-per-key model and is idempotent', async () => {
    const recordArb = fc.record({ key: fc.integer({ min: 0, max: 5 }), tombstone: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(recordArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 40 }), async (batches) => {
        const log = await PartitionLog.open({
          fs: new MemoryFileSystem(),
          dir: '/p/t-0',
          config: logConfig({ cleanupPolicy: 'compact', segmentBytes: 350 }),
          cleanShutdown: true,
          clock: { now: () => NOW },
        });
        const model: { offset: bigint; key: string; value: string | null }[] = [];
        for (const [b, batch] of batches.entries()) {
          const records = batch.map((r, i) => ({ key: Buffer.from(`k${r.key}`), value: r.tombstone ? null : Buffer.from(`v${b}.${i}`), timestamp: BigInt(NOW) }));
          const { baseOffset } = await log.append(buildBatch(records), 0);
          records.forEach((r, i) => model.push({ offset: baseOffset + BigInt(i), key: r.key.toString(), value: r.value?.toString() ?? null }));
        }
        log.updateHighWatermark(log.logEndOffset);
        const firstUncleanable = log.segmentBaseOffsets().at(-1)!;
        await compactLog(log, NOW);
        const latest = new Map<string, bigint>();
        for (const m of model) if (m.offset < firstUncleanable) latest.set(m.key, m.offset);
        const expected = model
          .filter((m) => m.offset >= firstUncleanable || latest.get(m.key) === m.offset)
          .map((m) => `${m.offset}:${m.key}:${m.value ?? '∅'}`);
        const after = await contents(log);
        expect(after).toEqual(expected);
        expect(log.logEndOffset).toBe(BigInt(model.length));
        const second = await compactLog(log, NOW);
        expect(second.segmentsCleaned).toBe(0);
        expect(await contents(log)).toEqual(after);
      }),
      { numRuns: 100 },
    );
  });
});
