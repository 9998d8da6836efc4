import { describe, expect, it } from 'vitest';
import { readRecordBatch } from '../../../src/records/record-batch.js';
import { compactLog } from '../../../src/storage/compaction.js';
import { PartitionLog } from '../../../src/storage/log.js';
import { LogManager } from '../../../src/storage/log-manager.js';
import { MemoryFileSystem } from '../../../src/storage/memory-fs.js';
import { logConfig, type LogConfig } from '../../../src/storage/types.js';
import { buildBatch, type TestRecord } from './batch-builder.js';

const DIR = '/c/compacted-0';
const NOW = 1_700_000_000_000;
const DAY = 86_400_000;

interface Seen {
  offset: bigint;
  key: string | null;
  value: string | null;
}

async function allRecords(log: PartitionLog): Promise<Seen[]> {
  const { records } = log.read(log.logStartOffset, { maxBytes: 1 << 24 });
  const out: Seen[] = [];
  let offset = log.logStartOffset;
  // One read returns one segment; keep going until the end.
  let chunk = records;
  while (chunk.length > 0) {
    for (let pos = 0; pos < chunk.length; pos += 12 + chunk.readInt32BE(pos + 8)) {
      for (const r of await readRecordBatch(chunk, pos)) out.push({ offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null });
      offset = chunk.readBigInt64BE(pos) + BigInt(chunk.readInt32BE(pos + 23)) + 1n;
    }
    if (offset >= log.logEndOffset) break;
    chunk = log.read(offset, { maxBytes: 1 << 24 }).records;
  }
  return out;
}

const rec = (key: string, value: string | null, timestamp = BigInt(NOW)): TestRecord => ({
  key: Buffer.from(key),
  value: value === null ? null : Buffer.from(value),
  timestamp,
});

async function compactedLog(config: Partial<LogConfig> = {}) {
  const fs = new MemoryFileSystem();
  const log = await PartitionLog.open({ fs, dir: DIR, config: logConfig({ cleanupPolicy: 'compact', segmentBytes: 400, ...config }), cleanShutdown: true, clock: { now: () => NOW } });
  return { fs, log };
}

