import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { buildUncompressedRecordBatch } from '../../../src/records/record-batch.js';
import { buildEndTxnMarkerBatch } from '../../../src/records/control-record.js';
import { assignOffsets } from '../../../src/records/validate.js';
import { ProducerStateManager, type LogSource } from '../../../src/replication/producer-state.js';
import { ProducerStateFiles, decodeSnapshot, encodeSnapshot } from '../../../src/replication/producer-snapshot.js';
import { MemoryFileSystem } from '../../../src/storage/memory-fs.js';

/** A one-segment log over `bytes` (batches with offsets assigned), readable from `start`. */
function source(bytes: Buffer, start = 0n): LogSource {
  let end = start;
  const offsets: { base: bigint; pos: number }[] = [];
  for (let pos = 0; pos < bytes.length; pos += 12 + bytes.readInt32BE(pos + 8)) {
    offsets.push({ base: bytes.readBigInt64BE(pos), pos });
    end = bytes.readBigInt64BE(pos) + BigInt(bytes.readInt32BE(pos + 23)) + 1n;
  }
  return {
    logStartOffset: start,
    logEndOffset: end,
    segmentBaseOffsets: () => [0n],
    readFrom: (offset) => {
      const at = offsets.find((o, i) => o.base <= offset && (offsets[i + 1]?.base ?? end) > offset);
      return at === undefined ? Buffer.alloc(0) : bytes.subarray(at.pos);
    },
  };
}

function batch(producerId: bigint, epoch: number, seq: number, count: number, transactional = false): Buffer {
  const records = Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`v${seq + i}`) }));
  return buildUncompressedRecordBatch(records, { producerId, producerEpoch: epoch, baseSequence: seq, transactional, timestamp: 1000n });
}

/** Appends as the log would: check, assign offsets, apply. */
function append(state: ProducerStateManager, next: { offset: bigint }, records: Buffer, origin: 'client' | 'internal' = 'client') {
  const check = state.check(records, origin);
  if (check.kind !== 'append') return check;
  const base = next.offset;
  next.offset = assignOffsets(records, base, 0);
  state.apply(records);
  return { kind: 'appended' as const, base };
}

