// Issue 6 acceptance 2: a real 3-process cluster on loopback. A producer writes sequenced
// records with acks=all to a replication-factor-3 topic with min.insync.replicas=2 while the
// leader of a partition is killed with SIGKILL and restarted, 20 times (partitions and nodes
// alternate; some kills hit the active controller). Measured per kill: kill → first
// acknowledged acks=all produce to that partition on its new leader. Afterwards every
// partition is read from the beginning: no acknowledged record may be missing, and per
// partition the sequence never goes backwards (duplicates from retried sends are counted).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { FAST_FAILOVER, ProcessCluster } from '../../../helpers/cluster-process.js';

const TOPIC = 'failover';
const PARTITIONS = 3;
const KILLS = Number(process.env.SLUICE_KILLS ?? 20);

let cluster: ProcessCluster | undefined;
let failed = true;

beforeAll(async () => {
  cluster = await ProcessCluster.start({
    overrides: { ...FAST_FAILOVER, 'offsets.topic.replication.factor': '3', 'default.replication.factor': '3', 'auto.create.topics.enable': 'false' },
  });
}, 90_000);

afterAll(async () => {
  if (failed && cluster !== undefined) process.stderr.write(`cluster logs (${cluster.dataRoot}):\n${cluster.logs(80)}\n`);
  await cluster?.destroy(process.env.SLUICE_KEEP_CLUSTER === '1');
});

interface Ack {
  readonly seq: number;
  /** When the acknowledged send was started, and when its acknowledgement arrived. */
  readonly sentAt: number;
  readonly at: number;
}

function summary(values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted.length === 0 ? NaN : sorted.length % 2 === 1 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  return `min ${sorted[0]} ms, median ${median} ms, max ${sorted[sorted.length - 1]} ms`;
}

/** One sequenced acks=all writer per partition; retries the same sequence number until acknowledged. */
class SequencedWriter {
  readonly acks: Ack[][] = Array.from({ length: PARTITIONS }, () => []);
  readonly errors: number[] = Array.from({ length: PARTITIONS }, () => 0);
  private stopped = false;
  private loops: Promise<void>[] = [];

  constructor(private readonly producer: Producer) {}

  start(): void {
    this.loops = Array.from({ length: PARTITIONS }, (_, p) => this.run(p));
  }

  private async run(partition: number): Promise<void> {
    let seq = 0;
    while (!this.stopped) {
      const sentAt = Date.now();
      try {
        await this.producer.send({ topic: TOPIC, acks: -1, timeout: 5000, messages: [{ partition, key: String(partition), value: String(seq) }] });
        this.acks[partition]!.push({ seq, sentAt, at: Date.now() });
        seq++;
        // A steady trickle, so a failover is measured to within a few tens of milliseconds.
        await sleep(10);
      } catch {
        this.errors[partition]!++;
        await sleep(25);
      }
    }
  }