describe('compaction', () => {
  it('keeps the latest record per key, with original offsets, and leaves the active segment alone', async () => {
    const { log } = await compactedLog();
    const written: Seen[] = [];
    for (let round = 0; round < 8; round++) {
      // Batches of three records, so some batches lose only part of their records.
      const records = [0, 1, 2].map((i) => rec(`k${(round + i) % 4}`, `v${round}.${i}`));
      const { baseOffset } = await log.append(buildBatch(records), 0);
      records.forEach((r, i) => written.push({ offset: baseOffset + BigInt(i), key: r.key!.toString(), value: r.value!.toString() }));
    }
    log.updateHighWatermark(log.logEndOffset);
    const activeBase = log.segmentBaseOffsets().at(-1)!;
    const cleanable = written.filter((w) => w.offset < activeBase);
    const stats = await compactLog(log, NOW);
    expect(stats.segmentsCleaned).toBeGreaterThan(0);

    const after = await allRecords(log);
    const latestInCleanable = new Map(cleanable.map((w) => [w.key, w.offset]));
    const expected = written.filter((w) => w.offset >= activeBase || latestInCleanable.get(w.key) === w.offset);
    expect(after).toEqual(expected);
    expect(stats.recordsRemoved).toBe(written.length - expected.length);
    expect(log.logEndOffset).toBe(24n);
    // Reads at a removed offset land on the next surviving batch.
    const removed = cleanable.find((w) => latestInCleanable.get(w.key) !== w.offset)!;
    const { records } = log.read(removed.offset, { maxBytes: 1 });
    expect(records.readBigInt64BE(0) + BigInt(records.readInt32BE(23))).toBeGreaterThanOrEqual(removed.offset);
  });

  it('preserves each rebuilt batch\'s offset range and max timestamp', async () => {
    const { log } = await compactedLog();
    await log.append(buildBatch([rec('a', '1', 10n), rec('b', '1', 30n), rec('a', '2', 20n)]), 0);
    await log.append(buildBatch([rec('b', '2', 40n)]), 0);
    await log.rollNow();
    log.updateHighWatermark(log.logEndOffset);
    await compactLog(log, NOW);
    const { records } = log.read(0n, { maxBytes: 1 << 20 });
    expect(records.readBigInt64BE(0)).toBe(0n); // base offset
    expect(records.readInt32BE(23)).toBe(2); // lastOffsetDelta kept though offset 1 is gone
    expect(records.readBigInt64BE(35)).toBe(30n); // max timestamp kept
    expect((await readRecordBatch(records)).map((r) => [r.offset, r.key?.toString()])).toEqual([[2n, 'a']]);
  });

  it('stamps a delete horizon on kept tombstones and drops them once it has passed (KIP-534)', async () => {
    const { log } = await compactedLog({ deleteRetentionMs: DAY });
    await log.append(buildBatch([rec('old', 'x', BigInt(NOW - 3 * DAY)), rec('new', 'y', BigInt(NOW - 3 * DAY))]), 0);
    await log.append(buildBatch([rec('old', null, BigInt(NOW - 2 * DAY)), rec('new', null, BigInt(NOW - DAY / 2))]), 0);
    await log.rollNow();
    log.updateHighWatermark(log.logEndOffset);

    // Old record timestamps do not matter: the first pass keeps the tombstones and stamps them.
    const first = await compactLog(log, NOW);
    expect(first.nextDeleteHorizon).toBe(BigInt(NOW + DAY));
    expect(await allRecords(log)).toEqual([{ offset: 2n, key: 'old', value: null }, { offset: 3n, key: 'new', value: null }]);
    const { records } = log.read(2n, { maxBytes: 1 });
    expect(records.readInt16BE(21) & 0x40).toBe(0x40);
    expect(records.readBigInt64BE(27)).toBe(BigInt(NOW + DAY));
    expect((await readRecordBatch(records)).map((r) => r.timestamp)).toEqual([BigInt(NOW - 2 * DAY), BigInt(NOW - DAY / 2)]);

    expect((await compactLog(log, NOW + DAY - 1)).segmentsCleaned).toBe(0);
    const last = await compactLog(log, NOW + DAY);
    expect(last.recordsRemoved).toBe(2);
    expect(last.nextDeleteHorizon).toBeNull();
    expect(await allRecords(log)).toEqual([]);
  });

  it('does not touch segments newer than min.compaction.lag.ms or above the high watermark', async () => {
    const { log } = await compactedLog({ minCompactionLagMs: DAY });
    for (let i = 0; i < 6; i++) await log.append(buildBatch([rec('k', `v${i}`, BigInt(NOW - DAY / 2))]), 0);
    await log.rollNow();
    log.updateHighWatermark(log.logEndOffset);
    expect((await compactLog(log, NOW)).segmentsCleaned).toBe(0);
    const { log: other } = await compactedLog();
    for (let i = 0; i < 6; i++) await other.append(buildBatch([rec('k', `v${i}`)]), 0);
    await other.rollNow();
    expect((await compactLog(other, NOW)).segmentsCleaned).toBe(0); // high watermark 0
  });

  it('runs beside appends without losing or reordering any', async () => {
    const { log } = await compactedLog();
    for (let i = 0; i < 30; i++) await log.append(buildBatch([rec(`k${i % 3}`, `v${i}`)]), 0);
    log.updateHighWatermark(log.logEndOffset);
    const compaction = compactLog(log, NOW);
    const appends = Array.from({ length: 20 }, (_, i) => log.append(buildBatch([rec(`n${i}`, 'x')]), 1));
    const [stats, results] = await Promise.all([compaction, Promise.all(appends)]);
    expect(stats.segmentsCleaned).toBeGreaterThan(0);
    expect(results.map((r) => r.baseOffset)).toEqual(Array.from({ length: 20 }, (_, i) => 30n + BigInt(i)));
    const after = await allRecords(log);
    expect(after.filter((r) => r.key!.startsWith('n')).map((r) => r.offset)).toEqual(results.map((r) => r.baseOffset));
    const offsets = after.map((r) => r.offset);
    expect([...offsets].sort((a, b) => (a < b ? -1 : 1))).toEqual(offsets);
  });

  it('survives a restart, and finishes a swap interrupted by a crash', async () => {
    const { fs, log } = await compactedLog();
    for (let i = 0; i < 12; i++) await log.append(buildBatch([rec(i === 0 ? 'once' : `k${i % 2}`, `v${i}`)]), 0);
    log.updateHighWatermark(log.logEndOffset);
    const before = await allRecords(log);
    await compactLog(log, NOW);
    const compacted = await allRecords(log);
    expect(compacted.length).toBeLessThan(before.length);
    await log.close();
    const reopened = await PartitionLog.open({ fs, dir: DIR, config: logConfig(), cleanShutdown: false });
    expect(await allRecords(reopened)).toEqual(compacted);
    await reopened.close();

    // Put the first segment's uncompacted bytes back and leave the cleaned ones as a .swap.
    const first = `${DIR}/00000000000000000000.log`;
    const cleanedBytes = fs.readFile(first);
    const { fs: fs2, log: original } = await compactedLog();
    for (let i = 0; i < 12; i++) await original.append(buildBatch([rec(i === 0 ? 'once' : `k${i % 2}`, `v${i}`)]), 0);
    await original.close();
    const swap = fs2.open(`${first}.swap`, true);
    swap.append(cleanedBytes);
    swap.close();
    const recovered = await PartitionLog.open({ fs: fs2, dir: DIR, config: logConfig(), cleanShutdown: true });
    expect(fs2.readFile(first).equals(cleanedBytes)).toBe(true);
    expect(fs2.list(DIR).some((n) => n.endsWith('.swap'))).toBe(false);
    const secondBase = recovered.segmentBaseOffsets()[1]!;
    const firstSegment = (records: Seen[]) => records.filter((r) => r.offset < secondBase);
    expect(firstSegment(compacted).length).toBeGreaterThan(0);
    expect(firstSegment(await allRecords(recovered))).toEqual(firstSegment(compacted));
  });

  it('is driven by the log manager for compacted topics above the dirty ratio', async () => {
    const fs = new MemoryFileSystem();
    const manager = await LogManager.open({ fs, dataDir: '/m', nodeId: 1, clusterId: 'c', clock: { now: () => NOW }, configFor: (topic) => logConfig({ segmentBytes: 300, cleanupPolicy: topic === 'state' ? 'compact' : 'delete' }) });
    for (const topic of ['state', 'events']) {
      const log = await manager.createLog(topic, 0, null);
      for (let i = 0; i < 10; i++) await log.append(buildBatch([rec('same', `v${i}`)]), 0);
      log.updateHighWatermark(log.logEndOffset);
    }
    const results = await manager.runCompaction();
    expect([...results.keys()]).toEqual(['state-0']);
    expect(results.get('state-0')!.segmentsCleaned).toBeGreaterThan(0);
    // Nothing new is dirty: the next run skips the log, also after a restart.
    expect((await manager.runCompaction()).size).toBe(0);
    expect(manager.cleanerErrors).toEqual([]);
    await manager.shutdown();
    const cleanedTo = manager.getLog('state', 0)!.segmentBaseOffsets().at(-1)!;
    expect(fs.readFile('/m/cleaner-offset-checkpoint').toString()).toBe(`0\n1\nstate 0 ${cleanedTo}\n`);
    const again = await LogManager.open({ fs, dataDir: '/m', nodeId: 1, clusterId: 'c', clock: { now: () => NOW }, configFor: (topic) => logConfig({ segmentBytes: 300, cleanupPolicy: topic === 'state' ? 'compact' : 'delete' }) });
    again.getLog('state', 0)!.updateHighWatermark(10n);
    expect((await again.runCompaction()).size).toBe(0);
  });
});

