import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { DeleteRecordsRequest } from '../../../protocol/generated/message/delete-records-request.js';
import { DeleteRecordsResponse } from '../../../protocol/generated/message/delete-records-response.js';
import { startBroker, type RunningBroker } from '../../../src/index.js';
import { batch, createTopic, fetch, fetchTopic, produce, RawClient } from '../broker/raw-client.js';

function deleteRecords(topic: string, partitions: [number, bigint][]): DeleteRecordsRequest {
  const body = DeleteRecordsRequest.defaults();
  body.timeoutMs = 5000;
  body.topics = [{ name: topic, partitions: partitions.map(([partitionIndex, offset]) => ({ partitionIndex, offset })) }];
  return body;
}

describe('DeleteRecords', () => {
  let broker: RunningBroker;
  let client: RawClient;
  beforeAll(async () => {
    broker = await startBroker();
    client = await RawClient.connect(broker.port);
    await createTopic(client, 'trim', 2);
    for (let i = 0; i < 5; i++) await produce(client, 'trim', 0, batch([`r${i}`]));
    await createTopic(client, 'compacted', 1, { 'cleanup.policy': 'compact' });
  });
  afterAll(async () => {
    client?.close();
    await broker?.stop();
  });

  it('kafkajs deleteTopicRecords moves the log start offset; fetching below it is OFFSET_OUT_OF_RANGE', async () => {
    const admin = new kafkajs.Kafka({ brokers: [broker.bootstrapServers], logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      // kafkajs looks up the leaders from metadata it must have loaded first.
      await admin.fetchTopicMetadata({ topics: ['trim'] });
      await admin.deleteTopicRecords({ topic: 'trim', partitions: [{ partition: 0, offset: '2' }] });
      const offsets = await admin.fetchTopicOffsets('trim');
      expect(offsets.find((o) => o.partition === 0)).toMatchObject({ low: '2', high: '5' });
    } finally {
      await admin.disconnect();
    }
    const below = await fetch(client, [fetchTopic('trim', [[0, 1n]])]);
    expect(below.responses[0]!.partitions[0]).toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, logStartOffset: 2n });
    const at = await fetch(client, [fetchTopic('trim', [[0, 2n]])]);
    expect(at.responses[0]!.partitions[0]!.errorCode).toBe(0);
    expect(at.responses[0]!.partitions[0]!.records!.length).toBeGreaterThan(0);
  });

  it.each([0, 1, 2])('v%i: -1 means the high watermark, beyond it is OFFSET_OUT_OF_RANGE, unknown partitions are reported', async (version) => {
    const res = await client.request(
      ApiKey.DeleteRecords,
      version,
      DeleteRecordsRequest,
      deleteRecords('trim', [[0, 99n], [1, -1n], [7, 0n]]),
      DeleteRecordsResponse,
    );
    expect(res.topics[0]!.partitions.map((p) => [p.partitionIndex, p.errorCode, p.lowWatermark])).toEqual([
      [0, ErrorCode.OFFSET_OUT_OF_RANGE, -1n],
      [1, 0, 0n],
      [7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n],
    ]);
  });

  it('refuses a compact-only topic with POLICY_VIOLATION', async () => {
    const res = await client.request(ApiKey.DeleteRecords, 2, DeleteRecordsRequest, deleteRecords('compacted', [[0, 0n]]), DeleteRecordsResponse);
    expect(res.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.POLICY_VIOLATION);
  });
});
