// Idempotent producers whose connections a fault proxy cuts mid-stream: librdkafka (through
// confluent-kafka-python) and kafkajs retry batches, some of which the broker already wrote
// (the proxy drops Produce responses after the broker answered). Reading everything back must
// show no duplicates, no gaps and every partition in order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type RunningBroker } from '../../../../src/index.js';
import { rmSync } from 'node:fs';
import { startFaultProxy, freePort, type FaultProxy } from '../../../helpers/fault-proxy.js';
import { startBrokerProcess, tempDataDir, type BrokerProcess } from '../../../helpers/broker-process.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(import.meta.dirname, 'idempotent-librdkafka.py');
const PRODUCE = 0;

function hasConfluentKafka(): boolean {
  return spawnSync(PYTHON, ['-c', 'import confluent_kafka'], { stdio: 'ignore' }).status === 0;
}

const pythonReady = hasConfluentKafka();
if (!pythonReady) {
  if (process.env.CI !== undefined) throw new Error(`${PYTHON} with confluent_kafka is required in CI`);
  console.warn(`\n!!! SKIPPING the librdkafka idempotence-under-faults test: ${PYTHON} cannot import confluent_kafka (install python3-confluent-kafka) !!!\n`);
}

/** Runs the script; `onLine` sees each stdout line as it arrives; resolves with the last line parsed as JSON. */
function runScript(args: string[], onLine: (line: string) => void, timeoutMs: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args[0]} timed out\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      partial += d.toString();
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const line of lines) onLine(line);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`${args[0]} exited ${code}\n${stdout.slice(-2000)}\n${stderr.slice(-4000)}`));
      else resolve(JSON.parse(last) as Record<string, unknown>);
    });
  });
}

describe('idempotent producers through a faulty connection', () => {
  let proxy: FaultProxy;
  let broker: RunningBroker;
  let kafka: Kafka;

  beforeAll(async () => {
    proxy = await startFaultProxy(0);
    // Clients must reconnect through the proxy, so the broker advertises the proxy's address.
    broker = await startBroker({ overrides: { 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxy.port}` } });
    proxy.upstreamPort = broker.boundPort;
    kafka = new Kafka({ brokers: [broker.bootstrapServers], logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 50, maxRetryTime: 1000 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'idem-rdkafka', numPartitions: 4 }, { topic: 'idem-kafkajs', numPartitions: 2 }] });
    await admin.disconnect();
  }, 30_000);

  afterAll(async () => {
    await proxy?.stop();
    await broker?.stop();
  });

  it.skipIf(!pythonReady)('librdkafka enable.idempotence=true: 50,000 records over cut connections and dropped responses, no duplicates, no gaps, in order', async () => {
    const COUNT = 50_000;
    const PARTITIONS = 4;
    // Faults keyed to delivery progress, so each lands while batches are in flight.
    const faults: [number, string, () => void][] = [
      [4_000, 'drop 1 Produce response', () => proxy.dropResponses(PRODUCE, 1)],
      [9_000, 'cut all connections', () => proxy.cutAll()],
      [14_000, 'drop 2 Produce responses', () => proxy.dropResponses(PRODUCE, 2)],
      [20_000, 'cut 3 times at random byte counts', () => proxy.cutRandomly(3, 2_000, 80_000, seeded(7))],
      [30_000, 'cut all connections', () => proxy.cutAll()],
      [35_000, 'drop 1 Produce response, then cut after 5,000 bytes', () => {
        proxy.dropResponses(PRODUCE, 1);
        proxy.cutAfterBytes(5_000);
      }],
      [42_000, 'cut all connections', () => proxy.cutAll()],
    ];
    const applied: string[] = [];
    const duplicatesAnswered = countDuplicates(broker, 'idem-rdkafka', PARTITIONS);
    const before = { ...proxy.stats, produceRequests: proxy.stats.requests.get(PRODUCE) ?? 0 };
    const produced = await runScript(['produce', `127.0.0.1:${proxy.port}`, 'idem-rdkafka', String(PARTITIONS), String(COUNT)], (line) => {
      const match = /^delivered (\d+)/.exec(line);
      if (match === null) return;
      while (faults.length > 0 && Number(match[1]) >= faults[0]![0]) {
        const [at, what, inject] = faults.shift()!;
        inject();
        applied.push(`${at}: ${what}`);
      }
    }, 180_000);
    const cuts = proxy.stats.cuts - before.cuts;
    const dropped = proxy.stats.droppedResponses - before.droppedResponses;
    const produceRequests = (proxy.stats.requests.get(PRODUCE) ?? 0) - before.produceRequests;
    const verified = await runScript(['verify', `127.0.0.1:${proxy.port}`, 'idem-rdkafka', String(PARTITIONS), String(COUNT)], () => undefined, 150_000);
    const logEnd = Array.from({ length: PARTITIONS }, (_, p) => broker.broker.replicas.partition('idem-rdkafka', p)!.log.logEndOffset);
    console.log('librdkafka idempotent producer under faults', JSON.stringify({ faults: applied, cuts, droppedResponses: dropped, duplicatesAnswered: duplicatesAnswered(), produceRequests, produced, verified, logEndOffsets: logEnd.map(String) }, null, 1));
    expect(applied.length).toBe(7);
    expect(dropped).toBeGreaterThanOrEqual(3);
    // Every dropped response was a batch the broker had written; its retry must be recognised.
    expect(duplicatesAnswered()).toBeGreaterThanOrEqual(dropped);
    expect(cuts).toBeGreaterThanOrEqual(6);
    expect(produced.delivered).toBe(COUNT);
    expect(produced.failed).toBe(0);
    expect(verified.records).toBe(COUNT);
    expect(verified.duplicates).toBe(0);
    expect(verified.gaps).toBe(0);
    expect(verified.orderBreaks).toBe(0);
    expect(verified.wrongPartition).toBe(0);
    // The log itself holds each record once (no duplicate hidden from a reader).
    expect(logEnd.reduce((a, b) => a + b, 0n)).toBe(BigInt(COUNT));
  }, 360_000);

  it('kafkajs idempotent: true with dropped Produce responses and cut connections: each record once, in order', async () => {
    const COUNT = 3_000;
    const PARTITIONS = 2;
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 30, initialRetryTime: 50, maxRetryTime: 500 } });
    const duplicatesAnswered = countDuplicates(broker, 'idem-kafkajs', PARTITIONS);
    await producer.connect();
    const before = { cuts: proxy.stats.cuts, dropped: proxy.stats.droppedResponses };
    const started = Date.now();
    for (let i = 0; i < COUNT; i += 50) {
      if (i % 500 === 100) proxy.dropResponses(PRODUCE, 1);
      if (i % 500 === 350) proxy.cutAll();
      await producer.send({
        topic: 'idem-kafkajs',
        acks: -1,
        messages: Array.from({ length: 50 }, (_, k) => ({ partition: (i + k) % PARTITIONS, value: `${(i + k) % PARTITIONS}:${Math.floor((i + k) / PARTITIONS)}` })),
      });
    }
    await producer.disconnect();
    const cuts = proxy.stats.cuts - before.cuts;
    const dropped = proxy.stats.droppedResponses - before.dropped;

    const consumer = kafka.consumer({ groupId: 'verify-kafkajs-idem', maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'idem-kafkajs', fromBeginning: true });
    const seen = new Map<number, number[]>([[0, []], [1, []]]);
    let total = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${total} of ${COUNT}`)), 60_000);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const [p, seq] = message.value!.toString().split(':').map(Number);
          seen.get(partition)!.push(p === partition ? seq! : -1);
          if (++total === COUNT) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    const logEnd = [0, 1].map((p) => broker.broker.replicas.partition('idem-kafkajs', p)!.log.logEndOffset);
    console.log('kafkajs idempotent producer under faults', JSON.stringify({ records: COUNT, cuts, droppedResponses: dropped, duplicatesAnswered: duplicatesAnswered(), ms: Date.now() - started, logEndOffsets: logEnd.map(String) }));
    expect(dropped).toBe(6);
    expect(duplicatesAnswered()).toBeGreaterThanOrEqual(dropped);
    for (const [, seqs] of seen) expect(seqs).toEqual(Array.from({ length: COUNT / PARTITIONS }, (_, k) => k));
    expect(logEnd.reduce((a, b) => a + b, 0n)).toBe(BigInt(COUNT));
  }, 120_000);
});

