// Transactions across a 3-node in-process cluster: the transaction coordinator, the partition
// leaders and the group coordinator are different brokers. kafkajs transactional producers write
// to partitions led by all three brokers and send offsets for a group coordinated elsewhere;
// some transactions commit, some abort. Then: a read_committed consumer sees exactly the
// committed records, every partition's last stable offset reached its high watermark (no
// marker stuck on a remote leader), and OffsetFetch shows each group's last committed offsets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type Producer, type Transaction } from 'kafkajs';
import { ApiKey } from '../../../../protocol/generated/api-keys.js';
import { ListOffsetsRequest } from '../../../../protocol/generated/message/list-offsets-request.js';
import { ListOffsetsResponse } from '../../../../protocol/generated/message/list-offsets-response.js';
import { RpcClient } from '../../../../src/metadata/raft-driver/rpc-client.js';
import type { LocalCluster } from '../../../../src/metadata/raft-driver/local-cluster.js';
import { partitionForGroup, OFFSETS_TOPIC } from '../../../../src/coordinator/group/partition-for.js';
import { TRANSACTION_STATE_TOPIC } from '../../../../src/coordinator/txn/txn-metadata.js';
import { startFastCluster, sleep } from '../../replication/fast-cluster.js';

const OUT = 'txn-out';
const IN = 'txn-in';
const OUT_PARTITIONS = 6;
const PRODUCERS = 3;
const TXNS = 8; // per producer; every third one aborts
const PER_PARTITION = 20; // records per partition per transaction
const INTERNAL_PARTITIONS = 6;

let cluster: LocalCluster | undefined;

