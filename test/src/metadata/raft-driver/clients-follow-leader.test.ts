// Issue 6 acceptance 4: stock clients follow leadership changes on a real 3-process cluster.
// While partition leaders are killed with SIGKILL and restarted, a kafkajs producer and
// consumer group, a kcat producer (-P, librdkafka) and a kcat consumer (-C) keep running:
// their requests to the dead leader fail (connection errors, NOT_LEADER_OR_FOLLOWER), they
// refresh metadata and carry on with the new leader. Every record a producer had
// acknowledged reaches both consumers.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { FAST_FAILOVER, ProcessCluster } from '../../../helpers/cluster-process.js';
import { PROBES, requireClient } from '../../../helpers/real-clients.js';

const TOPIC = 'follow';
const PARTITIONS = 2;
const KILLS = 3;
const hasKcat = requireClient('kcat', PROBES.kcat);

let cluster: ProcessCluster | undefined;
let failed = true;
const children: ChildProcess[] = [];

beforeAll(async () => {
  if (!hasKcat) return;
  cluster = await ProcessCluster.start({
    overrides: { ...FAST_FAILOVER, 'offsets.topic.replication.factor': '3', 'default.replication.factor': '3', 'auto.create.topics.enable': 'false' },
  });
}, 90_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (failed && cluster !== undefined) process.stderr.write(`cluster logs (${cluster.dataRoot}):\n${cluster.logs(60)}\n`);
  await cluster?.destroy();
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A long-running kcat; its stdout and stderr are collected. */
function kcat(args: string[]): { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> } {
  const child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exited };
}

describe.skipIf(!hasKcat)('kafkajs and kcat follow leadership changes', () => {
  it(`keep producing and consuming through ${KILLS} leader kills and restarts`, async () => {
    const c = cluster!;
    await c.waitHealthy();
    const brokers = c.bootstrapServers;
    const kafka = new Kafka({
      clientId: 'follow-test',
      brokers,
      logLevel: logLevel.NOTHING,
      requestTimeout: 5000,
      connectionTimeout: 1000,
      retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
      waitForLeaders: true,
    });
    await admin.disconnect();
    await c.waitFullIsr([TOPIC]);

    // kafkajs consumer group and kcat consumer, both from the beginning.
    const kjsConsumed = new Set<string>();
    const consumer = kafka.consumer({ groupId: 'follow-group', maxWaitTimeInMs: 200, sessionTimeout: 10_000, heartbeatInterval: 1000 });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void kjsConsumed.add(message.value!.toString()) });
    const kcatConsumer = kcat(['-C', '-b', brokers.join(','), '-t', TOPIC, '-o', 'beginning', '-u', '-f', '%s\n', '-X', 'topic.metadata.refresh.interval.ms=1000']);

    // kafkajs producer: sequenced acks=all sends, every acknowledged value recorded.
    const kjsAcked: string[] = [];
    let kjsErrors = 0;
    let producing = true;
    const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 3, initialRetryTime: 50, maxRetryTime: 300 } });
    await producer.connect();
    const kjsLoop = (async () => {
      for (let seq = 0; producing; ) {
        const value = `kjs-${seq}`;
        try {
          await producer.send({ topic: TOPIC, acks: -1, timeout: 5000, messages: [{ key: String(seq), value }] });
          kjsAcked.push(value);
          seq++;
        } catch {
          kjsErrors++;
        }
        await sleep(20);
      }
    })();

    // kcat producer: lines on stdin, acks=all; librdkafka retries each until delivered, and kcat
    // reports every failed delivery on stderr and exits non-zero.
    const kcatProducer = kcat(['-P', '-b', brokers.join(','), '-t', TOPIC, '-X', 'acks=all', '-X', 'message.timeout.ms=60000', '-X', 'linger.ms=5', '-X', 'topic.metadata.refresh.interval.ms=1000']);
    const kcatSent: string[] = [];
    const kcatLoop = (async () => {
      for (let seq = 0; producing; seq++) {
        const value = `kcat-${seq}`;
        kcatProducer.child.stdin!.write(`${value}\n`);
        kcatSent.push(value);
        await sleep(20);
      }
      kcatProducer.child.stdin!.end();
    })();

    const failovers: number[] = [];
    try {
      for (let i = 0; i < KILLS; i++) {
        await sleep(1000);
        const view = (await c.waitFullIsr([TOPIC]))[0]!;
        const partition = i % PARTITIONS;
        const victim = view.partitions.find((p) => p.partition === partition)!.leader;
        const killedAt = Date.now();
        const before = kjsAcked.length;
        await c.kill(victim);
        // Leadership moves once the controller fences the dead broker.
        for (;;) {
          const p = await c.partition(TOPIC, partition);
          if (p !== undefined && p.leader !== victim && p.leader >= 0) break;
          if (Date.now() - killedAt > 30_000) throw new Error(`partition ${partition} kept its dead leader ${victim}`);
          await sleep(50);
        }
        failovers.push(Date.now() - killedAt);
        process.stdout.write(`kill ${i + 1}: node ${victim}${victim === view.controllerId ? ' (active controller)' : ''} led partition ${partition}; new leader after ${Date.now() - killedAt} ms\n`);
        await sleep(1000);
        await c.startNode(victim);
        await c.waitHealthy();
        expect(kjsAcked.length, 'kafkajs kept producing').toBeGreaterThan(before);
      }
      await c.waitFullIsr([TOPIC]);
      await sleep(1000);
    } finally {
      producing = false;
      await Promise.all([kjsLoop, kcatLoop]);
    }
    const kcatExit = await Promise.race([kcatProducer.exited, sleep(90_000).then(() => 'timeout' as const)]);
    await producer.disconnect();
    // Connection errors to the dead node are expected; a lost message shows as "Delivery failed".
    const deliveryFailures = kcatProducer.err().split('\n').filter((l) => /delivery failed/i.test(l));
    process.stdout.write(`kafkajs acknowledged ${kjsAcked.length} (failed sends ${kjsErrors}); kcat sent ${kcatSent.length}, exit ${kcatExit}, delivery errors ${deliveryFailures.length}\n`);
    if (deliveryFailures.length > 0) process.stdout.write(`kcat -P stderr:\n${kcatProducer.err()}\n`);
    expect(kcatExit).toBe(0);
    expect(deliveryFailures).toEqual([]);

    // Both consumers receive every acknowledged record (kcat's delivered all of its lines).
    const expected = [...kjsAcked, ...kcatSent];
    const deadline = Date.now() + 60_000;
    const kcatSeen = (): Set<string> => new Set(kcatConsumer.out().split('\n').filter((l) => l.length > 0));
    for (;;) {
      const missingKjs = expected.filter((v) => !kjsConsumed.has(v)).length;
      const missingKcat = expected.filter((v) => !kcatSeen().has(v)).length;
      if (missingKjs === 0 && missingKcat === 0) break;
      if (Date.now() > deadline) {
        throw new Error(`consumers missed acknowledged records: kafkajs consumer ${missingKjs}, kcat -C ${missingKcat} of ${expected.length}\nkcat -C stderr:\n${kcatConsumer.err().slice(-2000)}`);
      }
      await sleep(200);
    }
    await consumer.disconnect();
    kcatConsumer.child.kill('SIGTERM');
    process.stdout.write(`new leader visible after ${failovers.join(', ')} ms; kafkajs consumer got ${kjsConsumed.size}, kcat -C got ${kcatSeen().size} of ${expected.length} acknowledged\n`);
    failed = false;
  }, 240_000);
});