describe('compaction and idempotent producers', () => {
  it('keeps a producer\'s last batch as an empty batch when all its records are superseded', async () => {
    const { log } = await compactedLog();
    await log.append(buildBatch([rec('a', '1'), rec('b', '1')], { producerId: 7n, baseSequence: 0 }), 0);
    await log.append(buildBatch([rec('a', '0')], { producerId: 8n, baseSequence: 0 }), 0);
    await log.append(buildBatch([rec('a', '2'), rec('b', '2')], { producerId: 8n, baseSequence: 1 }), 0);
    await log.rollNow();
    log.updateHighWatermark(log.logEndOffset);
    await compactLog(log, NOW);
    expect(await allRecords(log)).toEqual([{ offset: 3n, key: 'a', value: '2' }, { offset: 4n, key: 'b', value: '2' }]);
    // Producer 7's only batch stays as a header: same offsets and sequence, no records.
    const { records } = log.read(0n, { maxBytes: 1 });
    expect(records.length).toBe(61);
    expect([records.readBigInt64BE(0), records.readInt32BE(23), records.readBigInt64BE(43), records.readInt32BE(53), records.readInt32BE(57)]).toEqual([0n, 1, 7n, 0, 0]);
    // Producer 8's earlier batch is not its last: it goes.
    expect(log.read(2n, { maxBytes: 1 }).records.readBigInt64BE(0)).toBe(3n);
  });
});

describe('compaction beside retention', () => {
  it('gives up cleanly on segments deleted while it runs', async () => {
    const { log } = await compactedLog();
    for (let i = 0; i < 30; i++) await log.append(buildBatch([rec(`k${i % 3}`, `v${i}`)]), 0);
    log.updateHighWatermark(log.logEndOffset);
    const bases = log.segmentBaseOffsets();
    const compaction = compactLog(log, NOW);
    const deletion = log.deleteRecordsBefore(bases.at(-2)!);
    await expect(Promise.all([compaction, deletion])).resolves.toBeDefined();
    expect(log.segmentBaseOffsets()).toEqual(bases.slice(-2));
    expect((await allRecords(log)).length).toBeGreaterThan(0);
  });
});

describe('cleaner scheduling', () => {
  it('cleans a log again once its tombstones\' delete horizon has passed', async () => {
    let now = NOW;
    const manager = await LogManager.open({ fs: new MemoryFileSystem(), dataDir: '/h', nodeId: 1, clusterId: 'c', clock: { now: () => now }, configFor: () => logConfig({ cleanupPolicy: 'compact', deleteRetentionMs: DAY }) });
    const log = await manager.createLog('t', 0, null);
    await log.append(buildBatch([rec('a', '1'), rec('a', null)]), 0);
    await log.rollNow();
    log.updateHighWatermark(log.logEndOffset);
    expect((await manager.runCompaction()).get('t-0')?.recordsRemoved).toBe(1);
    now += DAY - 1;
    expect((await manager.runCompaction()).size).toBe(0); // clean, and the horizon is ahead
    now += 1;
    expect((await manager.runCompaction()).get('t-0')?.recordsRemoved).toBe(1);
    expect(await allRecords(log)).toEqual([]);
  });
});
