import { describe, expect, it, vi } from 'vitest';
import { parseProperties } from '../../../src/storage/checkpoint-file.js';
import { LogManager, MetaPropertiesMismatchError, randomKafkaUuid } from '../../../src/storage/log-manager.js';
import { MemoryFileSystem } from '../../../src/storage/memory-fs.js';
import { logConfig, type LogConfig } from '../../../src/storage/types.js';
import { batchOf } from './batch-builder.js';

const DATA = '/var/kafka';
const HOUR = 3_600_000;

function setup(config: Partial<LogConfig> = {}) {
  const fs = new MemoryFileSystem();
  let now = 1_700_000_000_000;
  const clock = { now: () => now };
  const advance = (ms: number) => (now += ms);
  const open = () => LogManager.open({ fs, dataDir: DATA, nodeId: 1, clusterId: 'MkU3OEVBNTcwNTJENDM2Qk', clock, configFor: () => logConfig(config) });
  return { fs, clock, advance, open };
}

const text = (fs: MemoryFileSystem, path: string) => fs.readFile(path).toString('utf8');

describe('LogManager', () => {
  it('writes meta.properties once and refuses a data dir of another node', async () => {
    const { fs, open } = setup();
    const manager = await open();
    const props = parseProperties(text(fs, `${DATA}/meta.properties`));
    expect(props.get('version')).toBe('1');
    expect(props.get('node.id')).toBe('1');
    expect(props.get('cluster.id')).toBe('MkU3OEVBNTcwNTJENDM2Qk');
    expect(props.get('directory.id')).toBe(manager.directoryId);
    expect(manager.directoryId).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    expect((await open()).directoryId).toBe(manager.directoryId);
    await expect(LogManager.open({ fs, dataDir: DATA, nodeId: 2, clusterId: 'MkU3OEVBNTcwNTJENDM2Qk' })).rejects.toThrow(MetaPropertiesMismatchError);
  });

  it('shuts down cleanly with checkpoints and marker, and reloads every partition', async () => {
    const { fs, open } = setup();
    const manager = await open();
    const topicId = randomKafkaUuid();
    const a = await manager.createLog('my-topic', 0, topicId);
    const b = await manager.createLog('my-topic', 1, topicId);
    for (let i = 0; i < 5; i++) await a.append(batchOf(2), 0);
    await b.append(batchOf(1), 0);
    a.updateHighWatermark(8n);
    expect(text(fs, `${DATA}/my-topic-0/partition.metadata`)).toBe(`version: 0\ntopic_id: ${topicId}\n`);
    await manager.shutdown(42n);
    expect(text(fs, `${DATA}/.kafka_cleanshutdown`)).toBe('{"version":0,"brokerEpoch":42}');
    expect(text(fs, `${DATA}/recovery-point-offset-checkpoint`)).toBe('0\n2\nmy-topic 0 10\nmy-topic 1 1\n');
    expect(text(fs, `${DATA}/replication-offset-checkpoint`)).toBe('0\n2\nmy-topic 0 8\nmy-topic 1 0\n');
    expect(text(fs, `${DATA}/log-start-offset-checkpoint`)).toBe('0\n2\nmy-topic 0 0\nmy-topic 1 0\n');

    const again = await open();
    expect(again.hadCleanShutdown).toBe(true);
    expect(again.previousBrokerEpoch).toBe(42n);
    expect(fs.exists(`${DATA}/.kafka_cleanshutdown`)).toBe(false);
    expect(again.allLogs().map((l) => [l.topic, l.partition, l.topicId])).toEqual([['my-topic', 0, topicId], ['my-topic', 1, topicId]]);
    expect(again.getLog('my-topic', 0)!.logEndOffset).toBe(10n);
    expect(again.getLog('my-topic', 0)!.highWatermark).toBe(8n);
    expect(again.getLog('my-topic', 0)!.recovery.segmentsRecovered).toBe(0);
  });

  it('recovers after a crash: rescans, keeps what rolls flushed', async () => {
    const { fs, open } = setup({ segmentBytes: 300 });
    const manager = await open();
    const log = await manager.createLog('t', 0, null);
    for (let i = 0; i < 10; i++) await log.append(batchOf(1, 100), 0);
    await log.rollFlushesDone();
    const flushed = log.recoveryPoint;
    expect(flushed).toBeGreaterThan(0n);
    await manager.writeCheckpoints();
    fs.crash('drop-unsynced');
    const again = await open();
    expect(again.hadCleanShutdown).toBe(false);
    const recovered = again.getLog('t', 0)!;
    expect(recovered.logEndOffset).toBeGreaterThanOrEqual(flushed);
    expect(recovered.recovery.segmentsRecovered).toBeGreaterThan(0);
  });

  it('deletes a partition by renaming its directory, then removing it after the delay', async () => {
    const { fs, open, advance } = setup({ fileDeleteDelayMs: 1000 });
    const manager = await open();
    await (await manager.createLog('gone', 3, null)).append(batchOf(1), 0);
    expect(await manager.deleteLog('gone', 3)).toBe(true);
    const leftovers = fs.list(DATA).filter((n) => n.startsWith('gone-3'));
    expect(leftovers).toHaveLength(1);
    expect(leftovers[0]).toMatch(/^gone-3\.[0-9a-f]{32}-delete$/);
    expect(manager.getLog('gone', 3)).toBeUndefined();
    advance(999);
    manager.removeDueFiles();
    expect(fs.exists(`${DATA}/${leftovers[0]}`)).toBe(true);
    advance(1);
    manager.removeDueFiles();
    expect(fs.exists(`${DATA}/${leftovers[0]}`)).toBe(false);
  });

  it('with the scheduler running, removes a deleted partition when its delay passes, not at the next checkpoint round', async () => {
    // Timers and Date only: the log's queue runs on microtasks and setImmediate.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    try {
      const fs = new MemoryFileSystem();
      // The manager's clock follows the fake timers, as the broker's wall clock does.
      const manager = await LogManager.open({ fs, dataDir: DATA, nodeId: 1, clusterId: 'MkU3OEVBNTcwNTJENDM2Qk', clock: { now: () => Date.now() }, configFor: () => logConfig({ fileDeleteDelayMs: 0 }) });
      await (await manager.createLog('gone', 0, null)).append(batchOf(1), 0);
      manager.startScheduler({ checkpointIntervalMs: 60_000 });
      expect(await manager.deleteLog('gone', 0)).toBe(true);
      expect(fs.list(DATA).filter((n) => n.startsWith('gone-0'))).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(fs.list(DATA).filter((n) => n.startsWith('gone-0'))).toHaveLength(0);
      manager.stopScheduler();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('skips and removes a -delete directory left by a crash', async () => {
    const { fs, open } = setup();
    fs.mkdir(`${DATA}/x-0.0123456789abcdef0123456789abcdef-delete`);
    const manager = await open();
    expect(manager.allLogs()).toHaveLength(0);
    expect(fs.list(DATA).some((n) => n.endsWith('-delete'))).toBe(false);
  });
});

describe('retention', () => {
  it('deletes segments past retention.ms by their largest timestamp, never the active one', async () => {
    const { fs, open, advance, clock } = setup({ segmentBytes: 250, retentionMs: 10 * HOUR, fileDeleteDelayMs: 60_000 });
    const manager = await open();
    const log = await manager.createLog('r', 0, null);
    for (let i = 0; i < 12; i++) {
      await log.append(batchOf(1, 100, BigInt(clock.now())), 0);
      advance(HOUR);
    }
    const bases = log.segmentBaseOffsets();
    expect(bases.length).toBeGreaterThan(4);
    expect(await manager.runRetention()).toBe(0); // high watermark still 0: nothing is deletable
    log.updateHighWatermark(log.logEndOffset);
    const deleted = await manager.runRetention();
    // Records were stamped 1..12 hours ago (one per hour, offset = hours since start); only
    // segments whose newest record is more than 10h old may go.
    const remaining = log.segmentBaseOffsets();
    const newestGone = remaining[0]! - 1n;
    expect(12n - newestGone).toBeGreaterThan(10n);
    expect(remaining.length).toBeGreaterThan(1);
    expect(deleted).toBe(bases.length - remaining.length);
    expect(remaining[0]! > 0n).toBe(true);
    expect(log.logStartOffset).toBe(remaining[0]);
    expect(fs.list(`${DATA}/r-0`).some((n) => n.endsWith('.log.deleted'))).toBe(true);
    advance(60_000);
    manager.removeDueFiles();
    expect(fs.list(`${DATA}/r-0`).some((n) => n.endsWith('.deleted'))).toBe(false);
    // Everything expired: all but the active segment go.
    advance(100 * HOUR);
    await manager.runRetention();
    expect(log.segmentCount).toBe(1);
    expect(log.logEndOffset).toBe(12n);
  });

  it('deletes the oldest segments while the log is over retention.bytes', async () => {
    const { open } = setup({ segmentBytes: 500, retentionMs: -1, retentionBytes: 1200 });
    const manager = await open();
    const log = await manager.createLog('b', 0, null);
    for (let i = 0; i < 30; i++) await log.append(batchOf(1, 100), 0);
    log.updateHighWatermark(30n);
    const before = log.size();
    await manager.runRetention();
    expect(log.size()).toBeLessThan(before);
    expect(log.size()).toBeGreaterThanOrEqual(1200 - 500);
    // One more segment removed would have put it under the limit.
    expect(log.size() - 500).toBeLessThan(1200);
  });
});

describe('scheduler', () => {
  it('runs checkpoints, retention and the cleaner on their intervals until stopped', async () => {
    vi.useFakeTimers();
    try {
      const { fs, open } = setup({ segmentBytes: 250, retentionBytes: 0, retentionMs: -1 });
      const manager = await open();
      const log = await manager.createLog('s', 0, null);
      for (let i = 0; i < 6; i++) await log.append(batchOf(1, 100), 0);
      log.updateHighWatermark(log.logEndOffset);
      const segments = log.segmentCount;
      manager.startScheduler({ checkpointIntervalMs: 1000, retentionCheckIntervalMs: 5000, cleanerBackoffMs: 2000 });
      expect(fs.exists(`${DATA}/recovery-point-offset-checkpoint`)).toBe(false);
      await vi.advanceTimersByTimeAsync(1000);
      expect(fs.exists(`${DATA}/recovery-point-offset-checkpoint`)).toBe(true);
      expect(log.segmentCount).toBe(segments);
      await vi.advanceTimersByTimeAsync(4000);
      expect(log.segmentCount).toBe(1); // retention.bytes=0: every inactive segment goes
      manager.stopScheduler();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
