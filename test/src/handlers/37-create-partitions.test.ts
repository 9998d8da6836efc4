import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { CreatePartitionsRequest } from '../../../protocol/generated/message/create-partitions-request.js';
import { CreatePartitionsResponse } from '../../../protocol/generated/message/create-partitions-response.js';
import { startBroker, type RunningBroker } from '../../../src/index.js';
import { batch, createTopic, produce, RawClient } from '../broker/raw-client.js';

function grow(topics: { name: string; count: number; assignments?: number[][] }[], validateOnly = false): CreatePartitionsRequest {
  const body = CreatePartitionsRequest.defaults();
  body.timeoutMs = 5000;
  body.validateOnly = validateOnly;
  body.topics = topics.map((t) => ({ name: t.name, count: t.count, assignments: t.assignments ? t.assignments.map((brokerIds) => ({ brokerIds })) : null }));
  return body;
}

describe('CreatePartitions', () => {
  let broker: RunningBroker;
  let client: RawClient;
  beforeAll(async () => {
    broker = await startBroker();
    client = await RawClient.connect(broker.port);
    await createTopic(client, 'grows', 1);
  });
  afterAll(async () => {
    client?.close();
    await broker?.stop();
  });

  it('kafkajs createPartitions adds partitions that take writes at once', async () => {
    const admin = new kafkajs.Kafka({ brokers: [broker.bootstrapServers], logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.createPartitions({ topicPartitions: [{ topic: 'grows', count: 3 }] });
      const meta = await admin.fetchTopicMetadata({ topics: ['grows'] });
      expect(meta.topics[0]!.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);
    } finally {
      await admin.disconnect();
    }
    expect((await produce(client, 'grows', 2, batch(['new']))).errorCode).toBe(0);
  });

  it('validateOnly and manual assignments', async () => {
    const dry = await client.request(ApiKey.CreatePartitions, 3, CreatePartitionsRequest, grow([{ name: 'grows', count: 10 }], true), CreatePartitionsResponse);
    expect(dry.results[0]!.errorCode).toBe(0);
    expect((await produce(client, 'grows', 5, batch(['x']))).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const manual = await client.request(ApiKey.CreatePartitions, 3, CreatePartitionsRequest, grow([{ name: 'grows', count: 4, assignments: [[1]] }]), CreatePartitionsResponse);
    expect(manual.results[0]!.errorCode).toBe(0);
    expect((await produce(client, 'grows', 3, batch(['x']))).errorCode).toBe(0);
  });

  it.each([0, 1, 2, 3])('v%i reports each bad request with Kafka\'s code', async (version) => {
    await createTopic(client, `bad-${version}`, 2);
    const t = `bad-${version}`;
    const res = await client.request(
      ApiKey.CreatePartitions,
      version,
      CreatePartitionsRequest,
      grow([
        { name: t, count: 2 },
        { name: 'missing', count: 3 },
        { name: 'dup', count: 3 },
        { name: 'dup', count: 4 },
      ]),
      CreatePartitionsResponse,
    );
    expect(res.results.map((r) => [r.name, r.errorCode])).toEqual([
      ['dup', ErrorCode.INVALID_REQUEST],
      [t, ErrorCode.INVALID_PARTITIONS],
      ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    const cases: [number, number[][], number][] = [
      [1, [], ErrorCode.INVALID_PARTITIONS],
      [4, [[1]], ErrorCode.INVALID_REPLICA_ASSIGNMENT],
      [3, [[9]], ErrorCode.INVALID_REPLICA_ASSIGNMENT],
      [3, [[1, 1]], ErrorCode.INVALID_REPLICA_ASSIGNMENT],
      [3, [[]], ErrorCode.INVALID_REPLICA_ASSIGNMENT],
    ];
    for (const [count, assignments, code] of cases) {
      const r = await client.request(ApiKey.CreatePartitions, version, CreatePartitionsRequest, grow([{ name: t, count, assignments }]), CreatePartitionsResponse);
      expect(r.results[0]!.errorCode).toBe(code);
    }
  });
});