  /**
   * First acknowledgement on `partition` of a send started after `since` (an answer the dead
   * leader had already sent may still be read after its death; it must not count).
   */
  async ackAfter(partition: number, since: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ack = this.acks[partition]!.find((a) => a.sentAt >= since);
      if (ack !== undefined) return ack.at;
      if (Date.now() > deadline) throw new Error(`no acknowledged write to partition ${partition} within ${timeoutMs} ms of the kill`);
      await sleep(5);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('3-process cluster under kill -9', () => {
  it(`keeps every acknowledged acks=all record through ${KILLS} leader kills`, async () => {
    const c = cluster!;
    const started = Date.now();
    await c.waitHealthy();
    const kafka = new Kafka({
      clientId: 'kill-test',
      brokers: c.bootstrapServers,
      logLevel: logLevel.NOTHING,
      requestTimeout: 5000,
      connectionTimeout: 1000,
      retry: { retries: 2, initialRetryTime: 50, maxRetryTime: 200 },
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
      waitForLeaders: true,
    });
    await admin.disconnect();
    await c.waitFullIsr([TOPIC]);

    // Idempotence off by default (duplicates from retried sends are counted); SLUICE_IDEMPOTENT=1 turns it on.
    const idempotent = process.env.SLUICE_IDEMPOTENT === '1';
    const producer = kafka.producer({ idempotent, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    const writer = new SequencedWriter(producer);
    writer.start();

    const kills: { kill: number; partition: number; victim: number; controller: boolean; newLeader: number; failoverMs: number }[] = [];
    try {
      for (let i = 0; i < KILLS; i++) {
        await sleep(300); // some writes on the healthy cluster between kills
        const views = await c.waitFullIsr([TOPIC]);
        const view = views[0]!;
        const byLeader = (id: number): number | undefined => view.partitions.find((p) => p.leader === id)?.partition;
        // Every third kill takes the active controller (when it leads a partition); the others
        // walk the partitions, skipping one the controller leads when another will do, so each
        // node and partition loses its leader in turn.
        let partition = i % PARTITIONS;
        if (i % 3 === 2) partition = byLeader(view.controllerId) ?? partition;
        else if (view.partitions.find((p) => p.partition === partition)?.leader === view.controllerId) {
          partition = view.partitions.find((p) => p.leader !== view.controllerId)?.partition ?? partition;
        }
        const victim = view.partitions.find((p) => p.partition === partition)!.leader;
        const wasController = victim === view.controllerId;
        const killedAt = Date.now();
        await c.kill(victim);
        const ackAt = await writer.ackAfter(partition, Date.now(), 30_000);
        const newLeader = (await c.partition(TOPIC, partition))?.leader ?? -1;
        const failoverMs = ackAt - killedAt;
        kills.push({ kill: i + 1, partition, victim, controller: wasController, newLeader, failoverMs });
        process.stdout.write(`kill ${i + 1}: node ${victim}${wasController ? ' (active controller)' : ''} led partition ${partition}; new leader ${newLeader}; failover ${failoverMs} ms (killed at ${killedAt})\n`);
        await sleep(200);
        await c.startNode(victim);
        await c.waitHealthy();
      }
      await c.waitFullIsr([TOPIC]);
      await sleep(300);
    } finally {
      await writer.stop();
      await producer.disconnect();
    }

    const times = kills.map((k) => k.failoverMs);
    process.stdout.write(`failover per kill (ms): ${times.join(', ')}\n`);
    process.stdout.write(`failover: ${summary(times)}; controller kills: ${summary(kills.filter((k) => k.controller).map((k) => k.failoverMs))}; others: ${summary(kills.filter((k) => !k.controller).map((k) => k.failoverMs))}\n`);
    process.stdout.write(`acknowledged per partition: ${writer.acks.map((a) => a.length).join(', ')}; failed sends: ${writer.errors.join(', ')}\n`);

    // Read everything back from the beginning.
    const admin2 = kafka.admin();
    await admin2.connect();
    const ends = await admin2.fetchTopicOffsets(TOPIC);
    await admin2.disconnect();
    const consumed: number[][] = Array.from({ length: PARTITIONS }, () => []);
    const consumer = kafka.consumer({ groupId: `kill-check-${Date.now()}`, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    const target = (p: number): number => Number(ends.find((e) => e.partition === p)!.high);
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) consumed[batch.partition]!.push(Number(m.value!.toString()));
          if (consumed.every((values, p) => values.length >= target(p))) resolve();
        },
      });
    });
    await Promise.race([done, sleep(60_000).then(() => { throw new Error(`consumer did not reach the end offsets ${JSON.stringify(ends)}: got ${consumed.map((v) => v.length).join(',')}`); })]);
    await consumer.disconnect();

    let lost = 0;
    let duplicates = 0;
    let outOfOrder = 0;
    for (let p = 0; p < PARTITIONS; p++) {
      const values = consumed[p]!;
      const present = new Set(values);
      lost += writer.acks[p]!.filter((a) => !present.has(a.seq)).length;
      duplicates += values.length - present.size;
      for (let k = 1; k < values.length; k++) if (values[k]! < values[k - 1]!) outOfOrder++;
    }
    const total = writer.acks.reduce((n, a) => n + a.length, 0);
    process.stdout.write(`read back ${consumed.map((v) => v.length).join(', ')} records; acknowledged ${total}, lost ${lost}, duplicates ${duplicates}, out of order ${outOfOrder}; whole test ${Date.now() - started} ms\n`);
    expect(kills).toHaveLength(KILLS);
    expect(lost).toBe(0);
    expect(outOfOrder).toBe(0);
    failed = false;
  }, 300_000);
});
