// Property: whatever point power is lost at, recovery keeps every fsynced batch, cuts off a
// torn or lost tail at a batch boundary, and leaves indexes that point at real batches.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PartitionLog } from '../../../src/storage/log.js';
import { MemoryFileSystem } from '../../../src/storage/memory-fs.js';
import { logConfig } from '../../../src/storage/types.js';
import { batchOf } from './batch-builder.js';

const DIR = '/data/t-0';
const config = logConfig({ segmentBytes: 1500, indexIntervalBytes: 200 });

type Op =
  | { kind: 'append'; records: number; valueBytes: number }
  | { kind: 'flush' }
  | { kind: 'truncate'; fraction: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('append' as const), records: fc.integer({ min: 1, max: 5 }), valueBytes: fc.integer({ min: 0, max: 300 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('flush' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }) },
);

function checkIndexes(fs: MemoryFileSystem): void {
  for (const name of fs.list(DIR).filter((n) => n.endsWith('.log'))) {
    const base = BigInt(name.slice(0, 20));
    const log = fs.readFile(`${DIR}/${name}`);
    // An index file exists once its first entry is written; a missing one is empty.
    const readIndex = (path: string): Buffer => (fs.exists(path) ? fs.readFile(path) : Buffer.alloc(0));
    const index = readIndex(`${DIR}/${name.slice(0, 20)}.index`);
    expect(index.length % 8).toBe(0);
    let previous = -1;
    for (let pos = 0; pos < index.length; pos += 8) {
      const relative = index.readInt32BE(pos);
      const position = index.readInt32BE(pos + 4);
      expect(relative).toBeGreaterThan(previous);
      previous = relative;
      // The entry names the last offset of the batch that starts at its position.
      expect(position).toBeLessThan(log.length);
      const lastOffset = log.readBigInt64BE(position) + BigInt(log.readInt32BE(position + 23));
      expect(lastOffset).toBe(base + BigInt(relative));
    }
    const timeIndex = readIndex(`${DIR}/${name.slice(0, 20)}.timeindex`);
    expect(timeIndex.length % 12).toBe(0);
  }
}

describe('crash recovery', () => {
  it('keeps everything fsynced, truncates the torn tail, and rebuilds valid indexes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: 1, maxLength: 40 }),
        fc.constantFrom('drop-unsynced' as const, 'torn' as const),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.boolean(),
        async (ops, mode, seed, staleCheckpoint) => {
          let state = seed;
          const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
          const fs = new MemoryFileSystem(random);
          const log = await PartitionLog.open({ fs, dir: DIR, config, cleanShutdown: true });
          const written = new Map<bigint, Buffer>();
          for (const op of ops) {
            if (op.kind === 'flush') {
              await log.flush();
            } else if (op.kind === 'truncate') {
              // Replication truncating a divergent tail; later appends reuse those offsets.
              const to = BigInt(Math.floor(Number(log.logEndOffset) * op.fraction));
              await log.truncateTo(to);
              for (const base of [...written.keys()]) if (base >= log.logEndOffset) written.delete(base);
            } else {
              const batch = batchOf(op.records, op.valueBytes);
              const { baseOffset } = await log.append(batch, 3);
              written.set(baseOffset, Buffer.from(batch));
            }
          }
          await log.rollFlushesDone(); // let the background fsyncs of rolled segments finish
          const durable = log.recoveryPoint;
          const endBeforeCrash = log.logEndOffset;
          fs.crash(mode);

          const recovered = await PartitionLog.open({
            fs,
            dir: DIR,
            config,
            cleanShutdown: false,
            recoveryPoint: staleCheckpoint ? 0n : durable,
          });
          const end = recovered.logEndOffset;
          expect(end).toBeGreaterThanOrEqual(durable);
          expect(end).toBeLessThanOrEqual(endBeforeCrash);
          // Every surviving batch is byte-for-byte what was appended, and they are contiguous.
          let offset = 0n;
          while (offset < end) {
            const { records } = recovered.read(offset, { maxBytes: 1 });
            const expected = written.get(offset);
            expect(expected).toBeDefined();
            expect(records.equals(expected!)).toBe(true);
            offset = records.readBigInt64BE(0) + BigInt(records.readInt32BE(23)) + 1n;
          }
          expect(offset).toBe(end);
          checkIndexes(fs);
          // The log keeps working where it stopped.
          expect((await recovered.append(batchOf(1), 4)).baseOffset).toBe(end);
          await recovered.close();
        },
      ),
      { numRuns: 150 },
    );
  });
});
