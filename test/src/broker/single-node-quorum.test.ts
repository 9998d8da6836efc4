// The single-node broker runs its metadata through a one-voter RaftQuorum: kafkajs still
// creates topics, produces and consumes, and the quorum answers DescribeQuorum on the
// CONTROLLER listener.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type RunningBroker } from '../../../src/index.js';
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { DescribeQuorumRequest, createDescribeQuorumRequest } from '../../../protocol/generated/message/describe-quorum-request.js';
import { DescribeQuorumResponse } from '../../../protocol/generated/message/describe-quorum-response.js';
import { RpcClient } from '../../../src/metadata/raft-driver/rpc-client.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('single-node broker on a one-voter Raft quorum', () => {
  let broker: RunningBroker;
  let kafka: Kafka;

  beforeAll(async () => {
    broker = await startBroker();
    kafka = new Kafka({ brokers: [broker.bootstrapServers], logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 50 } });
  });

  afterAll(async () => {
    await broker?.stop();
  });

  it('is the quorum leader as soon as startBroker resolves', () => {
    expect(broker.broker.quorum.isLeader).toBe(true);
    expect(broker.broker.quorum.leaderId).toBe(1);
  });

  it('creates a topic, produces and consumes with kafkajs', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'raft-flow', numPartitions: 2 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const sent = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition: i % 2 }));
    await producer.send({ topic: 'raft-flow', messages: sent });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: 'raft-flow-group' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'raft-flow', fromBeginning: true });
    const seen = new Set<string>();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed ${seen.size} of 50`)), 20_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.add(message.value!.toString());
          if (seen.size === 50) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    expect([...seen].sort()).toEqual(sent.map((m) => m.value).sort());
  }, 30_000);

  it('answers DescribeQuorum with itself as leader and sole voter', async () => {
    const controller = broker.broker.listeners.find((l) => l.name === 'CONTROLLER')!;
    const client = new RpcClient('127.0.0.1', controller.boundPort, 'test');
    try {
      const body = createDescribeQuorumRequest({ topics: [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] }] });
      const response = await client.request(ApiKey.DescribeQuorum, 1, DescribeQuorumRequest, body, DescribeQuorumResponse);
      const partition = response.topics[0]!.partitions[0]!;
      expect(partition.errorCode).toBe(0);
      expect(partition.leaderId).toBe(1);
      expect(partition.currentVoters.map((v) => v.replicaId)).toEqual([1]);
      // Everything the broker wrote (registration, the topic) is committed.
      expect(partition.highWatermark).toBe(partition.currentVoters[0]!.logEndOffset);
      expect(partition.highWatermark).toBeGreaterThan(2n);
    } finally {
      client.close();
    }
  });

  it('on disk: keeps quorum-state and the metadata log across a restart, and leads a higher epoch', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-quorum-'));
    try {
      const first = await startBroker({ dataDir });
      const admin = new Kafka({ brokers: [first.bootstrapServers], logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'kept', numPartitions: 1 }] });
      await admin.disconnect();
      const epoch = first.broker.quorum.leaderEpoch;
      await first.stop();
      const state = JSON.parse(readFileSync(join(dataDir, '__cluster_metadata-0', 'quorum-state'), 'utf8'));
      expect(state).toMatchObject({ leaderId: 1, leaderEpoch: epoch, currentVoters: [{ voterId: 1 }], data_version: 0 });

      const second = await startBroker({ dataDir });
      try {
        expect(second.clusterId).toBe(first.clusterId);
        expect(second.broker.quorum.isLeader).toBe(true);
        expect(second.broker.quorum.leaderEpoch).toBe(epoch + 1);
        expect(second.broker.image.topic('kept')).toBeDefined();
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 30_000);
});
