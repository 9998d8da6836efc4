// Kafka's on-disk names: 20-digit zero-padded base offsets, the segment file suffixes, and
// `<topic>-<partition>` directory names.

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
/** Appended to a segment's files when retention removes it; the files go later. */
export const DELETED_SUFFIX = '.deleted';
/** Compaction writes its output under this suffix first ... */
export const CLEANED_SUFFIX = '.cleaned';
/** ... then renames it to this one once complete, so recovery can finish the swap. */
export const SWAP_SUFFIX = '.swap';
export const TMP_SUFFIX = '.tmp';
/** Appended (after a uuid) to a partition directory that is being deleted. */
export const DELETE_DIR_SUFFIX = '-delete';

export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';
export const META_PROPERTIES_FILE = 'meta.properties';
export const PARTITION_METADATA_FILE = 'partition.metadata';
export const LEADER_EPOCH_CHECKPOINT_FILE = 'leader-epoch-checkpoint';
export const RECOVERY_POINT_CHECKPOINT_FILE = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT_FILE = 'log-start-offset-checkpoint';
export const REPLICATION_OFFSET_CHECKPOINT_FILE = 'replication-offset-checkpoint';
export const CLEANER_OFFSET_CHECKPOINT_FILE = 'cleaner-offset-checkpoint';

export function offsetFileName(baseOffset: bigint, suffix: string): string {
  return baseOffset.toString().padStart(20, '0') + suffix;
}

/** The base offset a segment file name encodes, or null when the name is not `<20 digits><suffix>`. */
export function parseOffsetFileName(name: string, suffix: string): bigint | null {
  if (!name.endsWith(suffix)) return null;
  const digits = name.slice(0, name.length - suffix.length);
  return /^\d{20}$/.test(digits) ? BigInt(digits) : null;
}

export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** Splits `<topic>-<partition>` at its last dash; topics may contain dashes themselves. */
export function parsePartitionDirName(name: string): { topic: string; partition: number } | null {
  const dash = name.lastIndexOf('-');
  if (dash <= 0) return null;
  const digits = name.slice(dash + 1);
  if (!/^\d+$/.test(digits)) return null;
  return { topic: name.slice(0, dash), partition: Number(digits) };
}

export function joinPath(...parts: string[]): string {
  return parts.join('/').replace(/\/+/g, '/');
}

export function parentDir(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}
