// Three combined broker+controller nodes in one process over loopback: they elect a metadata
// leader, register and get unfenced through BrokerRegistration/BrokerHeartbeat, serve kafkajs,
// and when the active controller stops the others elect a new one, which fences the silent
// broker after broker.session.timeout.ms.
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { eventually } from '../../../helpers/eventually.js';
import { Kafka, logLevel } from 'kafkajs';
import { startLocalCluster, type LocalCluster } from '../../../../src/metadata/raft-driver/local-cluster.js';
import type { Broker } from '../../../../src/broker/broker.js';
import { buildUncompressedRecordBatch } from '../../../../src/records/record-batch.js';
import { ErrorCode } from '../../../../protocol/generated/error-codes.js';

const FAST = {
  'controller.quorum.election.timeout.ms': '300',
  'controller.quorum.fetch.timeout.ms': '600',
  'controller.quorum.election.backoff.max.ms': '300',
  'controller.quorum.request.timeout.ms': '500',
  'broker.heartbeat.interval.ms': '200',
  'broker.session.timeout.ms': '1500',
};

let cluster: LocalCluster | undefined;

afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

/** Broker id → fenced, as a node's metadata image has it. */
function fencing(broker: Broker): Record<number, boolean> {
  return Object.fromEntries([...broker.image.brokers()].map((b) => [b.id, b.fenced]));
}

