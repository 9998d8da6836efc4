import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type RunningBroker } from '../../../../src/index.js';

describe('idempotent producer (kafkajs)', () => {
  let broker: RunningBroker;
  let kafka: Kafka;

  beforeAll(async () => {
    broker = await startBroker();
    kafka = new Kafka({ brokers: [broker.bootstrapServers], logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 50 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'idem', numPartitions: 2 }] });
    await admin.disconnect();
  });

  afterAll(async () => {
    await broker?.stop();
  });

  it('gets a producer id and writes every message once, in order', async () => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let i = 0; i < 20; i++) {
      await producer.send({ topic: 'idem', acks: -1, messages: [{ key: `k${i % 2}`, value: `v${i}`, partition: i % 2 }] });
    }
    await producer.disconnect();
    const p0 = broker.broker.replicas.partition('idem', 0)!;
    const state = p0.producers.activeProducers();
    expect(state).toHaveLength(1);
    expect(state[0]!.producerId).toBeGreaterThanOrEqual(0n);
    expect(state[0]!.batches.at(-1)!.lastSeq).toBe(9);
    expect(p0.log.logEndOffset).toBe(10n);
  });

  it('keeps producer state and the open transaction across a restart (snapshot at clean shutdown)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-txn-'));
    try {
      let running = await startBroker({ dataDir });
      let client = new Kafka({ brokers: [running.bootstrapServers], logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 50 } });
      const admin = client.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'durable', numPartitions: 1 }] });
      await admin.disconnect();
      const producer = client.producer({ transactionalId: 'durable-txn', maxInFlightRequests: 1, idempotent: true });
      await producer.connect();
      const txn = await producer.transaction();
      await txn.send({ topic: 'durable', messages: [{ value: 'open-1' }, { value: 'open-2' }] });
      await producer.disconnect();
      const before = running.broker.replicas.partition('durable', 0)!;
      expect(before.producers.lastStableOffset(before.log.highWatermark)).toBe(0n);
      await running.stop();
      expect(readdirSync(join(dataDir, 'durable-0')).filter((n) => n.endsWith('.snapshot'))).toEqual(['00000000000000000002.snapshot']);

      running = await startBroker({ dataDir });
      client = new Kafka({ brokers: [running.bootstrapServers], logLevel: logLevel.NOTHING });
      const after = running.broker.replicas.partition('durable', 0)!;
      expect(after.producers.lastStableOffset(after.log.highWatermark)).toBe(0n);
      expect(after.producers.activeProducers()[0]?.currentTxnFirstOffset).toBe(0n);
      // The coordinator reloads the open transaction from __transaction_state (ListTransactions
      // loads too, without any request for the id first).
      expect((await running.broker.txnCoordinator!.list()).map((t) => t.transactionalId)).toContain('durable-txn');
      const described = await running.broker.txnCoordinator!.describe('durable-txn');
      expect(described.txn?.state).toBe(1); // Ongoing
      await running.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
