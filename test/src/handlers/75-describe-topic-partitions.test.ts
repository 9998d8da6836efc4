import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { DescribeTopicPartitionsRequest } from '../../../protocol/generated/message/describe-topic-partitions-request.js';
import { DescribeTopicPartitionsResponse } from '../../../protocol/generated/message/describe-topic-partitions-response.js';
import { startBroker, type RunningBroker } from '../../../src/index.js';
import { createTopic, RawClient } from '../broker/raw-client.js';

describe('DescribeTopicPartitions', () => {
  let broker: RunningBroker;
  let client: RawClient;
  const ask = (topics: string[], limit: number, cursor: { topicName: string; partitionIndex: number } | null = null) => {
    const body = DescribeTopicPartitionsRequest.defaults();
    body.topics = topics.map((name) => ({ name }));
    body.responsePartitionLimit = limit;
    body.cursor = cursor;
    return client.request(ApiKey.DescribeTopicPartitions, 0, DescribeTopicPartitionsRequest, body, DescribeTopicPartitionsResponse);
  };
  const shape = (res: DescribeTopicPartitionsResponse) => res.topics.map((t) => `${t.name}:${t.errorCode}:${t.partitions.map((p) => p.partitionIndex).join(',')}`);

  beforeAll(async () => {
    broker = await startBroker();
    client = await RawClient.connect(broker.port);
    await createTopic(client, 'alpha', 3);
    await createTopic(client, 'beta', 2);
  });
  afterAll(async () => {
    client?.close();
    await broker?.stop();
  });

  it('pages through all topics in name order with a cursor', async () => {
    const first = await ask([], 2);
    expect(shape(first)).toEqual(['alpha:0:0,1']);
    expect(first.nextCursor).toMatchObject({ topicName: 'alpha', partitionIndex: 2 });
    const second = await ask([], 2, first.nextCursor);
    expect(shape(second)).toEqual(['alpha:0:2', 'beta:0:0']);
    expect(second.nextCursor).toMatchObject({ topicName: 'beta', partitionIndex: 1 });
    const third = await ask([], 2, second.nextCursor);
    expect(shape(third)).toEqual(['beta:0:1']);
    expect(third.nextCursor).toBeNull();
    const leader = first.topics[0]!.partitions[0]!;
    expect(leader).toMatchObject({ leaderId: 1, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] });
  });

  it('reports missing and invalid names when topics are listed, and a cursor at a topic boundary', async () => {
    const res = await ask(['beta', 'alpha', 'nope', 'bad name'], 10);
    expect(shape(res)).toEqual(['alpha:0:0,1,2', `bad name:${ErrorCode.INVALID_TOPIC_EXCEPTION}:`, 'beta:0:0,1', `nope:${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}:`]);
    expect(res.nextCursor).toBeNull();
    const exact = await ask(['alpha', 'beta'], 3);
    expect(shape(exact)).toEqual(['alpha:0:0,1,2']);
    expect(exact.nextCursor).toMatchObject({ topicName: 'beta', partitionIndex: 0 });
  });

  it('answers INVALID_REQUEST when the cursor topic is not among the listed topics', async () => {
    const res = await ask(['alpha'], 5, { topicName: 'zeta', partitionIndex: 0 });
    expect(res.topics.map((t) => [t.name, t.errorCode])).toEqual([['alpha', ErrorCode.INVALID_REQUEST]]);
  });
});
