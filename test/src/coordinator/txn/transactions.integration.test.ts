// Transactions end to end with kafkajs: read-process-write with random aborts seen through a
// read_committed consumer, zombie fencing, and the timeout abort that lets the LSO advance.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { startBroker, type RunningBroker } from '../../../../src/index.js';
import { ApiKey } from '../../../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../../../protocol/generated/error-codes.js';
import { ListOffsetsRequest, createListOffsetsRequestListOffsetsPartition, createListOffsetsRequestListOffsetsTopic } from '../../../../protocol/generated/message/list-offsets-request.js';
import { ListOffsetsResponse } from '../../../../protocol/generated/message/list-offsets-response.js';
import { FetchRequest, createFetchRequestFetchPartition, createFetchRequestFetchTopic } from '../../../../protocol/generated/message/fetch-request.js';
import { FetchResponse } from '../../../../protocol/generated/message/fetch-response.js';
import { OffsetFetchRequest } from '../../../../protocol/generated/message/offset-fetch-request.js';
import { OffsetFetchResponse } from '../../../../protocol/generated/message/offset-fetch-response.js';
import { RawClient } from '../../broker/raw-client.js';

/** The broker error names in a kafkajs error and its causes (kafkajs wraps retried failures). */
function errorTypes(error: unknown): string[] {
  const types: string[] = [];
  for (let e = error as { type?: unknown; cause?: unknown; originalError?: unknown } | undefined; e !== undefined && e !== null; e = (e.cause ?? e.originalError) as typeof e) {
    if (typeof e.type === 'string') types.push(e.type);
  }
  return types;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

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
    // The timeout abort runs on the broker's own timer, every 100 ms here (Kafka's default is 10 s).
    broker = await startBroker({ overrides: { 'group.initial.rebalance.delay.ms': '0', 'transaction.abort.timed.out.transaction.cleanup.interval.ms': '100' } });
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
    // The zombie's next write meets the abort marker's newer epoch on the partition: Produce
    // answers INVALID_PRODUCER_EPOCH (Kafka 3.9's answer on produce, for every version).
    const produceError = await failure(txn.send({ topic: 'fence', messages: [{ value: 'zombie-2' }] }));
    expect(errorTypes(produceError)).toContain('INVALID_PRODUCER_EPOCH');
    // Its commit: EndTxn v1 (kafkajs) hears INVALID_PRODUCER_EPOCH, as Kafka translates PRODUCER_FENCED below v2.
    const commitError = await failure(txn.commit());
    expect(errorTypes(commitError)).toContain('INVALID_PRODUCER_EPOCH');
    await next.send({ topic: 'fence', messages: [{ value: 'successor-1' }] });
    await next.commit();
    await successor.disconnect();
    await zombie.disconnect().catch(() => undefined);

    const seen = await readValues(kafka, 'fence', 'verify-fence', 1);
    expect(seen).toEqual(['successor-1']);
    const described = await broker.broker.txnCoordinator!.describe('fenced-id');
    expect(described.txn?.state).toBe(4); // CompleteCommit
  }, 60_000);

  it('aborts a transaction left open past its timeout, and the LSO advances (ListOffsets read_committed, Fetch)', async () => {
    const producer = kafka.producer({ transactionalId: 'slow-id', transactionTimeout: 300, maxInFlightRequests: 1, idempotent: true, retry: { retries: 1, initialRetryTime: 20 } });
    await producer.connect();
    const txn = await producer.transaction();
    await txn.send({ topic: 'slow', messages: [{ value: 'never-committed' }] });
    const client = await RawClient.connect(broker.boundPort);
    const latest = async (isolationLevel: number): Promise<bigint> => {
      const body = ListOffsetsRequest.defaults();
      Object.assign(body, { replicaId: -1, isolationLevel, topics: [createListOffsetsRequestListOffsetsTopic({ name: 'slow', partitions: [createListOffsetsRequestListOffsetsPartition({ partitionIndex: 0, timestamp: -1n })] })] });
      const response = await client.request(ApiKey.ListOffsets, 5, ListOffsetsRequest, body, ListOffsetsResponse);
      return response.topics[0]!.partitions[0]!.offset;
    };
    const fetchBody = FetchRequest.defaults();
    Object.assign(fetchBody, { maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 1, topics: [createFetchRequestFetchTopic({ topic: 'slow', partitions: [createFetchRequestFetchPartition({ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 })] })] });
    try {
      // Open: read_committed LATEST is the LSO (the transaction's first offset), read_uncommitted the high watermark.
      expect(await latest(1)).toBe(0n);
      expect(await latest(0)).toBe(1n);
      // The broker's timer aborts it (bounded wait); the abort marker lets the LSO reach the high watermark.
      let lso = 0n;
      for (let i = 0; i < 100 && lso === 0n; i++) {
        lso = await latest(1);
        if (lso === 0n) await new Promise((r) => setTimeout(r, 50));
      }
      expect(lso).toBe(2n); // the record and the ABORT marker
      expect(await latest(0)).toBe(2n);
      const fetched = (await client.request(ApiKey.Fetch, 11, FetchRequest, fetchBody, FetchResponse)).responses[0]!.partitions[0]!;
      expect(fetched.highWatermark).toBe(2n);
      expect(fetched.lastStableOffset).toBe(2n);
      expect(fetched.abortedTransactions).toHaveLength(1);
      expect(fetched.abortedTransactions![0]!.firstOffset).toBe(0n);
      const described = await broker.broker.txnCoordinator!.describe('slow-id');
      expect(described.txn?.state).toBe(5); // CompleteAbort
      // The abort bumped the epoch: the producer's commit is fenced (EndTxn v1: INVALID_PRODUCER_EPOCH).
      expect(errorTypes(await failure(txn.commit()))).toContain('INVALID_PRODUCER_EPOCH');
      await producer.disconnect().catch(() => undefined);
    } finally {
      client.close();
    }
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
    // KIP-447: while the offset is pending, OffsetFetch with requireStable (v7+) answers
    // UNSTABLE_OFFSET_COMMIT for the partition; without it, the last committed offset.
    const client = await RawClient.connect(broker.boundPort);
    const offsetFetch = async (version: number, requireStable: boolean) => {
      const body = OffsetFetchRequest.defaults();
      if (version >= 8) body.groups = [{ groupId: 'offsets-group', memberId: null, memberEpoch: -1, topics: [{ name: 'input', partitionIndexes: [0] }] }];
      else Object.assign(body, { groupId: 'offsets-group', topics: [{ name: 'input', partitionIndexes: [0] }] });
      body.requireStable = requireStable;
      const response = await client.request(ApiKey.OffsetFetch, version, OffsetFetchRequest, body, OffsetFetchResponse);
      const partition = version >= 8 ? response.groups[0]!.topics[0]!.partitions[0]! : response.topics[0]!.partitions[0]!;
      return { errorCode: partition.errorCode, offset: partition.committedOffset };
    };
    try {
      expect(await offsetFetch(7, true)).toEqual({ errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT, offset: -1n });
      expect(await offsetFetch(8, true)).toEqual({ errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT, offset: -1n });
      expect(await offsetFetch(7, false)).toEqual({ errorCode: 0, offset: -1n });
      await committed.commit();
      await broker.broker.txnCoordinator!.list(); // completion (and the offset hand-over) has run
      expect(await fetchOffset()).toBe('5');
      expect(await offsetFetch(7, true)).toEqual({ errorCode: 0, offset: 5n });
    } finally {
      client.close();
    }
    await admin.disconnect();
    await producer.disconnect();
  }, 30_000);
});
