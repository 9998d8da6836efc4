import { describe, expect, it } from 'vitest';
import { PartitionLog } from '../../../src/storage/log.js';
import { MemoryFileSystem } from '../../../src/storage/memory-fs.js';
import { logConfig } from '../../../src/storage/types.js';
import { batchOf } from './batch-builder.js';

const DIR = '/d/t-0';
const config = logConfig({ segmentBytes: 600, indexIntervalBytes: 150 });
const segmentPath = (base: bigint, suffix: string) => `${DIR}/${base.toString().padStart(20, '0')}${suffix}`;

function rewrite(fs: MemoryFileSystem, path: string, change: (data: Buffer) => Buffer): void {
  const data = change(fs.readFile(path));
  const handle = fs.open(path, false);
  handle.truncate(0);
  handle.append(data);
  handle.close();
}

async function filledLog(fs: MemoryFileSystem, batches: number): Promise<PartitionLog> {
  const log = await PartitionLog.open({ fs, dir: DIR, config, cleanShutdown: true });
  for (let i = 0; i < batches; i++) await log.append(batchOf(1, 100), 0);
  await log.close();
  return log;
}

const reopen = (fs: MemoryFileSystem, cleanShutdown: boolean) =>
  PartitionLog.open({ fs, dir: DIR, config, cleanShutdown, recoveryPoint: 0n });

describe('recovery', () => {
  it('cuts a torn last batch at its start', async () => {
    const fs = new MemoryFileSystem();
    const before = await filledLog(fs, 3);
    const last = before.segmentBaseOffsets().at(-1)!;
    rewrite(fs, segmentPath(last, '.log'), (d) => d.subarray(0, d.length - 7));
    const log = await reopen(fs, false);
    expect(log.logEndOffset).toBe(2n);
    expect(log.recovery.bytesTruncated).toBeGreaterThan(0);
  });

  it('truncates at a CRC mismatch and deletes every later segment', async () => {
    const fs = new MemoryFileSystem();
    const before = await filledLog(fs, 20);
    const bases = before.segmentBaseOffsets();
    expect(bases.length).toBeGreaterThan(3);
    const victim = bases[1]!;
    // Flip one value byte inside the second batch of the second segment.
    rewrite(fs, segmentPath(victim, '.log'), (d) => {
      const copy = Buffer.from(d);
      const second = 12 + copy.readInt32BE(8);
      copy[second + 100] = copy[second + 100]! ^ 0xff;
      return copy;
    });
    // A clean shutdown trusts the files; the corruption is noticed only by a rescan.
    expect((await reopen(fs, true)).logEndOffset).toBe(20n);
    const log = await reopen(fs, false);
    expect(log.logEndOffset).toBe(victim + 1n);
    expect(log.segmentBaseOffsets()).toEqual([bases[0], victim]);
    expect(log.recovery.segmentsDeleted).toBe(bases.length - 2);
    expect(fs.list(DIR).filter((n) => n.endsWith('.log'))).toHaveLength(2);
    expect((await log.append(batchOf(1), 1)).baseOffset).toBe(victim + 1n);
  });

  it('only rescans from the segment holding the recovery point', async () => {
    const fs = new MemoryFileSystem();
    const before = await filledLog(fs, 20);
    const bases = before.segmentBaseOffsets();
    const log = await PartitionLog.open({ fs, dir: DIR, config, cleanShutdown: false, recoveryPoint: bases[2]! + 1n });
    expect(log.recovery.segmentsRecovered).toBe(bases.length - 2);
    expect(log.logEndOffset).toBe(20n);
  });

  it('rebuilds an unusable index even after a clean shutdown', async () => {
    const fs = new MemoryFileSystem();
    const before = await filledLog(fs, 20);
    const first = before.segmentBaseOffsets()[0]!;
    const good = fs.readFile(segmentPath(first, '.index'));
    expect(good.length).toBeGreaterThan(0);
    rewrite(fs, segmentPath(first, '.index'), (d) => d.subarray(0, d.length - 3));
    const log = await reopen(fs, true);
    expect(log.recovery.segmentsRecovered).toBeGreaterThan(0);
    expect(fs.readFile(segmentPath(first, '.index')).equals(good)).toBe(true);
    expect(log.logEndOffset).toBe(20n);
  });

  it('removes leftover .deleted, .cleaned and .tmp files and orphan indexes', async () => {
    const fs = new MemoryFileSystem();
    await filledLog(fs, 2);
    for (const name of ['00000000000000000000.log.deleted', '00000000000000000050.log.cleaned', 'leader-epoch-checkpoint.tmp', '00000000000000000099.index']) {
      fs.open(`${DIR}/${name}`, true).close();
    }
    await reopen(fs, true);
    expect(fs.list(DIR)).toEqual(['00000000000000000000.index', '00000000000000000000.log', '00000000000000000000.timeindex', 'leader-epoch-checkpoint']);
  });

  it('rescans batches larger than its read chunk, and cuts a torn one', async () => {
    const fs = new MemoryFileSystem();
    const log = await PartitionLog.open({ fs, dir: DIR, config: logConfig(), cleanShutdown: true });
    for (const bytes of [10, 1_500_000, 20, 3_000_000, 30]) await log.append(batchOf(1, bytes), 0);
    await log.close();
    expect((await reopen(fs, false)).logEndOffset).toBe(5n);
    rewrite(fs, segmentPath(0n, '.log'), (d) => d.subarray(0, d.length - batchOf(1, 30).length - 1000));
    const torn = await reopen(fs, false);
    expect(torn.logEndOffset).toBe(3n);
    expect(torn.read(3n, { maxBytes: 1 }).records.length).toBe(0);
  });
});
