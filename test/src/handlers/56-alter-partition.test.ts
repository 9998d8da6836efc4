// AlterPartition over the wire on a single-node broker (its own active controller): every
// version decodes and answers, a no-op ISR change writes nothing, stale epochs are refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { AlterPartitionRequest, createAlterPartitionRequest } from '../../../protocol/generated/message/alter-partition-request.js';
import { AlterPartitionResponse } from '../../../protocol/generated/message/alter-partition-response.js';
import { startBroker, type RunningBroker } from '../../../src/index.js';
import { createTopic, RawClient } from '../broker/raw-client.js';

describe('AlterPartition', () => {
  let broker: RunningBroker;
  let client: RawClient;
  let topicId: string;
  beforeAll(async () => {
    broker = await startBroker();
    client = await RawClient.connect(broker.port);
    topicId = (await createTopic(client, 'isr', 1)).topicId;
  });
  afterAll(async () => {
    client?.close();
    await broker?.stop();
  });

  const nodeId = (): number => broker.broker.config.nodeId;
  const brokerEpoch = (): bigint => broker.broker.image.broker(nodeId())!.epoch;

  function body(version: number, fields: { partitionEpoch?: number; leaderEpoch?: number; brokerEpoch?: bigint; isr?: number[] } = {}): AlterPartitionRequest {
    const isr = fields.isr ?? [nodeId()];
    return createAlterPartitionRequest({
      brokerId: nodeId(),
      brokerEpoch: fields.brokerEpoch ?? brokerEpoch(),
      topics: [
        {
          topicName: version < 2 ? 'isr' : '',
          topicId: version >= 2 ? topicId : 'AAAAAAAAAAAAAAAAAAAAAA',
          partitions: [
            {
              partitionIndex: 0,
              leaderEpoch: fields.leaderEpoch ?? 0,
              newIsr: version < 3 ? isr : [],
              newIsrWithEpochs: version >= 3 ? isr.map((brokerId) => ({ brokerId, brokerEpoch: -1n })) : [],
              leaderRecoveryState: 0,
              partitionEpoch: fields.partitionEpoch ?? broker.broker.image.topic('isr')!.partitions.get(0)!.partitionEpoch,
            },
          ],
        },
      ],
    });
  }

  it('answers every version with the current ISR and partition epoch when nothing changes', async () => {
    const before = broker.broker.image.offset;
    for (const version of [0, 1, 2, 3]) {
      const res = await client.request(ApiKey.AlterPartition, version, AlterPartitionRequest, body(version), AlterPartitionResponse);
      expect(res.errorCode).toBe(0);
      const topic = res.topics[0]!;
      expect(version >= 2 ? topic.topicId : topic.topicName).toBe(version >= 2 ? topicId : 'isr');
      expect(topic.partitions[0]).toMatchObject({ partitionIndex: 0, errorCode: 0, leaderId: nodeId(), leaderEpoch: 0, isr: [nodeId()], partitionEpoch: 0 });
    }
    // Nothing was written to the metadata log.
    expect(broker.broker.image.offset).toBe(before);
  });

  it('refuses a stale partition epoch, a stale leader epoch, a non-replica and a stale broker epoch', async () => {
    const send = (version: number, req: AlterPartitionRequest) => client.request(ApiKey.AlterPartition, version, AlterPartitionRequest, req, AlterPartitionResponse);
    // The partition epoch is 0 here; nothing lower exists, so a stale one is only possible after a change.
    expect((await send(3, body(3, { partitionEpoch: 1 }))).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NOT_CONTROLLER);
    expect((await send(3, body(3, { leaderEpoch: -5 }))).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect((await send(3, body(3, { partitionEpoch: -1 }))).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.INVALID_UPDATE_VERSION);
    expect((await send(2, body(2, { isr: [nodeId(), 77] }))).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await send(3, body(3, { brokerEpoch: brokerEpoch() + 1000n }))).errorCode).toBe(ErrorCode.STALE_BROKER_EPOCH);
  });
});
