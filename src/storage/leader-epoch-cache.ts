// Which leader epoch started at which offset, persisted as `leader-epoch-checkpoint`
// (version line, count line, then `epoch startOffset` lines). Followers use it to find
// where their log diverges from the leader's (OffsetForLeaderEpoch).

import { formatCheckpoint, readCheckpoint, writeFileAtomic } from './checkpoint-file.js';
import type { FileSystem } from './types.js';

export interface EpochEntry {
  epoch: number;
  startOffset: bigint;
}

export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1n;

export class LeaderEpochCache {
  private entries: EpochEntry[];

  constructor(private readonly fs: FileSystem, private readonly path: string) {
    this.entries = readCheckpoint(fs, path, 2).map(([epoch, offset]) => ({ epoch: Number(epoch), startOffset: BigInt(offset!) }));
  }

  all(): readonly EpochEntry[] {
    return this.entries;
  }

  latestEpoch(): number {
    return this.entries.at(-1)?.epoch ?? UNDEFINED_EPOCH;
  }

  /** Epoch of the entry covering `offset`, or UNDEFINED_EPOCH. */
  epochForOffset(offset: bigint): number {
    let epoch = UNDEFINED_EPOCH;
    for (const entry of this.entries) {
      if (entry.startOffset > offset) break;
      epoch = entry.epoch;
    }
    return epoch;
  }

  /** Records that `epoch` starts at `startOffset`; older or equal epochs are ignored. Returns true on change. */
  assign(epoch: number, startOffset: bigint): boolean {
    const latest = this.entries.at(-1);
    if (latest && latest.epoch >= epoch) return false;
    this.entries = this.entries.filter((e) => e.startOffset < startOffset);
    this.entries.push({ epoch, startOffset });
    return true;
  }

  /**
   * Kafka's endOffsetFor: the largest epoch <= `requested` and the offset where the next higher
   * epoch starts (or the log end offset when `requested` is the latest epoch).
   */
  endOffsetFor(requested: number, logEndOffset: bigint): EpochEntry {
    const undefinedAnswer = { epoch: UNDEFINED_EPOCH, startOffset: UNDEFINED_EPOCH_OFFSET };
    if (requested === UNDEFINED_EPOCH) return undefinedAnswer;
    if (requested === this.latestEpoch()) return { epoch: requested, startOffset: logEndOffset };
    const higher = this.entries.find((e) => e.epoch > requested);
    if (!higher) return undefinedAnswer;
    const floor = this.entries.filter((e) => e.epoch <= requested).at(-1);
    return { epoch: floor ? floor.epoch : requested, startOffset: higher.startOffset };
  }

  /** Drops entries starting at or after `endOffset` (log truncated to it). Returns true on change. */
  truncateFromEnd(endOffset: bigint): boolean {
    const kept = this.entries.filter((e) => e.startOffset < endOffset);
    const changed = kept.length !== this.entries.length;
    this.entries = kept;
    return changed;
  }

  /** Log start moved to `startOffset`: the entry covering it now starts there. Returns true on change. */
  truncateFromStart(startOffset: bigint): boolean {
    let covering = -1;
    for (let i = 0; i < this.entries.length && this.entries[i]!.startOffset <= startOffset; i++) covering = i;
    if (covering < 0 || (covering === 0 && this.entries[0]!.startOffset === startOffset)) return false;
    const kept = this.entries.slice(covering);
    kept[0] = { epoch: kept[0]!.epoch, startOffset };
    this.entries = kept;
    return true;
  }

  clear(): void {
    this.entries = [];
  }

  flush(): Promise<void> {
    return writeFileAtomic(this.fs, this.path, formatCheckpoint(this.entries.map((e) => `${e.epoch} ${e.startOffset}`)));
  }
}