describe('local 3-node cluster', () => {
  it('registers every node, serves kafkajs, fails the controller over and fences the stopped node', async () => {
    cluster = await startLocalCluster({ nodes: 3, basePort: 0, host: '127.0.0.1', advertisedHost: '127.0.0.1', overrides: FAST, logger: pino({ level: process.env.CLUSTER_LOG ?? 'silent' }) });
    const brokers = cluster.brokers;
    const all = { 1: false, 2: false, 3: false };
    for (const broker of brokers) await eventually(`node ${broker.config.nodeId} sees three unfenced brokers`, () => (JSON.stringify(fencing(broker)) === JSON.stringify(all) ? true : undefined));
    const leaders = brokers.filter((b) => b.quorum.isLeader);
    expect(leaders).toHaveLength(1);
    const controller = leaders[0]!;
    for (const broker of brokers) expect(broker.quorum.leaderId).toBe(controller.config.nodeId);

    const kafka = new Kafka({ brokers: cluster.bootstrapServers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
    const admin = kafka.admin();
    await admin.connect();
    const described = await admin.describeCluster();
    expect(described.brokers.map((b) => b.nodeId).sort()).toEqual([1, 2, 3]);
    expect(described.controller).toBe(controller.config.nodeId);
    await admin.createTopics({ topics: [{ topic: 'spread', numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    // Every node applied the topic; the partition leaders are spread over the brokers.
    for (const broker of brokers) await eventually(`node ${broker.config.nodeId} knows the topic`, () => broker.image.topic('spread'));
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'spread', messages: [0, 1, 2].map((p) => ({ partition: p, value: `to-${p}` })) });
    await producer.disconnect();
    for (const [p, state] of brokers[0]!.image.topic('spread')!.partitions) {
      const host = brokers.find((b) => b.config.nodeId === state.leader)!;
      expect(host.replicas.partition('spread', p)?.log.logEndOffset).toBe(1n);
    }

    // The controller stops: the two others elect a new one, which fences the silent node.
    const oldId = controller.config.nodeId;
    const ledByOld = [...brokers[0]!.image.topic('spread')!.partitions.values()].filter((p) => p.leader === oldId).map((p) => p.partition);
    expect(ledByOld.length).toBeGreaterThan(0);
    await controller.stop();
    const survivors = brokers.filter((b) => b !== controller);
    const next = await eventually('a new controller', () => survivors.find((b) => b.quorum.isLeader && survivors.every((s) => s.quorum.leaderId === b.config.nodeId)));
    expect(next.config.nodeId).not.toBe(oldId);
    for (const broker of survivors) await eventually(`node ${broker.config.nodeId} sees node ${oldId} fenced`, () => (fencing(broker)[oldId] === true ? true : undefined));
    for (const broker of survivors) expect(Object.values(fencing(broker)).filter((f) => !f)).toHaveLength(2);
    // Its partitions had no other replica in sync: they are leaderless now, their ISR kept (Kafka 3.9 without ELR).
    for (const broker of survivors) {
      for (const p of ledByOld) expect(broker.image.topic('spread')!.partitions.get(p)).toMatchObject({ leader: -1, isr: [oldId] });
    }
  }, 60_000);

  it('replicates a replication-factor-3 topic to the followers and commits what all in-sync replicas hold', async () => {
    cluster = await startLocalCluster({ nodes: 3, basePort: 0, host: '127.0.0.1', advertisedHost: '127.0.0.1', overrides: FAST, logger: pino({ level: process.env.CLUSTER_LOG ?? 'silent' }) });
    const brokers = cluster.brokers;
    const kafka = new Kafka({ brokers: cluster.bootstrapServers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'copied', numPartitions: 2, replicationFactor: 3 }], waitForLeaders: true });
    await admin.disconnect();
    for (const broker of brokers) await eventually(`node ${broker.config.nodeId} hosts both partitions`, () => (broker.replicas.partition('copied', 1) && broker.replicas.partition('copied', 0) ? true : undefined));
    const producer = kafka.producer();
    await producer.connect();
    const sent = Array.from({ length: 40 }, (_, i) => ({ partition: i % 2, value: `m${i}` }));
    await producer.send({ topic: 'copied', messages: sent });
    await producer.disconnect();

    // Every replica ends up with the leader's log, and the leader's high watermark reaches its end.
    for (const p of [0, 1]) {
      const leaderId = brokers[0]!.image.topic('copied')!.partitions.get(p)!.leader;
      const leader = brokers.find((b) => b.config.nodeId === leaderId)!.replicas.partition('copied', p)!;
      expect(leader.log.logEndOffset).toBe(20n);
      await eventually(`partition ${p} committed`, () => (leader.log.highWatermark === 20n ? true : undefined));
      for (const broker of brokers) {
        await eventually(`node ${broker.config.nodeId} holds partition ${p}`, () => (broker.replicas.partition('copied', p)!.log.logEndOffset === 20n ? true : undefined));
      }
    }
    const consumer = kafka.consumer({ groupId: 'copied-readers' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'copied', fromBeginning: true });
    const seen = new Set<string>();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed ${seen.size} of 40`)), 20_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.add(message.value!.toString());
          if (seen.size === sent.length) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    expect(seen.size).toBe(40);
  }, 60_000);

  it('acks=all answers once every in-sync replica holds the batch, and refuses below min.insync.replicas', async () => {
    cluster = await startLocalCluster({ nodes: 3, basePort: 0, host: '127.0.0.1', advertisedHost: '127.0.0.1', overrides: FAST, logger: pino({ level: process.env.CLUSTER_LOG ?? 'silent' }) });
    const brokers = cluster.brokers;
    const controller = brokers.find((b) => b.quorum.isLeader)!;
    const [created] = await controller.controller.createTopics(
      [{ name: 'strict', numPartitions: 1, replicationFactor: 3, assignments: new Map(), configs: new Map([['min.insync.replicas', '3']]) }],
      false,
    );
    expect(created!.errorCode).toBe(0);
    const state = await eventually('the partition everywhere', () => (brokers.every((b) => b.replicas.partition('strict', 0)) ? brokers[0]!.image.topic('strict')!.partitions.get(0) : undefined));
    const leader = brokers.find((b) => b.config.nodeId === state.leader)!;
    const batch = () => buildUncompressedRecordBatch([{ key: null, value: Buffer.from('x') }]);
    for (let i = 0; i < 5; i++) {
      const outcome = await leader.replicas.produce('strict', 0, batch(), { acks: -1, produceVersion: 9 });
      expect(outcome.errorCode).toBe(0);
      // Answered only after the high watermark passed it: every in-sync follower had fetched past it.
      for (const broker of brokers) expect(broker.replicas.partition('strict', 0)!.log.logEndOffset).toBeGreaterThan(outcome.baseOffset);
    }

    // A follower stops; once the controller fences it the ISR is 2 < min.insync.replicas = 3.
    const follower = brokers.find((b) => b !== leader && b !== controller) ?? brokers.find((b) => b !== leader)!;
    await follower.stop();
    await eventually('the ISR to shrink', () => (leader.replicas.partition('strict', 0)!.isr.length === 2 ? true : undefined));
    const refused = await leader.replicas.produce('strict', 0, batch(), { acks: -1, produceVersion: 9 });
    expect(refused.errorCode).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
    expect((await leader.replicas.produce('strict', 0, batch(), { acks: 1, produceVersion: 9 })).errorCode).toBe(0);
  }, 60_000);
  it("acks=all honours the Produce request's timeout_ms: REQUEST_TIMED_OUT from the broker when the followers stall", async () => {
    cluster = await startLocalCluster({ nodes: 3, basePort: 0, host: '127.0.0.1', advertisedHost: '127.0.0.1', overrides: FAST, logger: pino({ level: process.env.CLUSTER_LOG ?? 'silent' }) });
    const brokers = cluster.brokers;
    const kafka = new Kafka({ brokers: cluster.bootstrapServers.split(','), logLevel: logLevel.NOTHING, requestTimeout: 20_000, retry: { retries: 0 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'stalled', numPartitions: 1, replicationFactor: 3 }], waitForLeaders: true });
    await admin.disconnect();
    for (const broker of brokers) await eventually(`node ${broker.config.nodeId} hosts the partition`, () => broker.replicas.partition('stalled', 0));
    const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    await producer.connect();
    await producer.send({ topic: 'stalled', acks: -1, messages: [{ value: 'in sync' }] });
    // Followers stop fetching (still in the ISR, replica.lag.time.max.ms is 30 s): the high watermark cannot move.
    for (const broker of brokers) broker.followerFetchers!.pause();
    const started = Date.now();
    const error = await producer.send({ topic: 'stalled', acks: -1, timeout: 500, messages: [{ value: 'stuck' }] }).then(
      () => undefined,
      (e: unknown) => e as { type?: string; cause?: { type?: string } },
    );
    const elapsed = Date.now() - started;
    for (const broker of brokers) broker.followerFetchers!.resume();
    await producer.disconnect();
    expect(error?.cause?.type ?? error?.type).toBe('REQUEST_TIMED_OUT');
    // The broker answered after about timeout_ms, long before kafkajs's own 20 s request timeout.
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(10_000);
  }, 60_000);
});
