import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { OffsetForLeaderEpochRequest } from '../../../protocol/generated/message/offset-for-leader-epoch-request.js';
import { OffsetForLeaderEpochResponse } from '../../../protocol/generated/message/offset-for-leader-epoch-response.js';
import { startBroker, type RunningBroker } from '../../../src/index.js';
import { batch, createTopic, produce, RawClient } from '../broker/raw-client.js';

function request(topic: string, partitions: { partition: number; currentLeaderEpoch: number; leaderEpoch: number }[]): OffsetForLeaderEpochRequest {
  const body = OffsetForLeaderEpochRequest.defaults();
  body.replicaId = -1;
  body.topics = [{ topic, partitions }];
  return body;
}

describe('OffsetForLeaderEpoch', () => {
  let broker: RunningBroker;
  let client: RawClient;
  beforeAll(async () => {
    broker = await startBroker();
    client = await RawClient.connect(broker.port);
    await createTopic(client, 'epochs', 2);
    await produce(client, 'epochs', 0, batch(['a', 'b', 'c']));
  });
  afterAll(async () => {
    client?.close();
    await broker?.stop();
  });

  it('answers the current epoch with the log end offset, as a consumer validating its position needs', async () => {
    const res = await client.request(
      ApiKey.OffsetForLeaderEpoch,
      4,
      OffsetForLeaderEpochRequest,
      request('epochs', [
        { partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 },
        { partition: 1, currentLeaderEpoch: -1, leaderEpoch: 0 },
        { partition: 9, currentLeaderEpoch: -1, leaderEpoch: 0 },
      ]),
      OffsetForLeaderEpochResponse,
    );
    expect(res.topics[0]!.partitions.map((p) => [p.partition, p.errorCode, p.leaderEpoch, p.endOffset])).toEqual([
      [0, 0, 0, 3n],
      // Nothing appended yet: no epoch is known (Kafka's makeLeader would record epoch 0 at 0;
      // Sluice skips that for a brand-new empty log, see ReplicaManager.becomeLeader).
      [1, 0, -1, -1n],
      [9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1, -1n],
    ]);
  });

  it('fences a stale or future current leader epoch (v2+)', async () => {
    const res = await client.request(
      ApiKey.OffsetForLeaderEpoch,
      3,
      OffsetForLeaderEpochRequest,
      request('epochs', [{ partition: 0, currentLeaderEpoch: 5, leaderEpoch: 0 }]),
      OffsetForLeaderEpochResponse,
    );
    expect(res.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
  });

  it.each([0, 1, 2])('speaks v%i', async (version) => {
    const res = await client.request(
      ApiKey.OffsetForLeaderEpoch,
      version,
      OffsetForLeaderEpochRequest,
      request('epochs', [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }]),
      OffsetForLeaderEpochResponse,
    );
    expect(res.topics[0]!.partitions[0]!.endOffset).toBe(3n);
  });

  it('after a leader change, answers where each older epoch ended and fences the stale current epoch', async () => {
    // A single node never loses leadership, so stand in for the controller: bump the partition's
    // leader epoch as a PartitionChangeRecord would, then append as the new leader.
    await createTopic(client, 'moved', 1);
    await produce(client, 'moved', 0, batch(['e0-a', 'e0-b']));
    const hosted = broker.broker.replicas.partition('moved', 0)!;
    hosted.leaderEpoch = 3;
    await produce(client, 'moved', 0, batch(['e3-a']));
    const res = await client.request(
      ApiKey.OffsetForLeaderEpoch,
      4,
      OffsetForLeaderEpochRequest,
      request('moved', [
        { partition: 0, currentLeaderEpoch: 3, leaderEpoch: 0 },
        { partition: 0, currentLeaderEpoch: 3, leaderEpoch: 2 },
        { partition: 0, currentLeaderEpoch: 3, leaderEpoch: 3 },
        { partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 },
      ]),
      OffsetForLeaderEpochResponse,
    );
    expect(res.topics[0]!.partitions.map((p) => [p.errorCode, p.leaderEpoch, p.endOffset])).toEqual([
      // Epoch 0 ended where epoch 3 began: a consumer that read past 2 in epoch 0 was truncated.
      [0, 0, 2n],
      // Epoch 2 never had a leader here: the largest epoch below it, with the same end.
      [0, 0, 2n],
      [0, 3, 3n],
      [ErrorCode.FENCED_LEADER_EPOCH, -1, -1n],
    ]);
  });
});
