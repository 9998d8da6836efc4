// Follower truncation through the leader's DivergingEpoch (Fetch v12+): the rules of Kafka's
// getOffsetTruncationState, then a 3-node cluster where a deposed leader holding uncommitted
// records of its old epoch cuts exactly those and ends up byte for byte equal to the new leader.
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { eventually } from '../../helpers/eventually.js';
import type { LocalCluster } from '../../../src/metadata/raft-driver/local-cluster.js';
import type { Broker } from '../../../src/broker/broker.js';
import { truncationOffset } from '../../../src/replication/follower-fetcher.js';
import { LeaderEpochCache } from '../../../src/storage/leader-epoch-cache.js';
import { MemoryFileSystem } from '../../../src/storage/memory-fs.js';
import { batchOf, node, startFastCluster } from './fast-cluster.js';
import { buildUncompressedRecordBatch } from '../../../src/records/record-batch.js';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';

function followerLog(entries: [number, bigint][], logEndOffset: bigint, highWatermark = 0n) {
  const fs = new MemoryFileSystem();
  fs.mkdir('/p');
  const epochs = new LeaderEpochCache(fs, '/p/leader-epoch-checkpoint');
  for (const [epoch, start] of entries) epochs.assign(epoch, start);
  return { logEndOffset, highWatermark, epochs };
}

describe('truncation offset from DivergingEpoch', () => {
  it('cuts at the end of the shared epoch, capped by where the leader ends it', () => {
    // Follower: epoch 0 from 0, epoch 1 from 10, log end 15. Leader: epoch 1 ends at 12 there.
    expect(truncationOffset(followerLog([[0, 0n], [1, 10n]], 15n), { epoch: 1, endOffset: 12n })).toBe(12n);
    // Leader says epoch 0 ends at 10; the follower's epoch 0 also ends at 10.
    expect(truncationOffset(followerLog([[0, 0n], [1, 10n]], 15n), { epoch: 0, endOffset: 10n })).toBe(10n);
    // The leader's epoch 0 runs longer than the follower's: cut where the follower's ends.
    expect(truncationOffset(followerLog([[0, 0n], [2, 8n]], 15n), { epoch: 0, endOffset: 10n })).toBe(8n);
  });

  it('steps down to its own largest lower epoch when it does not know the leader\u2019s, and falls back to the high watermark when the leader knows nothing', () => {
    // The follower never had epoch 1: its largest epoch below is 0, which ends at 10 here.
    expect(truncationOffset(followerLog([[0, 0n], [2, 10n]], 15n), { epoch: 1, endOffset: 12n })).toBe(10n);
    // No epochs at all on the follower: take the leader's end.
    expect(truncationOffset(followerLog([], 15n), { epoch: 3, endOffset: 7n })).toBe(7n);
    expect(truncationOffset(followerLog([[0, 0n]], 15n, 4n), { epoch: -1, endOffset: -1n })).toBe(4n);
    // Never past the follower's own end.
    expect(truncationOffset(followerLog([[0, 0n]], 5n), { epoch: 0, endOffset: 9n })).toBe(5n);
  });
});

let cluster: LocalCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

const batch = (values: string[]) => batchOf(...values);
const wholeLog = (b: Broker, topic: string): Buffer => {
  const log = b.replicas.partition(topic, 0)!.log;
  return log.read(log.logStartOffset, { maxBytes: 64 << 20, minOneBatch: true }).records;
};

