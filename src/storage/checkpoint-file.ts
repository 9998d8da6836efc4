// Small text files Kafka keeps beside the logs: written whole and atomically (tmp file,
// fsync, rename, fsync of the directory), so a crash leaves the old or the new version.
// Checkpoint format: a version line `0`, a count line, then one entry per line.

import { TMP_SUFFIX, parentDir } from './file-names.js';
import type { FileSystem } from './types.js';

export async function writeFileAtomic(fs: FileSystem, path: string, content: string): Promise<void> {
  const tmp = path + TMP_SUFFIX;
  fs.remove(tmp);
  const handle = fs.open(tmp, true);
  try {
    handle.append(Buffer.from(content, 'utf8'));
    await handle.sync();
  } finally {
    handle.close();
  }
  fs.rename(tmp, path);
  await fs.syncDirectory(parentDir(path));
}

export function readTextFile(fs: FileSystem, path: string): string | null {
  if (!fs.exists(path)) return null;
  const handle = fs.open(path, false);
  try {
    return handle.read(0, handle.size()).toString('utf8');
  } finally {
    handle.close();
  }
}

export class MalformedCheckpointError extends Error {
  constructor(path: string, reason: string) {
    super(`malformed checkpoint ${path}: ${reason}`);
    this.name = 'MalformedCheckpointError';
  }
}

export const CHECKPOINT_VERSION = 0;

export function formatCheckpoint(entries: readonly string[]): string {
  return `${CHECKPOINT_VERSION}\n${entries.length}\n${entries.map((e) => e + '\n').join('')}`;
}

/** The entry lines of a checkpoint file, each split on spaces; [] when the file is missing. */
export function readCheckpoint(fs: FileSystem, path: string, fieldsPerEntry: number): string[][] {
  const text = readTextFile(fs, path);
  if (text === null) return [];
  const lines = text.split('\n').filter((line) => line.length > 0);
  if (lines[0] !== String(CHECKPOINT_VERSION)) throw new MalformedCheckpointError(path, `version ${lines[0]}`);
  const count = Number(lines[1]);
  if (!Number.isInteger(count) || lines.length !== count + 2) {
    throw new MalformedCheckpointError(path, `count ${lines[1]} but ${lines.length - 2} entries`);
  }
  return lines.slice(2).map((line) => {
    const fields = line.split(' ');
    if (fields.length !== fieldsPerEntry) throw new MalformedCheckpointError(path, `entry "${line}"`);
    return fields;
  });
}

export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: bigint;
}

/** recovery-point-offset-checkpoint, log-start-offset-checkpoint, replication-offset-checkpoint. */
export function writeOffsetCheckpoint(fs: FileSystem, path: string, entries: readonly PartitionOffset[]): Promise<void> {
  return writeFileAtomic(fs, path, formatCheckpoint(entries.map((e) => `${e.topic} ${e.partition} ${e.offset}`)));
}

export function readOffsetCheckpoint(fs: FileSystem, path: string): Map<string, bigint> {
  const offsets = new Map<string, bigint>();
  for (const [topic, partition, offset] of readCheckpoint(fs, path, 3)) {
    offsets.set(`${topic}-${partition}`, BigInt(offset!));
  }
  return offsets;
}

/** Parses a Java-style `key=value` properties file (meta.properties). */
export function parseProperties(text: string): Map<string, string> {
  const props = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const eq = line.indexOf('=');
    if (eq > 0) props.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return props;
}
