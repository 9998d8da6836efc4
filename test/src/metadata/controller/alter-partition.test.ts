// The controller's AlterPartition rules against a built image: the answers Kafka 3.9's
// ReplicationControlManager gives for each kind of bad request, and the record a good one writes.
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../protocol/generated/error-codes.js';
import { MetadataRecordType } from '../../../../protocol/generated/metadata-records.js';
import { createRegisterBrokerRecord } from '../../../../protocol/generated/metadata/register-broker-record.js';
import { createPartitionRecord } from '../../../../protocol/generated/metadata/partition-record.js';
import { createAlterPartitionRequest, type AlterPartitionRequest } from '../../../../protocol/generated/message/alter-partition-request.js';
import { MetadataImage } from '../../../../src/metadata/image/metadata-image.js';
import { metadataRecord } from '../../../../src/metadata/records.js';
import { planAlterPartition } from '../../../../src/metadata/controller/alter-partition.js';

const TOPIC_ID = 'q1T6bFhBR7KQDp2ZbU9XyA';

function image(): MetadataImage {
  const img = new MetadataImage('cluster');
  const records = [
    ...[1, 2, 3, 4].map((id) => metadataRecord(MetadataRecordType.RegisterBroker, createRegisterBrokerRecord({ brokerId: id, brokerEpoch: BigInt(10 + id), fenced: id === 4 }))),
    metadataRecord(MetadataRecordType.Topic, { name: 't', topicId: TOPIC_ID }),
    // Led by 1 at leader epoch 3, partition epoch 7; 3 and 4 have fallen out of the ISR.
    metadataRecord(MetadataRecordType.Partition, createPartitionRecord({ topicId: TOPIC_ID, partitionId: 0, replicas: [1, 2, 3, 4], isr: [1, 2], leader: 1, leaderEpoch: 3, partitionEpoch: 7 })),
  ];
  img.applyBatch(records, BigInt(records.length - 1));
  return img;
}

function request(version: number, partition: { leaderEpoch?: number; partitionEpoch?: number; isr: number[]; epochs?: bigint[] }, brokerId = 1, brokerEpoch = 11n): AlterPartitionRequest {
  return createAlterPartitionRequest({
    brokerId,
    brokerEpoch,
    topics: [
      {
        topicName: version < 2 ? 't' : '',
        topicId: version >= 2 ? TOPIC_ID : 'AAAAAAAAAAAAAAAAAAAAAA',
        partitions: [
          {
            partitionIndex: 0,
            leaderEpoch: partition.leaderEpoch ?? 3,
            newIsr: version < 3 ? partition.isr : [],
            newIsrWithEpochs: version >= 3 ? partition.isr.map((id, i) => ({ brokerId: id, brokerEpoch: partition.epochs?.[i] ?? -1n })) : [],
            leaderRecoveryState: 0,
            partitionEpoch: partition.partitionEpoch ?? 7,
          },
        ],
      },
    ],
  });
}

const errorOf = (img: MetadataImage, req: AlterPartitionRequest, version: number): number => planAlterPartition(img, req, version, true).response.topics[0]!.partitions[0]!.errorCode;

