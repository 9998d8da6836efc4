import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type RunningBroker } from '../../../../src/index.js';
import { ApiKey } from '../../../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../../../protocol/generated/error-codes.js';
import { InitProducerIdRequest } from '../../../../protocol/generated/message/init-producer-id-request.js';
import { InitProducerIdResponse } from '../../../../protocol/generated/message/init-producer-id-response.js';
import { buildUncompressedRecordBatch } from '../../../../src/records/record-batch.js';
import { RawClient, createTopic, produce } from '../../broker/raw-client.js';
import { startBrokerProcess, type BrokerProcess } from '../../../helpers/broker-process.js';
import { freePort } from '../../../helpers/fault-proxy.js';

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

  it('after kill -9 (no shutdown snapshot) the producer state is rebuilt from snapshot + log replay: retried batches are duplicates, a gap is refused', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-crash-'));
    const port = await freePort();
    const args = ['--controller-port', String(await freePort())];
    let running: BrokerProcess | undefined;
    let client: RawClient | undefined;
    try {
      running = await startBrokerProcess({ dataDir, port, args });
      client = await RawClient.connect(port);
      // Small segments, so rolls write snapshots mid-stream and recovery starts from one.
      expect((await createTopic(client, 'crash', 1, { 'segment.bytes': '2000' })).errorCode).toBe(0);
      const init = InitProducerIdRequest.defaults();
      Object.assign(init, { transactionalId: null, transactionTimeoutMs: 30_000, producerId: -1n, producerEpoch: -1 });
      const { producerId, producerEpoch } = await client.request(ApiKey.InitProducerId, 4, InitProducerIdRequest, init, InitProducerIdResponse);
      const batchAt = (seq: number) =>
        buildUncompressedRecordBatch(Array.from({ length: 3 }, (_, i) => ({ value: Buffer.from(`record-${seq + i}-${'x'.repeat(40)}`) })), { producerId, producerEpoch, baseSequence: seq, timestamp: 1_700_000_000_000n });
      const firstOffsets: bigint[] = [];
      for (let b = 0; b < 12; b++) {
        const r = await produce(client, 'crash', 0, batchAt(b * 3));
        expect(r.errorCode).toBe(0);
        firstOffsets.push(r.baseOffset);
      }
      const logEnd = firstOffsets.at(-1)! + 3n;
      client.close();
      await running.kill();
      const files = readdirSync(join(dataDir, 'crash-0'));
      const snapshots = files.filter((n) => n.endsWith('.snapshot')).map((n) => BigInt(n.slice(0, 20)));
      // Segments rolled (so snapshots exist), but none sits at the log end: the tail must be replayed.
      expect(snapshots.length).toBeGreaterThan(0);
      expect(snapshots.every((o) => o < logEnd)).toBe(true);

      running = await startBrokerProcess({ dataDir, port, args });
      client = await RawClient.connect(port);
      // Kafka's recovery: the newest snapshot (each producer's last batch before it) plus the
      // batches replayed from the log after it, the last five of them retained.
      const snapshotAt = snapshots.reduce((a, b) => (b > a ? b : a));
      const replayed = firstOffsets.map((o, b) => ({ o, b })).filter(({ o }) => o >= snapshotAt).map(({ b }) => b);
      expect(replayed.length).toBeGreaterThanOrEqual(2);
      const beforeSnapshot = firstOffsets.findIndex((o) => o + 3n === snapshotAt);
      const retained = [...(beforeSnapshot >= 0 ? [beforeSnapshot] : []), ...replayed].slice(-5);
      // Each retry of a retained batch is answered with its original offset (the in-flight
      // batches a client retries after the crash are among them).
      for (const b of [...retained].reverse()) {
        const r = await produce(client, 'crash', 0, batchAt(b * 3));
        expect({ b, errorCode: r.errorCode, baseOffset: r.baseOffset }).toEqual({ b, errorCode: 0, baseOffset: firstOffsets[b] });
      }
      // Older than what the state retains: out of sequence, as Kafka answers.
      expect((await produce(client, 'crash', 0, batchAt(0))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
      // A gap after the last sequence is refused; the next batch in sequence is appended at the end.
      expect((await produce(client, 'crash', 0, batchAt(13 * 3))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
      const next = await produce(client, 'crash', 0, batchAt(12 * 3));
      expect(next).toMatchObject({ errorCode: 0, baseOffset: logEnd });
      console.log('producer state after kill -9', JSON.stringify({ logEnd: String(logEnd), snapshotsBeforeRestart: snapshots.map(String), replayedBatches: replayed.length, duplicatesRecognised: retained.length }));
    } finally {
      client?.close();
      await running?.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
