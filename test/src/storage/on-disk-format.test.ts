// Real files in a temp dir, checked by a reader that knows only Kafka's published format; and
// the reverse: a segment assembled by hand from that format, opened and served by the log.

import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogManager } from '../../../src/storage/log-manager.js';
import { PartitionLog } from '../../../src/storage/log.js';
import { NodeFileSystem } from '../../../src/storage/node-fs.js';
import { logConfig } from '../../../src/storage/types.js';
import { batchOf, buildBatch } from './batch-builder.js';
import { listSegments, readSegment } from './independent-segment-reader.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-storage-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('on-disk format', () => {
  it('writes segments, indexes and checkpoints an independent reader accepts', async () => {
    const dataDir = tempDir();
    const config = logConfig({ segmentBytes: 4000, indexIntervalBytes: 300 });
    const manager = await LogManager.open({ fs: new NodeFileSystem(), dataDir, nodeId: 5, clusterId: 'c1', configFor: () => config });
    const log = await manager.createLog('payments', 2, null);
    let timestamp = 1_000n;
    for (let i = 0; i < 120; i++) {
      // Timestamps mostly rise but sometimes step back, as producers' clocks do.
      timestamp += i % 7 === 3 ? -5n : 10n;
      await log.append(batchOf(1 + (i % 3), 40 + i, timestamp), 2 + Math.floor(i / 50));
    }
    await manager.shutdown();

    const dir = join(dataDir, 'payments-2');
    const bases = listSegments(readdirSync(dir));
    expect(bases.length).toBeGreaterThan(3);
    let next = 0n;
    let indexEntries = 0;
    for (const base of bases) {
      const segment = readSegment(dir, base);
      expect(segment.batches[0]!.baseOffset).toBe(base);
      expect(base).toBe(next);
      next = segment.batches.at(-1)!.lastOffset + 1n;
      indexEntries += segment.index.length;
      // Closed segments end with a time-index entry carrying their max timestamp.
      const max = segment.batches.reduce((m, b) => (b.maxTimestamp > m ? b.maxTimestamp : m), -1n);
      expect(segment.timeIndex.at(-1)!.timestamp).toBe(max);
    }
    expect(next).toBe(log.logEndOffset);
    expect(indexEntries).toBeGreaterThan(bases.length);
    const names = readdirSync(dataDir).sort();
    expect(names).toEqual(['.kafka_cleanshutdown', 'cleaner-offset-checkpoint', 'log-start-offset-checkpoint', 'meta.properties', 'payments-2', 'recovery-point-offset-checkpoint', 'replication-offset-checkpoint']);
    expect(readdirSync(dir).filter((n) => !/^\d{20}\.(log|index|timeindex)$/.test(n))).toEqual(['leader-epoch-checkpoint']);
  });

  it('opens and serves a segment assembled by hand from the format description', async () => {
    const dir = join(tempDir(), 'legacy-0');
    mkdirSync(dir);
    // Three batches starting at offset 100: offsets 100-101, 102, 103-105.
    const batches = [
      buildBatch([{ key: Buffer.from('a'), value: Buffer.from('1') }, { key: Buffer.from('b'), value: Buffer.from('2') }], { baseOffset: 100n, leaderEpoch: 4, baseTimestamp: 5000n }),
      buildBatch([{ key: null, value: Buffer.from('three') }], { baseOffset: 102n, leaderEpoch: 4, baseTimestamp: 6000n }),
      buildBatch([1, 2, 3].map((n) => ({ key: null, value: Buffer.from(`v${n}`) })), { baseOffset: 103n, leaderEpoch: 5, baseTimestamp: 7000n }),
    ];
    const name = '00000000000000000100';
    writeFileSync(join(dir, `${name}.log`), Buffer.concat(batches));
    // One index entry: offset 102 (relative 2) at the second batch's position.
    const index = Buffer.alloc(8);
    index.writeInt32BE(2, 0);
    index.writeInt32BE(batches[0]!.length, 4);
    writeFileSync(join(dir, `${name}.index`), index);
    const timeIndex = Buffer.alloc(24);
    timeIndex.writeBigInt64BE(6000n, 0);
    timeIndex.writeInt32BE(2, 8);
    timeIndex.writeBigInt64BE(7002n, 12);
    timeIndex.writeInt32BE(5, 20);
    writeFileSync(join(dir, `${name}.timeindex`), timeIndex);
    writeFileSync(join(dir, 'leader-epoch-checkpoint'), '0\n2\n4 100\n5 103\n');

    for (const cleanShutdown of [true, false]) {
      const log = await PartitionLog.open({ fs: new NodeFileSystem(), dir, config: logConfig(), cleanShutdown, recoveryPoint: 100n });
      expect(log.logStartOffset).toBe(100n);
      expect(log.logEndOffset).toBe(106n);
      expect(log.read(102n, { maxBytes: 1 }).records.equals(batches[1]!)).toBe(true);
      expect(log.read(104n, { maxBytes: 1 }).records.equals(batches[2]!)).toBe(true);
      expect(log.read(100n, { maxBytes: 1 << 20 }).records.equals(Buffer.concat(batches))).toBe(true);
      expect((await log.offsetForTimestamp(6500n))?.offset).toBe(103n);
      expect(log.epochs.endOffsetFor(4, log.logEndOffset)).toEqual({ epoch: 4, startOffset: 103n });
      expect((await log.append(batchOf(1), 6)).baseOffset).toBe(106n);
      await log.truncateTo(106n);
      await log.close();
    }
  });
});
