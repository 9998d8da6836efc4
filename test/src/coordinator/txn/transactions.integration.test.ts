// Transactions end to end with kafkajs: read-process-write with random aborts seen through a
// read_committed consumer, zombie fencing, and the timeout abort that lets the LSO advance.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { startBroker, type RunningBroker } from '../../../../src/index.js';

/** A small deterministic generator, so a failing run repeats. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Consumes `topic` from the start until `count` messages arrived (bounded by `timeoutMs`). */
async function readValues(kafka: Kafka, topic: string, groupId: string, count: number, readUncommitted = false): Promise<string[]> {
  const consumer: Consumer = kafka.consumer({ groupId, readUncommitted, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${values.length} of ${count} from ${topic}`)), 30_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value!.toString());
        if (values.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return values;
}

describe('transactions (kafkajs)', () => {
  let broker: RunningBroker;
  let kafka: Kafka;

  beforeAll(async () => {
    broker = await startBroker({ overrides: { 'group.initial.rebalance.delay.ms': '0' } });
    kafka = new Kafka({ brokers: [broker.bootstrapServers], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 50 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'input', numPartitions: 2 }, { topic: 'output', numPartitions: 2 }, { topic: 'fence', numPartitions: 1 }, { topic: 'slow', numPartitions: 1 }] });
    await admin.disconnect();
  }, 30_000);

  afterAll(async () => {
    await broker?.stop();
  });

  it('read-process-write with random aborts: read_committed sees every committed record once and no aborted one', async () => {
    const N = 40;
    const source = kafka.producer();
    await source.connect();
    await source.send({ topic: 'input', messages: Array.from({ length: N }, (_, i) => ({ key: `k${i}`, value: `in-${i}` })) });
    await source.disconnect();

    const random = seeded(42);
    const producer = kafka.producer({ transactionalId: 'rpw', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const consumer = kafka.consumer({ groupId: 'rpw-group', readUncommitted: false, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'input', fromBeginning: true });
    const committed = new Set<string>();
    let aborted = 0;
    let processed = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`processed ${processed} of ${N}`)), 60_000);
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => {
          // Each input is retried until a transaction with it commits; earlier attempts abort.
          for (let attempt = 0; attempt < 10; attempt++) {
            const value = `${message.value!.toString()}#${attempt}`;
            const txn = await producer.transaction();
            await txn.send({ topic: 'output', messages: [{ key: message.key, value }] });
            await txn.sendOffsets({ consumerGroupId: 'rpw-group', topics: [{ topic, partitions: [{ partition, offset: String(BigInt(message.offset) + 1n) }] }] });
            if (random() < 0.3 && attempt < 9) {
              await txn.abort();
              aborted++;
              continue;
            }
            await txn.commit();
            committed.add(value);
            break;
          }
          if (++processed === N) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    await producer.disconnect();
    expect(committed.size).toBe(N);
    expect(aborted).toBeGreaterThan(0);

    const seen = await readValues(kafka, 'output', 'verify-committed', N);
    expect(new Set(seen).size).toBe(N);
    expect([...seen].sort()).toEqual([...committed].sort());
    // A read_uncommitted reader sees the aborted attempts too (they are in the log).
    const all = await readValues(kafka, 'output', 'verify-uncommitted', N + aborted, true);
    expect(all.length).toBe(N + aborted);

    const output = broker.broker.replicas.partition('output', 0)!;
    expect(output.producers.lastStableOffset(output.log.highWatermark)).toBe(output.log.highWatermark);
    expect(output.producers.allAborted().length + broker.broker.replicas.partition('output', 1)!.producers.allAborted().length).toBe(aborted);
  }, 90_000);

  it('fences a zombie producer when a new instance initializes the same transactional id', async () => {
    const zombie = kafka.producer({ transactionalId: 'fenced-id', maxInFlightRequests: 1, idempotent: true, retry: { retries: 1, initialRetryTime: 20 } });
    await zombie.connect();
    const txn = await zombie.transaction();
    await txn.send({ topic: 'fence', messages: [{ value: 'zombie-1' }] });

    const successor = kafka.producer({ transactionalId: 'fenced-id', maxInFlightRequests: 1, idempotent: true });
    await successor.connect();
    // kafkajs initializes the transactional id with the first transaction: that InitProducerId
    // bumps the epoch and aborts the zombie's open transaction.
    const next = await successor.transaction();
    await expect(txn.commit()).rejects.toThrow();
    await next.send({ topic: 'fence', messages: [{ value: 'successor-1' }] });
    await next.commit();
    await successor.disconnect();
    await zombie.disconnect().catch(() => undefined);

    const seen = await readValues(kafka, 'fence', 'verify-fence', 1);
    expect(seen).toEqual(['successor-1']);
    const described = await broker.broker.txnCoordinator!.describe('fenced-id');
    expect(described.txn?.state).toBe(4); // CompleteCommit
  }, 60_000);

  it('aborts a transaction left open past its timeout, and the LSO advances', async () => {
    const producer = kafka.producer({ transactionalId: 'slow-id', transactionTimeout: 100, maxInFlightRequests: 1, idempotent: true, retry: { retries: 1, initialRetryTime: 20 } });
    await producer.connect();
    const txn = await producer.transaction();
    await txn.send({ topic: 'slow', messages: [{ value: 'never-committed' }] });
    const slow = broker.broker.replicas.partition('slow', 0)!;
    expect(slow.producers.lastStableOffset(slow.log.highWatermark)).toBe(0n);
    const coordinator = broker.broker.txnCoordinator!;
    // Polls the timeout check until the 100 ms have passed (bounded).
    let abortedCount = 0;
    for (let i = 0; i < 100 && abortedCount === 0; i++) {
      abortedCount = await coordinator.abortTimedOutTransactions();
      if (abortedCount === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(abortedCount).toBe(1);
    await coordinator.list(); // the completion (markers) runs on the coordinator queue before this
    expect(slow.producers.lastStableOffset(slow.log.highWatermark)).toBe(slow.log.highWatermark);
    expect(slow.producers.allAborted()).toHaveLength(1);
    // The producer's epoch is stale now: committing fails.
    await expect(txn.commit()).rejects.toThrow();
    await producer.disconnect().catch(() => undefined);
  }, 30_000);

  it('sendOffsets: committed offsets reach the group coordinator (OffsetFetch sees them), aborted ones do not', async () => {
    const producer = kafka.producer({ transactionalId: 'offsets-id', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const offsets = (offset: string) => ({ consumerGroupId: 'offsets-group', topics: [{ topic: 'input', partitions: [{ partition: 0, offset }] }] });
    const aborted = await producer.transaction();
    await aborted.send({ topic: 'output', messages: [{ value: 'x' }] });
    await aborted.sendOffsets(offsets('7'));
    await aborted.abort();
    const admin = kafka.admin();
    await admin.connect();
    const fetchOffset = async () => (await admin.fetchOffsets({ groupId: 'offsets-group', topics: ['input'] }))[0]!.partitions.find((p) => p.partition === 0)!.offset;
    expect(await fetchOffset()).toBe('-1');
    const committed = await producer.transaction();
    await committed.send({ topic: 'output', messages: [{ value: 'y' }] });
    await committed.sendOffsets(offsets('5'));
    await committed.commit();
    await broker.broker.txnCoordinator!.list(); // completion (and the offset hand-over) has run
    expect(await fetchOffset()).toBe('5');
    await admin.disconnect();
    await producer.disconnect();
  }, 30_000);
});