beforeAll(async () => {
  cluster = await startFastCluster({
    'offsets.topic.num.partitions': String(INTERNAL_PARTITIONS),
    'offsets.topic.replication.factor': '3',
    'transaction.state.log.num.partitions': String(INTERNAL_PARTITIONS),
    'transaction.state.log.replication.factor': '3',
    'transaction.state.log.min.isr': '2',
    'auto.create.topics.enable': 'false',
  });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

/** Whose metadata image the test reads (a broker that is still running). */
let viewer = 0;

function leaderOf(topic: string, partition: number): number {
  return cluster!.brokers[viewer]!.image.topic(topic)?.partitions.get(partition)?.leader ?? -1;
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** ListOffsets LATEST on the partition's leader, read_committed (1) or read_uncommitted (0). */
async function latest(partition: number, isolationLevel: number): Promise<bigint> {
  const leader = cluster!.brokers.find((b) => b.config.nodeId === leaderOf(OUT, partition))!;
  const { host, port } = leader.endpoint();
  const client = new RpcClient(host, port, 'lso-check');
  try {
    const response = await client.request(ApiKey.ListOffsets, 7, ListOffsetsRequest, {
      replicaId: -1,
      isolationLevel,
      topics: [{ name: OUT, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }],
    }, ListOffsetsResponse);
    const p = response.topics[0]!.partitions[0]!;
    expect(p.errorCode).toBe(0);
    return p.offset;
  } finally {
    client.close();
  }
}

describe('transactions on a 3-node cluster', () => {
  it('commit and abort across brokers: read_committed sees exactly the committed records, LSO = HW, offsets committed', async () => {
    const started = Date.now();
    const kafka = new Kafka({ clientId: 'cluster-txn', brokers: cluster!.bootstrapServers.split(','), logLevel: logLevel.NOTHING, requestTimeout: 10_000, retry: { retries: 10, initialRetryTime: 100 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: OUT, numPartitions: OUT_PARTITIONS, replicationFactor: 2 }, { topic: IN, numPartitions: 3, replicationFactor: 2 }], waitForLeaders: true });
    await waitFor('leaders of txn-out', () => [...Array(OUT_PARTITIONS).keys()].every((p) => leaderOf(OUT, p) > 0));
    const outLeaders = [...Array(OUT_PARTITIONS).keys()].map((p) => leaderOf(OUT, p));
    // Markers must reach partitions led by every broker, so some are never the coordinator's.
    expect(new Set(outLeaders).size).toBe(3);

    // The coordinators' internal topics, so ids and groups can be chosen by where they live.
    await admin.describeGroups(['warm-up']).catch(() => undefined);
    const producers: { id: string; producer: Producer; first: Transaction; group: string; txnCoordinator: number; groupCoordinator: number }[] = [];
    for (let i = 0; i < PRODUCERS; i++) {
      const id = `tx-${i}`;
      const producer = kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      // kafkajs initializes the transactional id (InitProducerId creates __transaction_state) at the first transaction.
      const first = await producer.transaction();
      producers.push({ id, producer, first, group: '', txnCoordinator: -1, groupCoordinator: -1 });
    }
    const led = (topic: string): boolean => [...Array(INTERNAL_PARTITIONS).keys()].every((p) => leaderOf(topic, p) > 0);
    await waitFor(TRANSACTION_STATE_TOPIC, () => led(TRANSACTION_STATE_TOPIC));
    await waitFor(OFFSETS_TOPIC, () => led(OFFSETS_TOPIC));
    for (const p of producers) {
      p.txnCoordinator = leaderOf(TRANSACTION_STATE_TOPIC, partitionForGroup(p.id, INTERNAL_PARTITIONS));
      // A group whose coordinator is another broker than the transaction's.
      for (let g = 0; ; g++) {
        const group = `txn-group-${p.id}-${g}`;
        const coordinator = leaderOf(OFFSETS_TOPIC, partitionForGroup(group, INTERNAL_PARTITIONS));
        if (coordinator > 0 && coordinator !== p.txnCoordinator) {
          p.group = group;
          p.groupCoordinator = coordinator;
          break;
        }
      }
    }

    const committed = new Set<string>();
    const aborted = new Set<string>();
    const lastCommittedOffsets = new Map<string, string>();
    await Promise.all(
      producers.map(async (p) => {
        for (let t = 0; t < TXNS; t++) {
          const commit = t % 3 !== 2;
          const tx = t === 0 ? p.first : await p.producer.transaction();
          const values: string[] = [];
          for (let partition = 0; partition < OUT_PARTITIONS; partition++) {
            const messages = [...Array(PER_PARTITION).keys()].map((i) => ({ partition, value: `${p.id}/${t}/${partition}/${i}` }));
            for (const m of messages) values.push(m.value);
            await tx.send({ topic: OUT, messages });
          }
          const offset = String((t + 1) * 10);
          await tx.sendOffsets({ consumerGroupId: p.group, topics: [{ topic: IN, partitions: [0, 1, 2].map((partition) => ({ partition, offset })) }] });
          if (commit) {
            await tx.commit();
            for (const v of values) committed.add(v);
            lastCommittedOffsets.set(p.group, offset);
          } else {
            await tx.abort();
            for (const v of values) aborted.add(v);
          }
        }
      }),
    );
    const produceMs = Date.now() - started;
    for (const p of producers) await p.producer.disconnect();

    // Every transaction completes: each partition's LSO reaches its high watermark.
    const lso: bigint[] = [];
    const hw: bigint[] = [];
    const deadline = Date.now() + 20_000;
    for (let partition = 0; partition < OUT_PARTITIONS; partition++) {
      for (;;) {
        const [stable, high] = [await latest(partition, 1), await latest(partition, 0)];
        if (stable === high || Date.now() > deadline) {
          lso.push(stable);
          hw.push(high);
          break;
        }
        await sleep(100);
      }
    }
    expect(lso).toEqual(hw);
    // Data plus one marker per transaction in every partition.
    for (const h of hw) expect(h).toBe(BigInt(PRODUCERS * TXNS * (PER_PARTITION + 1)));

    // A read_committed consumer: exactly the committed records.
    const consumer = kafka.consumer({ groupId: 'txn-verify', readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topic: OUT, fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await waitFor('committed records', () => seen.length >= committed.size, 30_000);
    await sleep(500); // anything extra (an aborted record) would arrive by now
    await consumer.disconnect();
    const leaked = seen.filter((v) => aborted.has(v));
    if (leaked.length > 0) {
      const byPartition = new Map<string, number>();
      for (const v of leaked) { const k = v.split('/').slice(0, 3).join('/'); byPartition.set(k, (byPartition.get(k) ?? 0) + 1); }
      process.stdout.write(`leaked ${JSON.stringify([...byPartition])}\n`);
      for (let partition = 0; partition < OUT_PARTITIONS; partition++) {
        for (const b of cluster!.brokers) {
          const h = b.replicas.partition(OUT, partition);
          process.stdout.write(`p${partition} node ${b.config.nodeId} leader=${h?.isLeader} hw=${h?.log.highWatermark} aborted=${JSON.stringify(h?.producers.allAborted(), (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}\n`);
        }
      }
    }
    expect(leaked).toEqual([]);
    expect(seen.length).toBe(committed.size);
    expect(new Set(seen)).toEqual(committed);

    // The groups' offsets: those of each producer's last committed transaction.
    for (const p of producers) {
      const fetched = await admin.fetchOffsets({ groupId: p.group, topics: [IN] });
      expect(fetched[0]!.partitions.map((x) => x.offset).sort()).toEqual(['0', '1', '2'].map(() => lastCommittedOffsets.get(p.group)));
    }
    await admin.disconnect();
    process.stdout.write(
      `cluster transactions: ${PRODUCERS * TXNS} txns (${committed.size} committed / ${aborted.size} aborted records) in ${produceMs} ms; ` +
        `out leaders ${outLeaders.join(',')}; txn coordinators ${producers.map((p) => p.txnCoordinator).join(',')}; group coordinators ${producers.map((p) => p.groupCoordinator).join(',')}; ` +
        `LSO=HW ${hw.join(',')}; total ${Date.now() - started} ms\n`,
    );
  }, 90_000);
  it('a commit racing the shutdown of a partition leader: the markers follow the partitions to their new leaders', async () => {
    const started = Date.now();
    const kafka = new Kafka({ clientId: 'cluster-txn-2', brokers: cluster!.bootstrapServers.split(','), logLevel: logLevel.NOTHING, requestTimeout: 10_000, retry: { retries: 10, initialRetryTime: 100 } });
    // Standalone too (vitest -t): the topic exists when the first test ran.
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: OUT, numPartitions: OUT_PARTITIONS, replicationFactor: 2 }], waitForLeaders: true });
    await admin.disconnect();
    await waitFor('leaders of txn-out', () => [...Array(OUT_PARTITIONS).keys()].every((p) => leaderOf(OUT, p) > 0));
    const id = 'tx-failover';
    const producer = kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const tx = await producer.transaction();
    const coordinator = leaderOf(TRANSACTION_STATE_TOPIC, partitionForGroup(id, INTERNAL_PARTITIONS));
    const values: string[] = [];
    for (let partition = 0; partition < OUT_PARTITIONS; partition++) {
      const messages = [...Array(PER_PARTITION).keys()].map((i) => ({ partition, value: `${id}/${partition}/${i}` }));
      for (const m of messages) values.push(m.value);
      await tx.send({ topic: OUT, messages });
    }
    // A broker that leads some of the transaction's partitions but does not coordinate it.
    const victimId = [1, 2, 3].find((n) => n !== coordinator && [...Array(OUT_PARTITIONS).keys()].some((p) => leaderOf(OUT, p) === n))!;
    const victim = cluster!.brokers.find((b) => b.config.nodeId === victimId)!;
    viewer = cluster!.brokers.findIndex((b) => b !== victim);
    const hwBefore = await Promise.all([...Array(OUT_PARTITIONS).keys()].map((p) => latest(p, 0)));
    await Promise.all([tx.commit(), victim.stop()]);
    await producer.disconnect();
    await waitFor('new leaders', () => [...Array(OUT_PARTITIONS).keys()].every((p) => leaderOf(OUT, p) > 0 && leaderOf(OUT, p) !== victimId));
    // Every partition gets its marker (one past the records) and its LSO reaches the high watermark.
    const deadline = Date.now() + 20_000;
    const stable: bigint[] = [];
    for (let partition = 0; partition < OUT_PARTITIONS; partition++) {
      for (;;) {
        const [lso, hw] = [await latest(partition, 1).catch(() => -1n), await latest(partition, 0).catch(() => -2n)];
        if ((lso === hw && hw === hwBefore[partition]! + 1n) || Date.now() > deadline) {
          expect(lso).toBe(hwBefore[partition]! + 1n);
          expect(hw).toBe(lso);
          stable.push(lso);
          break;
        }
        await sleep(100);
      }
    }
    const consumer = kafka.consumer({ groupId: 'txn-verify-2', readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topic: OUT, fromBeginning: true });
    const seen = new Set<string>();
    await consumer.run({ eachMessage: async ({ message }) => void seen.add(message.value!.toString()) });
    await waitFor('the committed transaction', () => values.every((v) => seen.has(v)), 30_000);
    await consumer.disconnect();
    process.stdout.write(`commit racing the stop of leader ${victimId} (coordinator ${coordinator}): LSO=HW ${stable.join(',')}; ${Date.now() - started} ms\n`);
  }, 90_000);
});
