// The data directory: one PartitionLog per `<topic>-<partition>/`, `meta.properties`, the
// offset checkpoint files, and the clean-shutdown marker. The broker calls `maintenance()`
// periodically; tests call it directly with a controlled clock.

import { randomBytes } from 'node:crypto';
import {
  parseProperties,
  readOffsetCheckpoint,
  readTextFile,
  writeFileAtomic,
  writeOffsetCheckpoint,
  type PartitionOffset,
} from './checkpoint-file.js';
import {
  CLEAN_SHUTDOWN_FILE,
  DELETE_DIR_SUFFIX,
  LOG_START_OFFSET_CHECKPOINT_FILE,
  META_PROPERTIES_FILE,
  PARTITION_METADATA_FILE,
  RECOVERY_POINT_CHECKPOINT_FILE,
  REPLICATION_OFFSET_CHECKPOINT_FILE,
  CLEANER_OFFSET_CHECKPOINT_FILE,
  joinPath,
  parsePartitionDirName,
  partitionDirName,
  parentDir,
} from './file-names.js';
import { compactLog, dirtyRatio, type CompactionStats } from './compaction.js';
import { PartitionLog } from './log.js';
import { DEFAULT_LOG_CONFIG, systemClock, type Clock, type FileSystem, type LogConfig } from './types.js';

/** A random Kafka Uuid in its string form: 16 bytes, base64url without padding. */
export function randomKafkaUuid(): string {
  for (;;) {
    const text = randomBytes(16).toString('base64url');
    // Kafka never hands out ids that start with '-' (they read as command-line flags).
    if (!text.startsWith('-') && text !== 'AAAAAAAAAAAAAAAAAAAAAA' && text !== 'AAAAAAAAAAAAAAAAAAAAAQ') return text;
  }
}

/** The broker epoch in a clean-shutdown marker; -1n when absent or unreadable (older files are empty). */
function readBrokerEpoch(text: string): bigint {
  const match = text.match(/"brokerEpoch"\s*:\s*(-?\d+)/);
  return match ? BigInt(match[1]!) : -1n;
}

export interface LogManagerOptions {
  fs: FileSystem;
  dataDir: string;
  nodeId: number;
  clusterId: string;
  clock?: Clock;
  /** Config of a topic's logs; Kafka's defaults when absent. Used at load and creation. */
  configFor?: (topic: string) => LogConfig;
}

export interface ManagedLog {
  topic: string;
  partition: number;
  topicId: string | null;
  log: PartitionLog;
}

export class MetaPropertiesMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetaPropertiesMismatchError';
  }
}

interface PendingRemoval {
  paths: string[];
  dueMs: number;
}

