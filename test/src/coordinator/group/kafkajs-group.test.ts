// Real kafkajs consumer groups against an in-process broker: partitions spread over members,
// every record consumed, and committed offsets that survive a broker restart from disk.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import { startBroker, type RunningBroker } from '../../../../src/index.js';

const TOPIC = 'orders';
const PARTITIONS = 6;
const RECORDS = 600;

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function client(broker: RunningBroker, clientId: string): kafkajs.Kafka {
  return new kafkajs.Kafka({ clientId, brokers: [broker.bootstrapServers], logLevel: kafkajs.logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 50, maxRetryTime: 500 } });
}

describe('kafkajs consumer group', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });

  it('spreads partitions over 3 consumers, consumes everything, and resumes from commits after a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-groups-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    let broker = await startBroker({ dataDir });
    const port = broker.port;
    cleanups.push(() => broker.stop());

    const kafka = client(broker, 'setup');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
    const producer = kafka.producer();
    await producer.connect();
    const messages = Array.from({ length: RECORDS }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition: i % PARTITIONS }));
    await producer.send({ topic: TOPIC, messages });
    await producer.disconnect();

    const seen = new Set<string>();
    const assigned = new Map<string, number[]>();
    const consumers: kafkajs.Consumer[] = [];
    for (let c = 0; c < 3; c++) {
      const consumer = client(broker, `member-${c}`).consumer({ groupId: 'g1', sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 100 });
      consumer.on(consumer.events.GROUP_JOIN, (e) => assigned.set(`member-${c}`, e.payload.memberAssignment[TOPIC] ?? []));
      await consumer.connect();
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.add(message.value!.toString()) });
      consumers.push(consumer);
    }
    await waitFor('all records consumed', () => seen.size === RECORDS);
    await waitFor('3 members with 2 partitions each', () => [...assigned.values()].filter((p) => p.length === 2).length === 3);
    const groups = await admin.describeGroups(['g1']);
    expect(groups.groups[0]?.state).toBe('Stable');
    expect(groups.groups[0]?.members).toHaveLength(3);
    for (const consumer of consumers) await consumer.disconnect();
    const committed = await admin.fetchOffsets({ groupId: 'g1', topics: [TOPIC] });
    expect(committed[0]?.partitions.map((p) => Number(p.offset)).sort()).toEqual(Array(PARTITIONS).fill(RECORDS / PARTITIONS));
    await admin.disconnect();

    // Restart from the same directory: committed offsets come back from __consumer_offsets.
    await broker.stop();
    broker = await startBroker({ dataDir, port });
    const kafka2 = client(broker, 'after-restart');
    const admin2 = kafka2.admin();
    await admin2.connect();
    cleanups.push(() => admin2.disconnect());
    const reloaded = await admin2.fetchOffsets({ groupId: 'g1', topics: [TOPIC] });
    expect(reloaded[0]?.partitions.map((p) => Number(p.offset)).sort()).toEqual(Array(PARTITIONS).fill(RECORDS / PARTITIONS));
    expect((await admin2.listGroups()).groups.map((g) => g.groupId)).toContain('g1');

    const producer2 = kafka2.producer();
    await producer2.connect();
    await producer2.send({ topic: TOPIC, messages: [{ value: 'after-restart', partition: 0 }] });
    await producer2.disconnect();
    const resumed: string[] = [];
    const consumer = kafka2.consumer({ groupId: 'g1', sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 100 });
    await consumer.connect();
    cleanups.push(() => consumer.disconnect());
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void resumed.push(message.value!.toString()) });
    await waitFor('the record produced after the restart', () => resumed.includes('after-restart'));
    // Resumed from the commits: nothing consumed before the restart comes again.
    expect(resumed).toEqual(['after-restart']);
  });

  it('moves the partitions of a killed member to the others within the session timeout, and every record is consumed', async () => {
    const broker = await startBroker();
    cleanups.push(() => broker.stop());
    const topic = 'crash';
    const kafka = client(broker, 'setup');
    const admin = kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] });

    const child = spawn(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), 'consumer-child.mjs'), broker.bootstrapServers, 'g2', topic], { stdio: ['ignore', 'pipe', 'inherit'] });
    cleanups.push(async () => void child.kill('SIGKILL'));
    let childAssigned: number[] = [];
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) childAssigned = (JSON.parse(line) as { assigned: number[] }).assigned;
    });

    const seen = new Set<string>();
    const assigned = new Map<number, number[]>();
    for (let c = 0; c < 2; c++) {
      const consumer = client(broker, `member-${c}`).consumer({ groupId: 'g2', sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 100 });
      consumer.on(consumer.events.GROUP_JOIN, (e) => assigned.set(c, e.payload.memberAssignment[topic] ?? []));
      await consumer.connect();
      cleanups.push(() => consumer.disconnect());
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.add(message.value!.toString()) });
    }
    await waitFor('three members with two partitions each', () => childAssigned.length === 2 && [...assigned.values()].every((p) => p.length === 2) && assigned.size === 2);

    child.kill('SIGKILL');
    const killedAt = Date.now();
    const orphaned = childAssigned;
    // The dead member sends no LeaveGroup: only its session timeout (6 s) frees its partitions.
    await waitFor('the survivors to take over all partitions', () => [...assigned.values()].flat().sort().join() === '0,1,2,3,4,5', 30_000);
    const movedAfterMs = Date.now() - killedAt;
    console.log(`partitions ${orphaned.join(',')} of the killed member moved after ${movedAfterMs} ms`);

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: RECORDS }, (_, i) => ({ value: `c${i}`, partition: i % PARTITIONS })) });
    await producer.disconnect();
    await waitFor('every record consumed', () => seen.size === RECORDS);
  });
});