describe('idempotent producer across broker crashes (real broker process)', () => {
  it.skipIf(!pythonReady)('librdkafka enable.idempotence=true: 200,000 records while the broker is killed with SIGKILL twice and restarted, no duplicates, no gaps', async () => {
    const COUNT = 200_000;
    const PARTITIONS = 4;
    const dataDir = tempDataDir('sluice-idem-crash-');
    const port = await freePort();
    const args = ['--controller-port', String(await freePort())];
    let broker: BrokerProcess = await startBrokerProcess({ dataDir, port, args });
    try {
      const kafka = new Kafka({ brokers: [`localhost:${port}`], logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'idem-crash', numPartitions: PARTITIONS }] });
      await admin.disconnect();
      const plan = [40_000, 120_000];
      const crashes: string[] = [];
      let restarting: Promise<void> = Promise.resolve();
      const produced = await runScript(['produce', `localhost:${port}`, 'idem-crash', String(PARTITIONS), String(COUNT)], (line) => {
        const match = /^delivered (\d+)/.exec(line);
        if (match === null || plan[0] === undefined || Number(match[1]) < plan[0]) return;
        plan.shift();
        restarting = restarting.then(async () => {
          const t0 = Date.now();
          await broker.kill();
          broker = await startBrokerProcess({ dataDir, port, args });
          crashes.push(`SIGKILL at ${match[1]} delivered, back in ${Date.now() - t0} ms`);
        });
      }, 180_000);
      await restarting;
      const verified = await runScript(['verify', `localhost:${port}`, 'idem-crash', String(PARTITIONS), String(COUNT)], () => undefined, 150_000);
      console.log('librdkafka idempotent producer across kill -9', JSON.stringify({ crashes, produced, verified }, null, 1));
      expect(crashes).toHaveLength(2);
      expect(produced.delivered).toBe(COUNT);
      expect(produced.failed).toBe(0);
      expect(verified.records).toBe(COUNT);
      expect(verified.duplicates).toBe(0);
      expect(verified.gaps).toBe(0);
      expect(verified.orderBreaks).toBe(0);
    } finally {
      await broker.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 360_000);
});

/** Counts the batches the broker answers as retries of batches it already holds (test-only wrap). */
function countDuplicates(broker: RunningBroker, topic: string, partitions: number): () => number {
  let duplicates = 0;
  for (let p = 0; p < partitions; p++) {
    const producers = broker.broker.replicas.partition(topic, p)!.producers;
    const check = producers.check.bind(producers);
    producers.check = (records, origin) => {
      const result = check(records, origin);
      if (result.kind === 'duplicate') duplicates++;
      return result;
    };
  }
  return () => duplicates;
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
