import { describe, expect, it } from 'vitest';
import { PartitionLog } from '../../../src/storage/log.js';
import { MemoryFileSystem } from '../../../src/storage/memory-fs.js';
import { logConfig, OffsetOutOfRangeError, type LogConfig } from '../../../src/storage/types.js';
import { batchBaseOffsets, batchOf, buildBatch } from './batch-builder.js';

const DIR = '/data/orders-0';

function manualClock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

async function openLog(fs: MemoryFileSystem, config: Partial<LogConfig> = {}, extra: Partial<Parameters<typeof PartitionLog.open>[0]> = {}) {
  return PartitionLog.open({ fs, dir: DIR, config: logConfig(config), cleanShutdown: true, ...extra });
}

describe('PartitionLog append and read', () => {
  it('assigns offsets and epochs in place and reads batches back across segment rolls', async () => {
    const fs = new MemoryFileSystem();
    const log = await openLog(fs, { segmentBytes: 1000 });
    const bases: bigint[] = [];
    for (let i = 0; i < 40; i++) {
      const result = await log.append(batchOf(3, 50), 7);
      expect(result.lastOffset - result.baseOffset).toBe(2n);
      bases.push(result.baseOffset);
    }
    expect(bases[0]).toBe(0n);
    expect(bases[39]).toBe(117n);
    expect(log.logEndOffset).toBe(120n);
    expect(log.segmentCount).toBeGreaterThan(3);
    // Every segment file is named after its first batch's offset.
    for (const base of log.segmentBaseOffsets()) {
      expect(fs.exists(`${DIR}/${base.toString().padStart(20, '0')}.log`)).toBe(true);
      expect(bases).toContain(base);
    }
    for (let offset = 0n; offset < 120n; offset++) {
      const { records } = log.read(offset, { maxBytes: 1 });
      const first = records.readBigInt64BE(0);
      expect(first <= offset && offset < first + 3n).toBe(true);
      expect(records.readInt32BE(12)).toBe(7); // leader epoch stamped
    }
  });

  it('returns whole batches only, the first one even when larger than maxBytes, from one segment', async () => {
    const fs = new MemoryFileSystem();
    const log = await openLog(fs);
    const batchSize = batchOf(1, 100).length;
    for (let i = 0; i < 10; i++) await log.append(batchOf(1, 100), 0);
    expect(log.read(0n, { maxBytes: 10 }).records.length).toBe(batchSize);
    expect(log.read(0n, { maxBytes: 10, minOneBatch: false }).records.length).toBe(0);
    expect(log.read(0n, { maxBytes: batchSize * 3 + 5 }).records.length).toBe(batchSize * 3);
    expect(batchBaseOffsets(log.read(4n, { maxBytes: 1 << 20 }).records)).toEqual([4n, 5n, 6n, 7n, 8n, 9n]);
    expect(batchBaseOffsets(log.read(4n, { maxBytes: 1 << 20, maxOffset: 6n }).records)).toEqual([4n, 5n]);
    expect(log.read(6n, { maxBytes: 1 << 20, maxOffset: 6n }).records.length).toBe(0);
    expect(log.read(10n, { maxBytes: 1 << 20 }).records.length).toBe(0);
    expect(() => log.read(11n, { maxBytes: 10 })).toThrow(OffsetOutOfRangeError);
  });

  it('a read that continues where the last one ended reads what a fresh lookup reads, also after a truncation', async () => {
    const fs = new MemoryFileSystem();
    const log = await openLog(fs, { segmentBytes: 1500 });
    for (let i = 0; i < 20; i++) await log.append(batchOf(3, 50), 0);
    const size = batchOf(3, 50).length;
    // Consume it as a consumer does, 2.5 batches per fetch, each from where the last ended.
    const seen: bigint[] = [];
    for (let offset = 0n; offset < 60n; ) {
      const bases = batchBaseOffsets(log.read(offset, { maxBytes: size * 2.5 }).records);
      expect(bases[0]).toBe(offset);
      seen.push(...bases);
      offset = bases.at(-1)! + 3n;
    }
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i * 3)));
    // A remembered end (6 -> two batches in) now points at a batch boundary of other batches: after
    // the truncation, one-record batches of half the size put offset 5 there, not 6.
    expect(batchBaseOffsets(log.read(0n, { maxBytes: size * 2 }).records)).toEqual([0n, 3n]);
    await log.truncateTo(3n);
    expect(batchOf(1, 49).length * 2).toBe(size);
    for (let i = 0; i < 20; i++) await log.append(batchOf(1, 49), 0);
    // One-record batches from 6 on, to the end of that segment.
    const after = batchBaseOffsets(log.read(6n, { maxBytes: 1 << 20 }).records);
    expect(after.length).toBeGreaterThan(1);
    expect(after).toEqual(after.map((_, i) => 6n + BigInt(i)));
    expect(batchBaseOffsets(log.read(12n, { maxBytes: 1 }).records)).toEqual([12n]);
  });

  it('keeps the offset index sparse: one entry per index.interval.bytes, 8 bytes each', async () => {
    const fs = new MemoryFileSystem();
    const log = await openLog(fs, { indexIntervalBytes: 500 });
    const batchSize = batchOf(1, 100).length;
    for (let i = 0; i < 100; i++) await log.append(batchOf(1, 100), 0);
    const index = fs.readFile(`${DIR}/00000000000000000000.index`);
    const expectedEntries = Math.floor((100 - 1) / (Math.floor(500 / batchSize) + 1));
    expect(index.length).toBe(expectedEntries * 8);
    let previous = -1;
    for (let pos = 0; pos < index.length; pos += 8) {
      const relativeOffset = index.readInt32BE(pos);
      const position = index.readInt32BE(pos + 4);
      expect(relativeOffset).toBeGreaterThan(previous);
      expect(position).toBe(relativeOffset * batchSize); // one record per batch
      previous = relativeOffset;
    }
  });

  it('stamps LogAppendTime with a valid CRC and reports it', async () => {
    const fs = new MemoryFileSystem();
    const clock = manualClock(42_000);
    const log = await openLog(fs, { messageTimestampType: 'LogAppendTime' }, { clock });
    const result = await log.append(batchOf(2), 0);
    expect(result.logAppendTime).toBe(42_000n);
    const { records } = log.read(0n, { maxBytes: 1000 });
    expect(records.readBigInt64BE(35)).toBe(42_000n);
    expect(records.readInt16BE(21) & 0x08).toBe(0x08);
    await log.close();
    fs.crash('drop-unsynced');
    const reopened = await openLog(fs, {}, { cleanShutdown: false });
    expect(reopened.logEndOffset).toBe(2n); // CRC still valid after restamping
  });

  it('rejects buffers that are not whole v2 batches', async () => {
    const log = await openLog(new MemoryFileSystem());
    const batch = batchOf(1);
    await expect(async () => log.append(batch.subarray(0, batch.length - 1), 0)).rejects.toThrow(/truncated/);
  });
});

