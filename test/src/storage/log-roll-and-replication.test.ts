import { describe, expect, it } from 'vitest';
import { PartitionLog } from '../../../src/storage/log.js';
import { MemoryFileSystem } from '../../../src/storage/memory-fs.js';
import { logConfig, CorruptRecordError, type LogConfig } from '../../../src/storage/types.js';
import { batchBaseOffsets, batchOf, buildBatch } from './batch-builder.js';

const DIR = '/r/t-0';
const open = (fs: MemoryFileSystem, config: Partial<LogConfig>, now = () => 0) =>
  PartitionLog.open({ fs, dir: DIR, config: logConfig(config), cleanShutdown: true, clock: { now } });

describe('segment rolls', () => {
  it('rolls on segment.ms, counted from the first batch timestamp', async () => {
    const log = await open(new MemoryFileSystem(), { segmentMs: 1000 });
    await log.append(batchOf(1, 10, 5_000n), 0);
    await log.append(batchOf(1, 10, 6_000n), 0); // exactly segment.ms later: no roll yet
    expect(log.segmentCount).toBe(1);
    await log.append(batchOf(1, 10, 6_001n), 0);
    expect(log.segmentBaseOffsets()).toEqual([0n, 2n]);
  });

  it('rolls when the offset index is full (segment.index.bytes)', async () => {
    // 24 bytes: 3 offset-index entries. All timestamps are equal, so the time index stops at 1.
    const log = await open(new MemoryFileSystem(), { segmentIndexBytes: 24, indexIntervalBytes: 1 });
    for (let i = 0; i < 9; i++) await log.append(batchOf(1), 0);
    // Every batch after a segment's first gets an entry; after 3 the index is full.
    expect(log.segmentBaseOffsets()).toEqual([0n, 4n, 8n]);
  });

  it('fsyncs a rolled segment in the background: appends go on, the recovery point moves once it is durable', async () => {
    // fsyncs of segment data wait at a gate, as a slow device would.
    let openGate: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const fs = new MemoryFileSystem();
    const openFile = fs.open.bind(fs);
    fs.open = (path, create) => {
      const handle = openFile(path, create);
      if (!path.endsWith('.log')) return handle;
      const sync = handle.sync.bind(handle);
      handle.sync = () => gate.then(sync);
      return handle;
    };
    const log = await open(fs, { segmentBytes: 300 });
    for (let i = 0; i < 2; i++) await log.append(batchOf(1, 100), 0);
    expect(log.segmentBaseOffsets()).toEqual([0n, 1n]);
    const rolledAt = 1n;
    // The fsync of the first segment is held at the gate; an append to the new one still completes.
    await log.append(batchOf(1, 1), 0);
    expect(log.logEndOffset).toBe(3n);
    expect(log.recoveryPoint).toBe(0n);
    openGate();
    await log.rollFlushesDone();
    expect(log.recoveryPoint).toBe(rolledAt);
    await log.close();
  });

  it('orders concurrent appends by submission', async () => {
    const log = await open(new MemoryFileSystem(), { segmentBytes: 300 });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => log.append(batchOf(1 + (i % 3)), 0)));
    let expected = 0n;
    results.forEach((r, i) => {
      expect(r.baseOffset).toBe(expected);
      expected += BigInt(1 + (i % 3));
    });
    expect(log.logEndOffset).toBe(expected);
  });
});

describe('follower path', () => {
  it('appends leader-stamped batches, learning epochs from them', async () => {
    const fs = new MemoryFileSystem();
    const log = await open(fs, {});
    await log.appendAsFollower(Buffer.concat([buildBatch([{ key: null, value: Buffer.from('a') }], { baseOffset: 0n, leaderEpoch: 1 }), buildBatch([{ key: null, value: Buffer.from('b') }], { baseOffset: 1n, leaderEpoch: 3 })]));
    expect(log.logEndOffset).toBe(2n);
    expect(log.epochs.all()).toEqual([{ epoch: 1, startOffset: 0n }, { epoch: 3, startOffset: 1n }]);
    expect(fs.readFile(`${DIR}/leader-epoch-checkpoint`).toString()).toBe('0\n2\n1 0\n3 1\n');
    await expect(log.appendAsFollower(buildBatch([{ key: null, value: null }], { baseOffset: 1n, leaderEpoch: 3 }))).rejects.toThrow(CorruptRecordError);
    expect(log.epochs.endOffsetFor(2, log.logEndOffset)).toEqual({ epoch: 1, startOffset: 1n });
    expect(log.epochs.endOffsetFor(3, log.logEndOffset)).toEqual({ epoch: 3, startOffset: 2n });
    expect(log.epochs.endOffsetFor(0, log.logEndOffset)).toEqual({ epoch: 0, startOffset: 0n });
    expect(log.epochs.endOffsetFor(4, log.logEndOffset)).toEqual({ epoch: -1, startOffset: -1n });
  });

  it('restarts empty at the leader\'s log start offset', async () => {
    const fs = new MemoryFileSystem();
    const log = await open(fs, {});
    for (let i = 0; i < 3; i++) await log.append(batchOf(1), 0);
    await log.truncateFullyAndStartAt(500n);
    expect([log.logStartOffset, log.logEndOffset, log.highWatermark]).toEqual([500n, 500n, 500n]);
    expect(fs.list(DIR).filter((n) => n.endsWith('.log'))).toEqual(['00000000000000000500.log']);
    await log.appendAsFollower(buildBatch([{ key: null, value: null }], { baseOffset: 500n, leaderEpoch: 2 }));
    expect(batchBaseOffsets(log.read(500n, { maxBytes: 100 }).records)).toEqual([500n]);
  });
});

describe('config changes', () => {
  it('apply to the active segment at once', async () => {
    const log = await open(new MemoryFileSystem(), {});
    await log.append(batchOf(1, 200), 0);
    log.updateConfig(logConfig({ segmentBytes: 300 }));
    await log.append(batchOf(1, 200), 0);
    expect(log.segmentBaseOffsets()).toEqual([0n, 1n]);
  });
});

describe('file descriptors', () => {
  it('keeps one open file per inactive segment, and for the active one its log and the index files it wrote to', async () => {
    const fs = new MemoryFileSystem();
    const log = await open(fs, { segmentBytes: 300, indexIntervalBytes: 50 });
    expect(fs.openHandles).toBe(1); // a new segment's index files are created with their first entry
    for (let i = 0; i < 20; i++) await log.append(batchOf(1, 100), 0);
    await log.rollFlushesDone(); // rolled segments are fsynced in the background, then release their index files
    expect(log.segmentCount).toBeGreaterThan(5);
    expect(fs.openHandles).toBeGreaterThanOrEqual(log.segmentCount);
    expect(fs.openHandles).toBeLessThanOrEqual(log.segmentCount + 2);
    // Truncation makes a released segment active again; its index files reopen when written.
    await log.truncateTo(3n);
    expect(fs.openHandles).toBeGreaterThanOrEqual(log.segmentCount);
    expect(fs.openHandles).toBeLessThanOrEqual(log.segmentCount + 2);
    await log.append(batchOf(1, 100), 0);
    expect(log.read(3n, { maxBytes: 1 }).records.readBigInt64BE(0)).toBe(3n);
    await log.close();
    expect(fs.openHandles).toBe(0);
    const reopened = await PartitionLog.open({ fs, dir: DIR, config: logConfig({ segmentBytes: 300 }), cleanShutdown: false });
    expect(fs.openHandles).toBeGreaterThanOrEqual(reopened.segmentCount);
    expect(fs.openHandles).toBeLessThanOrEqual(reopened.segmentCount + 2);
  });
});
