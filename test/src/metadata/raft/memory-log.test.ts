import { describe, expect, it } from 'vitest';
import { InMemoryRaftLog } from '../../../../src/metadata/raft/memory-log.js';
import type { LogEntry } from '../../../../src/metadata/raft/types.js';

function entries(epochs: number[], from = 0): LogEntry[] {
  return epochs.map((epoch, i) => ({ offset: BigInt(from + i), epoch, payload: new Uint8Array([from + i]) }));
}

describe('InMemoryRaftLog', () => {
  it('answers the epoch cache: largest epoch <= asked, ending where the next epoch starts', () => {
    const log = new InMemoryRaftLog();
    log.append(entries([1, 1, 3, 3, 3, 5]));
    expect(log.endOffsetForEpoch(0)).toEqual({ epoch: -1, offset: 0n });
    expect(log.endOffsetForEpoch(1)).toEqual({ epoch: 1, offset: 2n });
    expect(log.endOffsetForEpoch(2)).toEqual({ epoch: 1, offset: 2n });
    expect(log.endOffsetForEpoch(4)).toEqual({ epoch: 3, offset: 5n });
    expect(log.endOffsetForEpoch(9)).toEqual({ epoch: 5, offset: 6n });
    expect(log.lastEpoch()).toBe(5);
  });

  it('rejects gaps and decreasing epochs on append', () => {
    const log = new InMemoryRaftLog();
    log.append(entries([2]));
    expect(() => log.append(entries([2], 2))).toThrow(/log end is 1/);
    expect(() => log.append(entries([1], 1))).toThrow(/epoch 1 after epoch 2/);
  });

  it('truncation drops entries and the epochs that only they held', () => {
    const log = new InMemoryRaftLog();
    log.append(entries([1, 1, 3, 3]));
    log.truncateTo(2n);
    expect(log.endOffset()).toBe(2n);
    expect(log.lastEpoch()).toBe(1);
    expect(log.endOffsetForEpoch(3)).toEqual({ epoch: 1, offset: 2n });
    log.append(entries([4], 2));
    expect(log.endOffsetForEpoch(3)).toEqual({ epoch: 1, offset: 2n });
  });

  it('deleting the prefix behind a snapshot keeps the snapshot epoch answerable', () => {
    const log = new InMemoryRaftLog();
    log.append(entries([1, 1, 2, 2, 4]));
    const id = { endOffset: 3n, epoch: 2 };
    log.writeSnapshot(id, new Uint8Array([9, 9]));
    log.deleteBeforeSnapshot(id);
    expect(log.startOffset()).toBe(3n);
    expect(log.read(3n, 10).map((e) => e.offset)).toEqual([3n, 4n]);
    expect(() => log.read(2n, 1)).toThrow(/below log start/);
    expect(log.earliestSnapshotId()).toEqual(id);
    expect(log.endOffsetForEpoch(2)).toEqual({ epoch: 2, offset: 4n });
    expect(log.endOffsetForEpoch(1)).toEqual({ epoch: -1, offset: 3n });
    expect(log.readSnapshot(id, 1n, 5)).toEqual({ size: 2n, bytes: new Uint8Array([9]) });
  });

  it('a snapshot that ends exactly at an epoch boundary still names its epoch', () => {
    const log = new InMemoryRaftLog();
    log.append(entries([1, 1, 3]));
    const id = { endOffset: 2n, epoch: 1 };
    log.writeSnapshot(id, new Uint8Array());
    log.deleteBeforeSnapshot(id);
    expect(log.endOffsetForEpoch(2)).toEqual({ epoch: 1, offset: 2n });
    expect(log.endOffsetForEpoch(3)).toEqual({ epoch: 3, offset: 3n });
  });

  it('resetting to a fetched snapshot empties the log at the snapshot end', () => {
    const log = new InMemoryRaftLog();
    log.append(entries([1, 2]));
    log.resetToSnapshot({ endOffset: 7n, epoch: 3 }, new Uint8Array([1]));
    expect(log.startOffset()).toBe(7n);
    expect(log.endOffset()).toBe(7n);
    expect(log.lastEpoch()).toBe(3);
    expect(log.latestSnapshotId()).toEqual({ endOffset: 7n, epoch: 3 });
    log.append(entries([4], 7));
    expect(log.endOffsetForEpoch(3)).toEqual({ epoch: 3, offset: 7n });
  });
});