describe('ProducerStateManager', () => {
  it('accepts in-order sequences and answers a retried batch with its first offsets', () => {
    const state = new ProducerStateManager();
    const next = { offset: 0n };
    expect(append(state, next, batch(7n, 0, 0, 3))).toEqual({ kind: 'appended', base: 0n });
    expect(append(state, next, batch(7n, 0, 3, 2))).toEqual({ kind: 'appended', base: 3n });
    expect(append(state, next, batch(7n, 0, 0, 3))).toEqual({ kind: 'duplicate', firstOffset: 0n, lastOffset: 2n });
    expect(next.offset).toBe(5n);
  });

  it('keeps only the last five batches for duplicate detection', () => {
    const state = new ProducerStateManager();
    const next = { offset: 0n };
    for (let i = 0; i < 6; i++) append(state, next, batch(1n, 0, i, 1));
    expect(state.check(batch(1n, 0, 5, 1), 'client').kind).toBe('duplicate');
    expect(state.check(batch(1n, 0, 1, 1), 'client').kind).toBe('duplicate');
    // The first batch fell out of the window: a retry of it is out of order.
    expect(state.check(batch(1n, 0, 0, 1), 'client')).toMatchObject({ kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
  });

  it('refuses gaps, stale epochs and a new epoch that does not start at 0', () => {
    const state = new ProducerStateManager();
    const next = { offset: 0n };
    append(state, next, batch(1n, 2, 0, 1));
    expect(state.check(batch(1n, 2, 5, 1), 'client')).toMatchObject({ errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    expect(state.check(batch(1n, 1, 1, 1), 'client')).toMatchObject({ errorCode: ErrorCode.INVALID_PRODUCER_EPOCH });
    expect(state.check(batch(1n, 3, 4, 1), 'client')).toMatchObject({ errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    expect(state.check(batch(1n, 3, 0, 1), 'client').kind).toBe('append');
  });

  it('accepts any first sequence from a producer it does not know (3.9 has no UNKNOWN_PRODUCER_ID here)', () => {
    const state = new ProducerStateManager();
    expect(state.check(batch(9n, 4, 42, 1), 'client').kind).toBe('append');
  });

  it('holds the last stable offset at an open transaction and indexes aborted ones', () => {
    const state = new ProducerStateManager();
    const next = { offset: 0n };
    append(state, next, batch(1n, 0, 0, 2)); // 0-1 plain
    append(state, next, batch(2n, 0, 0, 2, true)); // 2-3 txn of producer 2
    append(state, next, batch(3n, 0, 0, 1, true)); // 4 txn of producer 3
    expect(state.lastStableOffset(next.offset)).toBe(2n);
    append(state, next, buildEndTxnMarkerBatch({ producerId: 2n, producerEpoch: 0, coordinatorEpoch: 0, committed: false }), 'internal'); // 5
    expect(state.lastStableOffset(next.offset)).toBe(4n);
    expect(state.allAborted()).toEqual([{ producerId: 2n, firstOffset: 2n, lastOffset: 5n, lastStableOffset: 4n }]);
    append(state, next, buildEndTxnMarkerBatch({ producerId: 3n, producerEpoch: 0, coordinatorEpoch: 0, committed: true }), 'internal'); // 6
    expect(state.lastStableOffset(next.offset)).toBe(7n);
    expect(state.abortedTransactions(0n, 2n)).toEqual([]);
    expect(state.abortedTransactions(3n, 4n)).toHaveLength(1);
    expect(state.abortedTransactions(6n, 7n)).toEqual([]);
    // A marker with an older producer epoch is refused.
    append(state, next, batch(2n, 1, 0, 1, true));
    expect(state.check(buildEndTxnMarkerBatch({ producerId: 2n, producerEpoch: 0, coordinatorEpoch: 0, committed: true }), 'internal')).toMatchObject({ errorCode: ErrorCode.INVALID_PRODUCER_EPOCH });
  });

  it('rebuilds the same state from the log bytes', async () => {
    const state = new ProducerStateManager();
    const next = { offset: 0n };
    const log: Buffer[] = [];
    for (const b of [batch(1n, 0, 0, 2, true), batch(5n, 0, 0, 1), buildEndTxnMarkerBatch({ producerId: 1n, producerEpoch: 0, coordinatorEpoch: 3, committed: false }), batch(1n, 0, 2, 1, true)]) {
      append(state, next, b, b.readInt16BE(21) & 0x20 ? 'internal' : 'client');
      log.push(b);
    }
    const all = Buffer.concat(log);
    const rebuilt = new ProducerStateManager();
    await rebuilt.recover(source(all));
    expect(rebuilt.allAborted()).toEqual(state.allAborted());
    expect(rebuilt.lastStableOffset(100n)).toBe(4n);
    expect(rebuilt.producer(1n)?.coordinatorEpoch).toBe(3);
    expect(rebuilt.check(batch(5n, 0, 0, 1), 'client').kind).toBe('duplicate');
  });

  it('round-trips the snapshot format and refuses a corrupt one', () => {
    const entries = [{ producerId: 3n, producerEpoch: 2, lastSequence: 9, lastOffset: 40n, offsetDelta: 4, timestamp: 123n, coordinatorEpoch: 1, currentTxnFirstOffset: 36n }];
    const bytes = encodeSnapshot(entries);
    expect(decodeSnapshot(bytes)).toEqual(entries);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 1, bytes.length - 1);
    expect(decodeSnapshot(bytes)).toBeNull();
  });

  it('recovers from a snapshot plus the txn index and replays only the tail', async () => {
    const fs = new MemoryFileSystem();
    fs.mkdir('/p');
    const files = new ProducerStateFiles(fs, '/p');
    const state = new ProducerStateManager();
    await state.recover(source(Buffer.alloc(0)), files);
    const next = { offset: 0n };
    const log: Buffer[] = [];
    const write = async (b: Buffer, origin: 'client' | 'internal' = 'client'): Promise<void> => {
      const check = state.check(b, origin);
      expect(check.kind).toBe('append');
      next.offset = assignOffsets(b, next.offset, 0);
      await state.persistAborted(state.apply(b), 0n);
      log.push(b);
    };
    await write(batch(1n, 0, 0, 2, true)); // 0-1
    await write(buildEndTxnMarkerBatch({ producerId: 1n, producerEpoch: 0, coordinatorEpoch: 0, committed: false }), 'internal'); // 2
    await write(batch(2n, 0, 0, 1, true)); // 3, left open
    await state.takeSnapshot(next.offset); // snapshot at 4
    await write(batch(1n, 0, 2, 1)); // 4 (tail)
    expect(fs.list('/p')).toEqual(['00000000000000000000.txnindex', '00000000000000000004.snapshot']);

    const all = Buffer.concat(log);
    const reads: bigint[] = [];
    const tail = source(all);
    const restored = new ProducerStateManager();
    await restored.recover({ ...tail, readFrom: (o) => (reads.push(o), tail.readFrom(o)) }, files);
    expect(reads[0]).toBe(4n);
    expect(restored.allAborted()).toEqual([{ producerId: 1n, firstOffset: 0n, lastOffset: 2n, lastStableOffset: 3n }]);
    expect(restored.lastStableOffset(5n)).toBe(3n);
    expect(restored.check(batch(1n, 0, 2, 1), 'client').kind).toBe('duplicate');
    expect(restored.check(batch(1n, 0, 3, 1), 'client').kind).toBe('append');

    // Retention removed the first segment: its txn index and aborted entry go at the next snapshot.
    await restored.takeSnapshot(5n, { logStartOffset: 3n, segmentBaseOffsets: () => [3n] });
    expect(fs.list('/p')).toEqual(['00000000000000000004.snapshot', '00000000000000000005.snapshot']);
    expect(restored.allAborted()).toEqual([]);
  });

  it('fsyncs a roll snapshot in the background; one lost in a crash before that leaves the previous one', async () => {
    // File fsyncs wait at a gate, as behind a device busy with a rolled segment.
    let openGate: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const fs = new MemoryFileSystem();
    const openFile = fs.open.bind(fs);
    let gated = false;
    fs.open = (path, create) => {
      const handle = openFile(path, create);
      const sync = handle.sync.bind(handle);
      handle.sync = () => (gated ? gate.then(sync) : sync());
      return handle;
    };
    fs.mkdir('/p');
    const files = new ProducerStateFiles(fs, '/p');
    const state = new ProducerStateManager();
    await state.recover(source(Buffer.alloc(0)), files);
    const next = { offset: 0n };
    append(state, next, batch(7n, 0, 0, 2));
    await state.takeSnapshot(2n); // shutdown-style: durable when it resolves
    append(state, next, batch(7n, 0, 2, 3));
    gated = true;
    await state.takeSnapshot(5n, { logStartOffset: 0n, segmentBaseOffsets: () => [0n, 5n] }); // at a roll: resolves before its fsync
    expect(files.latestSnapshot(5n)?.offset).toBe(5n);
    fs.crash('drop-unsynced');
    // The roll snapshot was never made durable: on load it is unreadable and removed, the previous one serves.
    const afterCrash = new ProducerStateFiles(fs, '/p');
    expect(afterCrash.latestSnapshot(5n)?.offset).toBe(2n);
    expect(fs.list('/p')).toEqual(['00000000000000000002.snapshot']);
    openGate();
    await files.backgroundSyncsDone();

    // Without a crash the background fsync makes it durable.
    const fs2 = new MemoryFileSystem();
    fs2.mkdir('/p');
    const files2 = new ProducerStateFiles(fs2, '/p');
    await files2.writeSnapshot(5n, state.snapshotEntries(), true);
    await files2.backgroundSyncsDone();
    fs2.crash('drop-unsynced');
    expect(new ProducerStateFiles(fs2, '/p').latestSnapshot(5n)?.entries).toEqual(state.snapshotEntries());
  });

  it('expires idle producers after producer.id.expiration.ms, never one with an open transaction', () => {
    const state = new ProducerStateManager();
    const next = { offset: 0n };
    append(state, next, batch(1n, 0, 0, 1)); // timestamp 1000
    append(state, next, batch(2n, 0, 0, 1, true));
    expect(state.expireProducers(1500, 1000)).toBe(0);
    expect(state.expireProducers(2000, 1000)).toBe(1);
    expect(state.producer(1n)).toBeUndefined();
    expect(state.producer(2n)).toBeDefined();
    // A forgotten producer is accepted again with any sequence.
    expect(state.check(batch(1n, 0, 7, 1), 'client').kind).toBe('append');
  });
});
