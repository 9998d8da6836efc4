import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
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
});
