// The coordinator's state machine against a real in-memory broker's logs, with a manual clock.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { ErrorCode } from '../../../../protocol/generated/error-codes.js';
import { startBroker, type RunningBroker } from '../../../../src/index.js';
import { ManualScheduler } from '../../../../src/coordinator/group/scheduler.js';
import { TransactionCoordinator } from '../../../../src/coordinator/txn/transaction-coordinator.js';
import { InMemoryTxnOffsetSink, NO_MEMBER } from '../../../../src/coordinator/txn/txn-offsets.js';
import { TxnState } from '../../../../src/coordinator/txn/txn-metadata.js';

describe('TransactionCoordinator', () => {
  let running: RunningBroker;
  let clock: ManualScheduler;
  let offsets: InMemoryTxnOffsetSink;

  function coordinator(): TransactionCoordinator {
    const b = running.broker;
    return new TransactionCoordinator({
      config: { ...b.config, transactionalIdExpirationMs: 60_000 },
      metadata: b.image,
      produce: (topic, partition, records, options) => b.replicas.produce(topic, partition, records, options),
      hostedPartition: (topic, partition) => b.replicas.partition(topic, partition),
      createTopic: async (spec) => (await b.controller.createTopics([spec], false))[0]!,
      allocateProducerIds: () => b.controller.allocateProducerIds(1, -1n),
      scheduler: clock,
      log: pino({ level: 'silent' }),
      offsets,
    });
  }

  beforeAll(async () => {
    running = await startBroker({ overrides: { 'transaction.state.log.num.partitions': '3' } });
    await running.broker.controller.createTopics([{ name: 't', numPartitions: 2, replicationFactor: 1, assignments: new Map(), configs: new Map() }], false);
    // TxnOffsetCommit writes the offsets into the group's __consumer_offsets partition (as Kafka does).
    await running.broker.controller.createTopics([{ name: '__consumer_offsets', numPartitions: running.broker.config.offsetsTopicNumPartitions, replicationFactor: 1, assignments: new Map(), configs: new Map([['cleanup.policy', 'compact']]) }], false);
  }, 30_000);

  afterAll(async () => {
    await running?.stop();
  });

  it('walks Empty → Ongoing → PrepareCommit → CompleteCommit and refuses what the state does not allow', async () => {
    clock = new ManualScheduler();
    offsets = new InMemoryTxnOffsetSink();
    const c = coordinator();
    expect(await c.initProducerId('a', 0, null)).toMatchObject({ errorCode: ErrorCode.INVALID_TRANSACTION_TIMEOUT });
    // A fresh id takes any expected epoch (@platformatic/kafka sends producerId 0, epoch 0 on first use).
    expect(await c.initProducerId('fresh', 10_000, { producerId: 0n, producerEpoch: 0 })).toMatchObject({ errorCode: 0, producerEpoch: 0 });
    const init = await c.initProducerId('a', 10_000, null);
    expect(init).toMatchObject({ errorCode: 0, producerEpoch: 0 });
    const { producerId } = init;
    expect(await c.endTransaction('a', producerId, 0, true)).toBe(ErrorCode.INVALID_TXN_STATE); // Empty
    expect(await c.addPartitions('a', producerId + 1n, 0, [{ topic: 't', partitions: [0] }])).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect(await c.addPartitions('a', producerId, 1, [{ topic: 't', partitions: [0] }])).toBe(ErrorCode.PRODUCER_FENCED);
    expect(await c.addPartitions('a', producerId, 0, [{ topic: 't', partitions: [0, 1] }])).toBe(0);
    expect((await c.describe('a')).txn?.state).toBe(TxnState.Ongoing);
    expect(await c.addOffsets('a', producerId, 0, 'g')).toBe(0);
    const offset = { topic: 't', partition: 0, offset: 5n, leaderEpoch: -1, metadata: null, commitTimestamp: 0 };
    // A member the group does not know (checked when the offsets are sent) is refused, nothing pends.
    offsets.validateMember = (_group, member) => Promise.resolve(member.memberId === 'gone' ? ErrorCode.UNKNOWN_MEMBER_ID : 0);
    expect(await c.txnOffsetCommit('a', producerId, 0, 'g', { generationId: 3, memberId: 'gone', groupInstanceId: null }, [offset])).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(c.hasPendingOffsets('g', 't', 0)).toBe(false);
    expect(await c.txnOffsetCommit('a', producerId, 0, 'g', NO_MEMBER, [offset])).toBe(0);
    expect(offsets.committed.size).toBe(0);
    // Pending until the transaction ends: OffsetFetch with requireStable answers UNSTABLE_OFFSET_COMMIT.
    expect(c.hasPendingOffsets('g', 't', 0)).toBe(true);
    expect(c.hasPendingOffsets('g', 't', 1)).toBe(false);
    expect(c.hasPendingOffsets('other', 't', 0)).toBe(false);
    // Kafka writes them as transactional records of the producer into the group's __consumer_offsets partition.
    const groupPartition = running.broker.replicas.partition('__consumer_offsets', c.partitionForGroupOffsets('g'))!;
    expect(groupPartition.producers.producer(producerId)?.currentTxnFirstOffset).not.toBeNull();
    expect(await c.endTransaction('a', producerId, 0, true)).toBe(0);
    // The markers were written and the offsets handed over by the time the queue drains.
    await c.list();
    expect(c.hasPendingOffsets('g', 't', 0)).toBe(false);
    expect(groupPartition.producers.producer(producerId)?.currentTxnFirstOffset).toBeNull();
    expect((await c.describe('a')).txn?.state).toBe(TxnState.CompleteCommit);
    expect(offsets.committed.get('g')?.get('t:0')?.offset).toBe(5n);
    const p0 = running.broker.replicas.partition('t', 0)!;
    expect(p0.log.logEndOffset).toBe(1n); // just the COMMIT marker
    // A retried commit is fine, an abort now is not.
    expect(await c.endTransaction('a', producerId, 0, true)).toBe(0);
    expect(await c.endTransaction('a', producerId, 0, false)).toBe(ErrorCode.INVALID_TXN_STATE);
    // KIP-360: the producer asks for a bump naming its id and epoch; a retry of that bump gets the same answer.
    const bumped = await c.initProducerId('a', 10_000, { producerId, producerEpoch: 0 });
    expect(bumped).toEqual({ errorCode: 0, producerId, producerEpoch: 1 });
    expect(await c.initProducerId('a', 10_000, { producerId, producerEpoch: 0 })).toEqual({ errorCode: 0, producerId, producerEpoch: 1 });
    expect(await c.initProducerId('a', 10_000, { producerId: producerId + 100n, producerEpoch: 1 })).toMatchObject({ errorCode: ErrorCode.PRODUCER_FENCED });
    await c.stop();
  });

  it('keeps the marker of the group partition pending while the group coordinator is loading, then commits the offsets', async () => {
    clock = new ManualScheduler();
    offsets = new InMemoryTxnOffsetSink();
    const c = coordinator();
    const { producerId } = await c.initProducerId('loading', 10_000, null);
    expect(await c.addOffsets('loading', producerId, 0, 'g2')).toBe(0);
    const offset = { topic: 't', partition: 1, offset: 7n, leaderEpoch: -1, metadata: null, commitTimestamp: 0 };
    expect(await c.txnOffsetCommit('loading', producerId, 0, 'g2', NO_MEMBER, [offset])).toBe(0);
    // The group's partition is still loading for the first two tries: the offsets must not be dropped.
    let refusals = 2;
    const take = offsets.commitTransactionalOffsets.bind(offsets);
    offsets.commitTransactionalOffsets = (groupId, member, list) => (refusals-- > 0 ? Promise.resolve(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) : take(groupId, member, list));
    expect(await c.endTransaction('loading', producerId, 0, true)).toBe(0);
    await c.list();
    expect(c.hasPendingOffsets('g2', 't', 1)).toBe(true);
    await vi.waitFor(async () => expect((await c.describe('loading')).txn?.state).toBe(TxnState.CompleteCommit), { timeout: 5_000, interval: 50 });
    expect(refusals).toBeLessThan(0);
    expect(c.hasPendingOffsets('g2', 't', 1)).toBe(false);
    expect(offsets.committed.get('g2')?.get('t:1')?.offset).toBe(7n);
    await c.stop();
  });

  it('answers CONCURRENT_TRANSACTIONS while a new producer fences an open transaction, then bumps again', async () => {
    clock = new ManualScheduler();
    offsets = new InMemoryTxnOffsetSink();
    const c = coordinator();
    const first = await c.initProducerId('b', 10_000, null);
    expect(await c.addPartitions('b', first.producerId, first.producerEpoch, [{ topic: 't', partitions: [1] }])).toBe(0);
    expect(await c.initProducerId('b', 10_000, null)).toMatchObject({ errorCode: ErrorCode.CONCURRENT_TRANSACTIONS });
    await c.list();
    expect((await c.describe('b')).txn).toMatchObject({ state: TxnState.CompleteAbort, producerEpoch: first.producerEpoch + 1 });
    const second = await c.initProducerId('b', 10_000, null);
    expect(second).toMatchObject({ errorCode: 0, producerId: first.producerId, producerEpoch: first.producerEpoch + 2 });
    expect(await c.endTransaction('b', first.producerId, first.producerEpoch, true)).toBe(ErrorCode.PRODUCER_FENCED);
    const p1 = running.broker.replicas.partition('t', 1)!;
    expect(p1.producers.allAborted().map((t) => t.producerId)).toContain(first.producerId);
    await c.stop();
  });

  it('aborts on timeout with a bumped epoch, and expires idle ids after transactional.id.expiration.ms', async () => {
    clock = new ManualScheduler();
    offsets = new InMemoryTxnOffsetSink();
    const c = coordinator();
    c.start();
    const init = await c.initProducerId('c', 1_000, null);
    expect(await c.addPartitions('c', init.producerId, init.producerEpoch, [{ topic: 't', partitions: [0] }])).toBe(0);
    expect(await c.abortTimedOutTransactions()).toBe(0);
    clock.advance(10_000); // the periodic check runs (default interval 10 s)
    await c.list();
    await c.list();
    expect((await c.describe('c')).txn).toMatchObject({ state: TxnState.CompleteAbort, producerEpoch: init.producerEpoch + 1 });
    expect(await c.endTransaction('c', init.producerId, init.producerEpoch, true)).toBe(ErrorCode.PRODUCER_FENCED);
    expect(await c.expireTransactionalIds()).toBe(0);
    clock.advance(60_000);
    expect(await c.expireTransactionalIds()).toBeGreaterThanOrEqual(1);
    expect((await c.describe('c')).errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    await c.stop();
  });

  it('reloads transactional ids from __transaction_state', async () => {
    clock = new ManualScheduler();
    offsets = new InMemoryTxnOffsetSink();
    const before = coordinator();
    const init = await before.initProducerId('d', 5_000, null);
    expect(await before.addPartitions('d', init.producerId, init.producerEpoch, [{ topic: 't', partitions: [0] }])).toBe(0);
    await before.stop();
    const after = coordinator();
    expect((await after.describe('d')).txn).toMatchObject({ state: TxnState.Ongoing, producerId: init.producerId, producerEpoch: init.producerEpoch, timeoutMs: 5_000 });
    expect(await after.endTransaction('d', init.producerId, init.producerEpoch, false)).toBe(0);
    await after.stop();
  });
});