describe('a deposed leader with an uncommitted tail', () => {
  it('truncates to where its epoch ends on the new leader and then matches it byte for byte', async () => {
    // The nodes' info logs, to see each truncation the fetchers decide on.
    const lines: { node?: number; msg?: string; topic?: string; truncateTo?: string; divergingEpoch?: number; leaderEndOffset?: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) });
    cluster = await startFastCluster({}, logger);
    const brokers = cluster.brokers;
    const controller = brokers.find((b) => b.quorum.isLeader)!;
    const [oldId, newId] = [1, 2, 3].filter((id) => id !== controller.config.nodeId) as [number, number];
    const thirdId = controller.config.nodeId;
    const [created] = await controller.controller.createTopics(
      [{ name: 'fork', numPartitions: -1, replicationFactor: -1, assignments: new Map([[0, [oldId, newId, thirdId]]]), configs: new Map([['min.insync.replicas', '2']]) }],
      false,
    );
    expect(created!.errorCode).toBe(0);
    await eventually('fork hosted everywhere', () => (brokers.every((b) => b.replicas.partition('fork', 0)) ? true : undefined));
    const old = node(brokers, oldId);
    const next = node(brokers, newId);
    const third = node(brokers, thirdId);

    // Ten committed records on every replica.
    for (let i = 0; i < 5; i++) expect((await old.replicas.produce('fork', 0, batch([`c${i}a`, `c${i}b`]), { acks: -1, produceVersion: 9 })).errorCode).toBe(0);
    expect(next.replicas.partition('fork', 0)!.log.logEndOffset).toBe(10n);

    // The followers stall; the leader takes five records nobody else gets (acks=1).
    next.followerFetchers!.pause();
    third.followerFetchers!.pause();
    await new Promise((resolve) => setTimeout(resolve, 400));
    for (let i = 0; i < 5; i++) expect((await old.replicas.produce('fork', 0, batch([`lost${i}`]), { acks: 1, produceVersion: 9 })).errorCode).toBe(0);
    expect(old.replicas.partition('fork', 0)!.log.logEndOffset).toBe(15n);
    expect(next.replicas.partition('fork', 0)!.log.logEndOffset).toBe(10n);

    // The old leader stops heartbeating: the controller fences it and the next ISR member leads at epoch 1.
    old.lifecycle!.stop();
    await eventually(`node ${newId} leads`, () => (next.replicas.partition('fork', 0)!.isLeader && old.image.topic('fork')!.partitions.get(0)!.leader === newId ? true : undefined), 20_000);
    next.followerFetchers!.resume();
    third.followerFetchers!.resume();
    const newLeader = next.replicas.partition('fork', 0)!;
    expect(newLeader.leaderEpoch).toBe(1);
    for (let i = 0; i < 3; i++) expect((await next.replicas.produce('fork', 0, batch([`new${i}`]), { acks: -1, produceVersion: 9, timeoutMs: 10_000 })).errorCode).toBe(0);
    expect(newLeader.log.logEndOffset).toBe(13n);

    // The deposed leader fetches from the new one, hears that epoch 0 ended at 10 there, cuts
    // its five uncommitted records and replicates the new epoch.
    const deposed = old.replicas.partition('fork', 0)!;
    await eventually('the deposed leader to match', () => (deposed.log.logEndOffset === 13n && wholeLog(old, 'fork').equals(wholeLog(next, 'fork')) ? true : undefined), 20_000);
    expect(deposed.log.epochs.all()).toEqual([
      { epoch: 0, startOffset: 0n },
      { epoch: 1, startOffset: 10n },
    ]);
    expect(deposed.log.epochs.all()).toEqual(newLeader.log.epochs.all());
    expect(wholeLog(old, 'fork').includes(Buffer.from('lost0'))).toBe(false);
    expect(wholeLog(third, 'fork').equals(wholeLog(next, 'fork'))).toBe(true);
    // One cut, at the end of epoch 0 on the new leader, not at the deposed leader's high watermark.
    const cuts = lines.filter((l) => l.msg === 'truncating a diverged replica' && l.topic === 'fork');
    expect(cuts.map((l) => [l.node, l.divergingEpoch, l.leaderEndOffset, l.truncateTo])).toEqual([[oldId, 0, '10', '10']]);
  }, 60_000);
});