describe('AlterPartition on the controller', () => {
  it('expands the ISR with one PartitionChangeRecord and answers the new ISR and partition epoch, at every version', () => {
    for (const version of [0, 1, 2, 3]) {
      const img = image();
      const plan = planAlterPartition(img, request(version, { isr: [1, 2, 3], epochs: [11n, 12n, 13n] }), version, true);
      expect(plan.response.errorCode).toBe(0);
      expect(plan.response.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, leaderId: 1, leaderEpoch: 3, isr: [1, 2, 3], partitionEpoch: 8 });
      expect(plan.records).toHaveLength(1);
      expect(plan.records[0]!.type).toBe(MetadataRecordType.PartitionChange);
      // Applying the record gives the image exactly what the answer said.
      img.applyBatch(plan.records, 100n);
      expect(img.topic('t')!.partitions.get(0)).toMatchObject({ isr: [1, 2, 3], leader: 1, leaderEpoch: 3, partitionEpoch: 8 });
    }
  });

  it('shrinks the ISR, and answers an unchanged ISR without writing anything', () => {
    const img = image();
    const shrink = planAlterPartition(img, request(3, { isr: [1] }), 3, true);
    expect(shrink.response.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, isr: [1], partitionEpoch: 8 });
    const same = planAlterPartition(img, request(3, { isr: [2, 1] }), 3, true);
    expect(same.records).toHaveLength(0);
    expect(same.response.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, isr: [1, 2], partitionEpoch: 7 });
  });

  it("refuses with Kafka's error codes", () => {
    const img = image();
    expect(planAlterPartition(img, request(3, { isr: [1, 2, 3] }), 3, false).response.errorCode).toBe(ErrorCode.NOT_CONTROLLER);
    expect(planAlterPartition(img, request(3, { isr: [1, 2, 3] }, 1, 99n), 3, true).response.errorCode).toBe(ErrorCode.STALE_BROKER_EPOCH);
    expect(errorOf(img, request(3, { isr: [1, 2, 3], leaderEpoch: 2 }), 3)).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect(errorOf(img, request(3, { isr: [1, 2, 3], partitionEpoch: 6 }), 3)).toBe(ErrorCode.INVALID_UPDATE_VERSION);
    // Ahead of the controller's image: the leader should look for the real controller.
    expect(errorOf(img, request(3, { isr: [1, 2, 3], leaderEpoch: 4 }), 3)).toBe(ErrorCode.NOT_CONTROLLER);
    expect(errorOf(img, request(3, { isr: [1, 2, 3], partitionEpoch: 8 }), 3)).toBe(ErrorCode.NOT_CONTROLLER);
    // Not the leader, the leader left out, a non-replica or a repeated member.
    expect(errorOf(img, request(3, { isr: [1, 2] }, 2, 12n), 3)).toBe(ErrorCode.INVALID_REQUEST);
    expect(errorOf(img, request(3, { isr: [2, 3] }), 3)).toBe(ErrorCode.INVALID_REQUEST);
    expect(errorOf(img, request(3, { isr: [1, 5] }), 3)).toBe(ErrorCode.INVALID_REQUEST);
    expect(errorOf(img, request(3, { isr: [1, 2, 2] }), 3)).toBe(ErrorCode.INVALID_REQUEST);
    // A fenced broker may not join; v0-1 leaders hear OPERATION_NOT_ATTEMPTED instead.
    expect(errorOf(img, request(3, { isr: [1, 2, 4] }), 3)).toBe(ErrorCode.INELIGIBLE_REPLICA);
    expect(errorOf(img, request(1, { isr: [1, 2, 4] }), 1)).toBe(ErrorCode.OPERATION_NOT_ATTEMPTED);
    // A member whose broker epoch is not its registration's (it restarted since) is not eligible either.
    expect(errorOf(img, request(3, { isr: [1, 2, 3], epochs: [11n, 12n, 5n] }), 3)).toBe(ErrorCode.INELIGIBLE_REPLICA);
  });

  it('answers UNKNOWN_TOPIC_ID (v2+) or UNKNOWN_TOPIC_OR_PARTITION (v0-1) for a topic it does not know', () => {
    const img = image();
    const byId = request(2, { isr: [1] });
    byId.topics[0]!.topicId = 'zzzzzzzzzzzzzzzzzzzzzw';
    expect(errorOf(img, byId, 2)).toBe(ErrorCode.UNKNOWN_TOPIC_ID);
    const byName = request(0, { isr: [1] });
    byName.topics[0]!.topicName = 'nope';
    expect(errorOf(img, byName, 0)).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const noPartition = request(3, { isr: [1] });
    noPartition.topics[0]!.partitions[0]!.partitionIndex = 9;
    expect(errorOf(img, noPartition, 3)).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});