export class LogManager {
  private readonly logs = new Map<string, ManagedLog>();
  private pendingRemovals: PendingRemoval[] = [];
  private readonly cleaning = new WeakSet<PartitionLog>();
  private readonly firstDirtyOffsets = new WeakMap<PartitionLog, bigint>();
  /** When kept tombstones of a compacted log become removable: a reason to clean it again. */
  private readonly deleteHorizons = new WeakMap<PartitionLog, bigint>();
  /** Failed background passes, for the broker to log; each is retried on its next run. */
  readonly cleanerErrors: { log: string; error: Error }[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  /** One-shot timers of scheduled file removals (only while removals run on timers). */
  private readonly removalTimers = new Set<NodeJS.Timeout>();
  private removalsOnTimers = false;
  /** Broker epoch recorded by the previous clean shutdown (KIP-966), or -1n. */
  previousBrokerEpoch = -1n;
  private readonly fs: FileSystem;
  private readonly clock: Clock;
  readonly dataDir: string;
  /** Whether the previous process left the clean-shutdown marker. */
  hadCleanShutdown = false;
  directoryId = '';

  private constructor(private readonly options: LogManagerOptions) {
    this.fs = options.fs;
    this.clock = options.clock ?? systemClock;
    this.dataDir = options.dataDir;
  }

  static async open(options: LogManagerOptions): Promise<LogManager> {
    const manager = new LogManager(options);
    await manager.load();
    return manager;
  }

  private path(name: string): string {
    return joinPath(this.dataDir, name);
  }

  private configFor(topic: string): LogConfig {
    return this.options.configFor?.(topic) ?? { ...DEFAULT_LOG_CONFIG };
  }

  private async load(): Promise<void> {
    const fs = this.fs;
    fs.mkdir(this.dataDir);
    await this.loadMetaProperties();
    const markerPath = this.path(CLEAN_SHUTDOWN_FILE);
    this.hadCleanShutdown = fs.exists(markerPath);
    if (this.hadCleanShutdown) this.previousBrokerEpoch = readBrokerEpoch(readTextFile(fs, markerPath) ?? '');
    const recoveryPoints = readOffsetCheckpoint(fs, this.path(RECOVERY_POINT_CHECKPOINT_FILE));
    const startOffsets = readOffsetCheckpoint(fs, this.path(LOG_START_OFFSET_CHECKPOINT_FILE));
    const highWatermarks = readOffsetCheckpoint(fs, this.path(REPLICATION_OFFSET_CHECKPOINT_FILE));
    const cleanerOffsets = readOffsetCheckpoint(fs, this.path(CLEANER_OFFSET_CHECKPOINT_FILE));
    for (const name of fs.list(this.dataDir)) {
      const dir = this.path(name);
      if (!fs.isDirectory(dir)) continue;
      if (name.endsWith(DELETE_DIR_SUFFIX)) {
        fs.remove(dir); // a deletion the previous process did not finish
        continue;
      }
      const parsed = parsePartitionDirName(name);
      if (!parsed) continue;
      const log = await this.openLog(dir, parsed.topic, {
        cleanShutdown: this.hadCleanShutdown,
        recoveryPoint: recoveryPoints.get(name) ?? 0n,
        logStartOffset: startOffsets.get(name) ?? 0n,
        highWatermark: highWatermarks.get(name) ?? 0n,
      });
      this.logs.set(name, { ...parsed, topicId: this.readTopicId(dir), log });
      const firstDirty = cleanerOffsets.get(name);
      if (firstDirty !== undefined) this.firstDirtyOffsets.set(log, firstDirty);
    }
    // From here on a crash is an unclean shutdown.
    if (this.hadCleanShutdown) {
      fs.remove(markerPath);
      await fs.syncDirectory(this.dataDir);
    }
  }

  private openLog(dir: string, topic: string, state: Pick<Parameters<typeof PartitionLog.open>[0], 'cleanShutdown' | 'recoveryPoint' | 'logStartOffset' | 'highWatermark'>): Promise<PartitionLog> {
    return PartitionLog.open({
      fs: this.fs,
      dir,
      config: this.configFor(topic),
      clock: this.clock,
      ...state,
      onFilesDeleted: (paths) => this.scheduleRemoval(paths, this.configFor(topic).fileDeleteDelayMs),
    });
  }

  private async loadMetaProperties(): Promise<void> {
    const path = this.path(META_PROPERTIES_FILE);
    const text = readTextFile(this.fs, path);
    if (text !== null) {
      const props = parseProperties(text);
      const nodeId = props.get('node.id');
      const clusterId = props.get('cluster.id');
      if (nodeId !== undefined && nodeId !== String(this.options.nodeId)) {
        throw new MetaPropertiesMismatchError(`${path} has node.id=${nodeId}, configured ${this.options.nodeId}`);
      }
      if (clusterId !== undefined && clusterId !== this.options.clusterId) {
        throw new MetaPropertiesMismatchError(`${path} has cluster.id=${clusterId}, configured ${this.options.clusterId}`);
      }
      const directoryId = props.get('directory.id');
      if (directoryId) {
        this.directoryId = directoryId;
        return;
      }
    }
    this.directoryId = randomKafkaUuid();
    const content =
      `#\n#${new Date(this.clock.now()).toUTCString()}\n` +
      `node.id=${this.options.nodeId}\ndirectory.id=${this.directoryId}\nversion=1\ncluster.id=${this.options.clusterId}\n`;
    await writeFileAtomic(this.fs, path, content);
  }

  private readTopicId(dir: string): string | null {
    const text = readTextFile(this.fs, joinPath(dir, PARTITION_METADATA_FILE));
    const match = text?.match(/^topic_id: *(\S+)$/m);
    return match ? match[1]! : null;
  }

  // ---- logs ----

  getLog(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(partitionDirName(topic, partition))?.log;
  }

  allLogs(): ManagedLog[] {
    return [...this.logs.values()];
  }

  /** Creates the partition's directory and log, or returns the existing one. */
  async createLog(topic: string, partition: number, topicId: string | null, config?: LogConfig): Promise<PartitionLog> {
    const name = partitionDirName(topic, partition);
    const existing = this.logs.get(name);
    if (existing) return existing.log;
    const dir = this.path(name);
    const fresh = !this.fs.exists(dir);
    this.fs.mkdir(dir);
    if (topicId !== null) {
      const path = joinPath(dir, PARTITION_METADATA_FILE);
      const content = `version: 0\ntopic_id: ${topicId}\n`;
      if (fresh) this.writeInNewDirectory(path, content);
      else await writeFileAtomic(this.fs, path, content);
    }
    const log = await this.openLog(dir, topic, { cleanShutdown: true });
    if (config) log.updateConfig(config);
    this.logs.set(name, { topic, partition, topicId, log });
    // Kafka makes a new partition's directory durable later too (its first flush fsyncs the
    // parent); the creations of one CreateTopics share one fsync of the data directory.
    this.inBackground(this.syncDirectorySoon(this.dataDir));
    return log;
  }

  /**
   * Writes a file into a directory created just now, where there is no old version to keep: no
   * temporary file and rename (each file created costs ~0.6 ms of CPU on the benchmark machine,
   * which 10,000 partitions multiply), and the fsync runs in the background, as Kafka defers the
   * flush of partition.metadata to its scheduler.
   */
  private writeInNewDirectory(path: string, content: string): void {
    const handle = this.fs.open(path, true);
    handle.append(Buffer.from(content, 'utf8'));
    this.inBackground(
      handle
        .sync()
        .then(() => this.syncDirectorySoon(parentDir(path)))
        .finally(() => handle.close()),
    );
  }

  private readonly pendingDirectorySyncs = new Map<string, Promise<void>>();
  private readonly backgroundWork = new Set<Promise<void>>();

  /** An fsync of `dir` shared by every caller until it starts: one fsync for many creations. */
  private syncDirectorySoon(dir: string): Promise<void> {
    let pending = this.pendingDirectorySyncs.get(dir);
    if (pending === undefined) {
      pending = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.pendingDirectorySyncs.delete(dir);
        return this.fs.syncDirectory(dir);
      });
      this.pendingDirectorySyncs.set(dir, pending);
    }
    return pending;
  }

  /** Durability work nobody waits for; shutdown does, and failures are reported like the cleaner's. */
  private inBackground(work: Promise<void>): void {
    const tracked = work
      .catch((error: unknown) => void this.cleanerErrors.push({ log: '*', error: error as Error }))
      .finally(() => this.backgroundWork.delete(tracked));
    this.backgroundWork.add(tracked);
  }

  /** Resolves once the background fsyncs started so far have finished. */
  async settled(): Promise<void> {
    while (this.backgroundWork.size > 0) await Promise.all([...this.backgroundWork]);
  }

  /**
   * Kafka's delete: the directory is renamed to `<topic>-<partition>.<uuid>-delete` at once (so
   * a restart never loads it) and removed after file.delete.delay.ms.
   */
  async deleteLog(topic: string, partition: number): Promise<boolean> {
    const name = partitionDirName(topic, partition);
    const managed = this.logs.get(name);
    if (!managed) return false;
    this.logs.delete(name);
    await this.settled();
    await managed.log.closeHandles();
    const renamed = this.path(`${name}.${randomBytes(16).toString('hex')}${DELETE_DIR_SUFFIX}`);
    this.fs.rename(this.path(name), renamed);
    await this.fs.syncDirectory(this.dataDir);
    this.scheduleRemoval([renamed], managed.log.config.fileDeleteDelayMs);
    await this.writeCheckpoints();
    return true;
  }

  private scheduleRemoval(paths: string[], delayMs: number): void {
    const removal = { paths, dueMs: this.clock.now() + delayMs };
    this.pendingRemovals.push(removal);
    // Kafka schedules each removal at its own delay; the maintenance round (every 5 minutes)
    // only catches what a timer missed. With file.delete.delay.ms=0 a deleted topic's files, and
    // their page cache, stayed until the next round.
    if (this.removalsOnTimers) this.armRemovalTimer(removal, delayMs);
  }

  private armRemovalTimer(removal: PendingRemoval, delayMs: number): void {
    const timer = setTimeout(() => {
      this.removalTimers.delete(timer);
      try {
        this.removeDueFiles();
      } catch (error) {
        // The maintenance round tries again; a timer must not take the process down.
        this.cleanerErrors.push({ log: '*', error: error as Error });
        return;
      }
      // A timer may fire a little before the clock says the removal is due: wait the rest.
      if (this.removalsOnTimers && this.pendingRemovals.includes(removal)) {
        this.armRemovalTimer(removal, Math.max(1, removal.dueMs - this.clock.now()));
      }
    }, delayMs);
    timer.unref();
    this.removalTimers.add(timer);
  }

  /** Removes `.deleted` segment files and `-delete` directories whose delay has passed. */
  removeDueFiles(): number {
    const now = this.clock.now();
    const due = this.pendingRemovals.filter((p) => p.dueMs <= now);
    this.pendingRemovals = this.pendingRemovals.filter((p) => p.dueMs > now);
    for (const { paths } of due) for (const path of paths) this.fs.remove(path);
    return due.length;
  }

  // ---- periodic work ----

  /** Retention on every log; returns the number of segments deleted. */
  async runRetention(): Promise<number> {
    let deleted = 0;
    for (const { log } of this.logs.values()) deleted += await log.deleteOldSegments();
    return deleted;
  }

  /**
   * One cleaner pass over every compacted log whose dirty ratio reaches
   * min.cleanable.dirty.ratio; a log already being cleaned is skipped. Errors of one log (for
   * instance a segment deleted by retention mid-pass) do not stop the others.
   */
  async runCompaction(): Promise<Map<string, CompactionStats>> {
    const results = new Map<string, CompactionStats>();
    for (const [name, { log }] of this.logs) {
      if (!log.config.cleanupPolicy.includes('compact') || this.cleaning.has(log)) continue;
      const inactive = log.inactiveSegments();
      const firstDirty = this.firstDirtyOffsets.get(log) ?? log.logStartOffset;
      const horizon = this.deleteHorizons.get(log);
      const tombstonesDue = horizon !== undefined && BigInt(this.clock.now()) >= horizon;
      if (!tombstonesDue && dirtyRatio(inactive, firstDirty) < log.config.minCleanableDirtyRatio) continue;
      this.cleaning.add(log);
      try {
        const stats = await compactLog(log, this.clock.now());
        results.set(name, stats);
        if (stats.cleanedUpTo !== null) this.firstDirtyOffsets.set(log, stats.cleanedUpTo);
        if (stats.nextDeleteHorizon !== null) this.deleteHorizons.set(log, stats.nextDeleteHorizon);
        else this.deleteHorizons.delete(log);
      } catch (err) {
        this.cleanerErrors.push({ log: name, error: err as Error });
      } finally {
        this.cleaning.delete(log);
      }
    }
    return results;
  }

  /**
   * One round of background work: flush.ms flushes, retention, delayed file removal,
   * checkpoints, then a cleaner pass (last, so a long compaction never delays the rest).
   */
  async maintenance(): Promise<void> {
    for (const { log } of this.logs.values()) await log.maybeFlush();
    await this.runRetention();
    this.removeDueFiles();
    await this.writeCheckpoints();
    await this.runCompaction();
  }

  /** Writes the offset checkpoint files of the data directory, atomically. */
  async writeCheckpoints(): Promise<void> {
    const entries = (value: (log: PartitionLog) => bigint): PartitionOffset[] =>
      [...this.logs.values()].map(({ topic, partition, log }) => ({ topic, partition, offset: value(log) }));
    await writeOffsetCheckpoint(this.fs, this.path(RECOVERY_POINT_CHECKPOINT_FILE), entries((l) => l.recoveryPoint));
    await writeOffsetCheckpoint(this.fs, this.path(LOG_START_OFFSET_CHECKPOINT_FILE), entries((l) => l.logStartOffset));
    await writeOffsetCheckpoint(this.fs, this.path(REPLICATION_OFFSET_CHECKPOINT_FILE), entries((l) => l.highWatermark));
    // Where each compacted log's cleaner stopped, as Kafka's cleaner-offset-checkpoint.
    const cleaned = [...this.logs.values()].filter(({ log }) => this.firstDirtyOffsets.has(log));
    await writeOffsetCheckpoint(
      this.fs,
      this.path(CLEANER_OFFSET_CHECKPOINT_FILE),
      cleaned.map(({ topic, partition, log }) => ({ topic, partition, offset: this.firstDirtyOffsets.get(log)! })),
    );
  }

  /**
   * Clean shutdown: flush and close every log, write checkpoints, then the marker, which (as
   * in Kafka 3.9, KIP-966) records the broker epoch as `{"version":0,"brokerEpoch":N}`.
   */
  async shutdown(brokerEpoch = -1n): Promise<void> {
    this.stopScheduler();
    await this.settled();
    for (const { log } of this.logs.values()) await log.close();
    await this.writeCheckpoints();
    await writeFileAtomic(this.fs, this.path(CLEAN_SHUTDOWN_FILE), `{"version":0,"brokerEpoch":${brokerEpoch}}`);
  }

  /**
   * Runs the periodic work on timers (unref'd, never overlapping): flush checks, delayed file
   * removal and checkpoints every `checkpointIntervalMs`, retention every
   * `retentionCheckIntervalMs`, the cleaner every `cleanerBackoffMs`. Kafka's defaults.
   */
  startScheduler(intervals: { checkpointIntervalMs?: number; retentionCheckIntervalMs?: number; cleanerBackoffMs?: number } = {}): void {
    this.stopScheduler();
    this.setRemovalsOnTimers(true);
    const every = (ms: number, task: () => Promise<unknown>) => {
      let running = false;
      const timer = setInterval(() => {
        if (running) return;
        running = true;
        task()
          .catch((error: unknown) => this.cleanerErrors.push({ log: '*', error: error as Error }))
          .finally(() => (running = false));
      }, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(intervals.checkpointIntervalMs ?? 60_000, async () => {
      for (const { log } of this.logs.values()) await log.maybeFlush();
      this.removeDueFiles();
      await this.writeCheckpoints();
    });
    every(intervals.retentionCheckIntervalMs ?? 300_000, () => this.runRetention());
    every(intervals.cleanerBackoffMs ?? 15_000, () => this.runCompaction());
  }

  /**
   * Removes each scheduled file when its delay passes, on a timer of its own (the scheduler
   * turns this on; a broker running its own maintenance rounds calls it). Off: only
   * removeDueFiles() removes them.
   */
  setRemovalsOnTimers(on: boolean): void {
    this.removalsOnTimers = on;
    if (on) return;
    for (const timer of this.removalTimers) clearTimeout(timer);
    this.removalTimers.clear();
  }

  stopScheduler(): void {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    this.setRemovalsOnTimers(false);
  }
}