describe('producer state on followers', () => {
  it('lets the new leader after a failover answer a retried idempotent batch with its first offsets and refuse a sequence gap', async () => {
    cluster = await startFastCluster();
    const brokers = cluster.brokers;
    const controller = brokers.find((b) => b.quorum.isLeader)!;
    const [leaderId, nextId] = [1, 2, 3].filter((id) => id !== controller.config.nodeId) as [number, number];
    const [created] = await controller.controller.createTopics(
      [{ name: 'dedup', numPartitions: -1, replicationFactor: -1, assignments: new Map([[0, [leaderId, nextId, controller.config.nodeId]]]), configs: new Map([['min.insync.replicas', '2']]) }],
      false,
    );
    expect(created!.errorCode).toBe(0);
    await eventually('dedup hosted everywhere', () => (brokers.every((b) => b.replicas.partition('dedup', 0)) ? true : undefined));
    const idempotent = (seq: number, value: string) =>
      buildUncompressedRecordBatch([{ key: null, value: Buffer.from(value) }], { producerId: 4242n, producerEpoch: 0, baseSequence: seq });
    const leader = node(brokers, leaderId);
    const offsets: bigint[] = [];
    for (let seq = 0; seq < 5; seq++) {
      const outcome = await leader.replicas.produce('dedup', 0, idempotent(seq, `v${seq}`), { acks: -1, produceVersion: 9 });
      expect(outcome.errorCode).toBe(0);
      offsets.push(outcome.baseOffset);
    }
    await leader.stop();
    const next = node(brokers, nextId);
    await eventually(`node ${nextId} leads`, () => (next.replicas.partition('dedup', 0)!.isLeader ? true : undefined), 20_000);
    // The last batch retried after the failover: a duplicate, answered with where it was first written.
    const retried = await next.replicas.produce('dedup', 0, idempotent(4, 'v4'), { acks: -1, produceVersion: 9, timeoutMs: 10_000 });
    expect(retried).toMatchObject({ errorCode: 0, baseOffset: offsets[4] });
    expect(next.replicas.partition('dedup', 0)!.log.logEndOffset).toBe(5n);
    expect((await next.replicas.produce('dedup', 0, idempotent(6, 'gap'), { acks: -1, produceVersion: 9 })).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect((await next.replicas.produce('dedup', 0, idempotent(5, 'v5'), { acks: -1, produceVersion: 9, timeoutMs: 10_000 })).errorCode).toBe(0);
  }, 60_000);
});

describe('log start on followers', () => {
  it('follows the leader\u2019s log start after DeleteRecords', async () => {
    cluster = await startFastCluster();
    const brokers = cluster.brokers;
    const controller = brokers.find((b) => b.quorum.isLeader)!;
    const [created] = await controller.controller.createTopics([{ name: 'trimmed', numPartitions: -1, replicationFactor: -1, assignments: new Map([[0, [1, 2, 3]]]), configs: new Map() }], false);
    expect(created!.errorCode).toBe(0);
    await eventually('trimmed hosted everywhere', () => (brokers.every((b) => b.replicas.partition('trimmed', 0)) ? true : undefined));
    const leader = node(brokers, 1);
    for (let i = 0; i < 4; i++) expect((await leader.replicas.produce('trimmed', 0, batchOf(`r${i}`), { acks: -1, produceVersion: 9 })).errorCode).toBe(0);
    expect(await leader.replicas.deleteRecords('trimmed', 0, 3n)).toEqual({ errorCode: 0, lowWatermark: 3n });
    // The next fetch round carries the leader's log start to the followers.
    for (const b of brokers) await eventually(`node ${b.config.nodeId} starts at 3`, () => (b.replicas.partition('trimmed', 0)!.log.logStartOffset === 3n ? true : undefined), 10_000);
  }, 60_000);
});

describe('an empty leader epoch at the log end', () => {
  it('is dropped when the next leader never knew it, instead of diverging at the same place forever', async () => {
    const lines: { msg?: string; topic?: string; node?: number }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) });
    cluster = await startFastCluster({}, logger);
    const brokers = cluster.brokers;
    const controller = brokers.find((b) => b.quorum.isLeader)!;
    const [aId, bId] = [1, 2, 3].filter((id) => id !== controller.config.nodeId) as [number, number];
    const cId = controller.config.nodeId;
    const [created] = await controller.controller.createTopics([{ name: 'hollow', numPartitions: -1, replicationFactor: -1, assignments: new Map([[0, [aId, bId, cId]]]), configs: new Map() }], false);
    expect(created!.errorCode).toBe(0);
    await eventually('hollow hosted everywhere', () => (brokers.every((b) => b.replicas.partition('hollow', 0)) ? true : undefined));
    const [a, b, c] = [node(brokers, aId), node(brokers, bId), node(brokers, cId)];
    expect((await a.replicas.produce('hollow', 0, batchOf('0', '1', '2'), { acks: -1, produceVersion: 9 })).errorCode).toBe(0);
    // A goes: B leads epoch 1 (which it records at its log end, 3) but appends nothing.
    a.lifecycle!.stop();
    await eventually('B leads', () => (b.replicas.partition('hollow', 0)!.isLeader && b.replicas.partition('hollow', 0)!.log.epochs.latestEpoch() === 1 ? true : undefined), 20_000);
    // B goes before anything lands in epoch 1: C leads epoch 2 and never heard of epoch 1.
    b.lifecycle!.stop();
    await eventually('C leads', () => (c.replicas.partition('hollow', 0)!.isLeader ? true : undefined), 20_000);
    expect(c.replicas.partition('hollow', 0)!.log.epochs.all()).toEqual([{ epoch: 0, startOffset: 0n }, { epoch: 2, startOffset: 3n }]);
    expect((await c.replicas.produce('hollow', 0, batchOf('3'), { acks: 1, produceVersion: 9 })).errorCode).toBe(0);
    // B, now a follower of C, drops its empty epoch 1 and replicates epoch 2.
    const bLog = b.replicas.partition('hollow', 0)!.log;
    await eventually('B in step with C', () => (bLog.logEndOffset === 4n ? true : undefined), 10_000);
    expect(bLog.epochs.all()).toEqual([{ epoch: 0, startOffset: 0n }, { epoch: 2, startOffset: 3n }]);
    const cuts = lines.filter((l) => l.msg === 'truncating a diverged replica' && l.topic === 'hollow' && l.node === bId);
    expect(cuts.length).toBeLessThanOrEqual(2);
  }, 60_000);
});