describe('PartitionLog offsets by timestamp', () => {
  it('finds the first batch whose max timestamp reaches the target, through the time index', async () => {
    const fs = new MemoryFileSystem();
    const log = await openLog(fs, { indexIntervalBytes: 200, segmentBytes: 2000 });
    for (let i = 0; i < 60; i++) await log.append(batchOf(1, 100, 1000n + BigInt(i) * 10n), 0);
    expect(log.segmentCount).toBeGreaterThan(2);
    expect((await log.offsetForTimestamp(0n))?.offset).toBe(0n);
    expect((await log.offsetForTimestamp(1000n))?.offset).toBe(0n);
    expect((await log.offsetForTimestamp(1001n))?.offset).toBe(1n);
    expect(await log.offsetForTimestamp(1250n)).toMatchObject({ offset: 25n, timestamp: 1250n });
    expect((await log.offsetForTimestamp(1590n))?.offset).toBe(59n);
    expect(await log.offsetForTimestamp(1591n)).toBeNull();
    expect(log.maxTimestampAndOffset()).toMatchObject({ timestamp: 1590n, offset: 59n });
  });

  it('answers with the record, not the batch, when a batch spans the target', async () => {
    const log = await openLog(new MemoryFileSystem());
    await log.append(batchOf(1, 10, 50n), 0);
    await log.append(buildBatch([100n, 300n, 200n].map((timestamp) => ({ key: null, value: Buffer.from('v'), timestamp }))), 2);
    expect(await log.offsetForTimestamp(150n)).toEqual({ timestamp: 300n, offset: 2n, leaderEpoch: 2 });
    expect(await log.offsetForTimestamp(100n)).toEqual({ timestamp: 100n, offset: 1n, leaderEpoch: 2 });
    expect(await log.offsetForTimestamp(301n)).toBeNull();
    // MAX_TIMESTAMP: the record carrying 300 is offset 2, though its batch ends at 3.
    expect(log.maxTimestampAndOffset()).toEqual({ timestamp: 300n, offset: 3n, leaderEpoch: 2 });
    expect(await log.offsetOfMaxTimestamp()).toEqual({ timestamp: 300n, offset: 2n, leaderEpoch: 2 });
  });
});

describe('PartitionLog restart, truncation and deletion', () => {
  it('reopens after a clean close with the same offsets and data', async () => {
    const fs = new MemoryFileSystem();
    const log = await openLog(fs, { segmentBytes: 700, indexIntervalBytes: 100 });
    for (let i = 0; i < 30; i++) await log.append(batchOf(2, 60, BigInt(i)), 1);
    const before = log.read(0n, { maxBytes: 1 << 20 }).records;
    const bases = log.segmentBaseOffsets();
    await log.close();
    const again = await openLog(fs, { segmentBytes: 700, indexIntervalBytes: 100 });
    expect(again.segmentBaseOffsets()).toEqual(bases);
    expect(again.logEndOffset).toBe(60n);
    expect(again.read(0n, { maxBytes: 1 << 20 }).records.equals(before)).toBe(true);
    expect((await again.offsetForTimestamp(29n))?.offset).toBe(58n);
    expect((await again.append(batchOf(1), 1)).baseOffset).toBe(60n);
  });

  it('truncates to an offset, deleting later segments and epochs', async () => {
    const fs = new MemoryFileSystem();
    const log = await openLog(fs, { segmentBytes: 500 });
    for (let epoch = 0; epoch < 4; epoch++) {
      for (let i = 0; i < 5; i++) await log.append(batchOf(1, 50), epoch);
    }
    expect(log.epochs.all().map((e) => [e.epoch, e.startOffset])).toEqual([[0, 0n], [1, 5n], [2, 10n], [3, 15n]]);
    await log.truncateTo(7n);
    expect(log.logEndOffset).toBe(7n);
    expect(log.epochs.all().map((e) => e.epoch)).toEqual([0, 1]);
    expect(log.epochs.endOffsetFor(0, log.logEndOffset)).toEqual({ epoch: 0, startOffset: 5n });
    expect(fs.readFile(`${DIR}/leader-epoch-checkpoint`).toString()).toBe('0\n2\n0 0\n1 5\n');
    expect((await log.append(batchOf(1), 5)).baseOffset).toBe(7n);
    expect(batchBaseOffsets(log.read(5n, { maxBytes: 1 << 20 }).records).at(-1)).toBe(7n);
  });

  it('DeleteRecords moves the log start and removes whole segments below it', async () => {
    const fs = new MemoryFileSystem();
    const log = await openLog(fs, { segmentBytes: 400, fileDeleteDelayMs: 0 });
    for (let i = 0; i < 20; i++) await log.append(batchOf(1, 50), 0);
    log.updateHighWatermark(20n);
    await expect(log.deleteRecordsBefore(21n)).rejects.toThrow(OffsetOutOfRangeError);
    const bases = log.segmentBaseOffsets();
    const cut = bases[2]! + 1n;
    expect(await log.deleteRecordsBefore(cut)).toBe(cut);
    expect(log.segmentBaseOffsets()[0]).toBe(bases[2]);
    expect(log.logStartOffset).toBe(cut);
    expect(() => log.read(cut - 1n, { maxBytes: 100 })).toThrow(OffsetOutOfRangeError);
    expect(fs.list(DIR).filter((n) => n.endsWith('.log'))).toHaveLength(bases.length - 2);
  });
});
