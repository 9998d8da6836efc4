import { describe, expect, it } from 'vitest';
import { MetadataRecordType } from '../../../../protocol/generated/metadata-records.js';
import { createRegisterBrokerRecord } from '../../../../protocol/generated/metadata/register-broker-record.js';
import { createPartitionRecord } from '../../../../protocol/generated/metadata/partition-record.js';
import { MetadataImage } from '../../../../src/metadata/image/metadata-image.js';
import { metadataRecord } from '../../../../src/metadata/records.js';
import { partitionChangesOnFence, partitionChangesOnUnfence } from '../../../../src/metadata/raft-driver/partition-leadership.js';

const TOPIC_ID = 'q1T6bFhBR7KQDp2ZbU9XyA';

function image(): MetadataImage {
  const img = new MetadataImage('cluster');
  const records = [
    ...[1, 2, 3].map((id) => metadataRecord(MetadataRecordType.RegisterBroker, createRegisterBrokerRecord({ brokerId: id, brokerEpoch: BigInt(id), fenced: false }))),
    metadataRecord(MetadataRecordType.Topic, { name: 't', topicId: TOPIC_ID }),
    // p0: three replicas led by 1; p1: only on 1; p2: led by 2, 1 a follower in sync.
    metadataRecord(MetadataRecordType.Partition, createPartitionRecord({ topicId: TOPIC_ID, partitionId: 0, replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1, leaderEpoch: 0, partitionEpoch: 0 })),
    metadataRecord(MetadataRecordType.Partition, createPartitionRecord({ topicId: TOPIC_ID, partitionId: 1, replicas: [1], isr: [1], leader: 1, leaderEpoch: 0, partitionEpoch: 0 })),
    metadataRecord(MetadataRecordType.Partition, createPartitionRecord({ topicId: TOPIC_ID, partitionId: 2, replicas: [2, 1], isr: [2, 1], leader: 2, leaderEpoch: 0, partitionEpoch: 0 })),
  ];
  img.applyBatch(records, BigInt(records.length - 1));
  return img;
}

describe('partition leadership on fencing', () => {
  it('moves leadership to the next live ISR member, keeps the last ISR member leaderless, and gives it back on unfence', () => {
    const img = image();
    const fence = metadataRecord(MetadataRecordType.BrokerRegistrationChange, { brokerId: 1, brokerEpoch: 1n, fenced: 1, inControlledShutdown: 0, logDirs: [] });
    img.applyBatch([fence, ...partitionChangesOnFence(img, 1)], 100n);
    const parts = img.topic('t')!.partitions;
    expect(parts.get(0)).toMatchObject({ leader: 2, isr: [2, 3], leaderEpoch: 1 });
    expect(parts.get(1)).toMatchObject({ leader: -1, isr: [1] });
    expect(parts.get(2)).toMatchObject({ leader: 2, isr: [2], leaderEpoch: 0 });

    const unfence = metadataRecord(MetadataRecordType.BrokerRegistrationChange, { brokerId: 1, brokerEpoch: 1n, fenced: -1, inControlledShutdown: 0, logDirs: [] });
    img.applyBatch([unfence, ...partitionChangesOnUnfence(img, 1)], 101n);
    expect(img.topic('t')!.partitions.get(1)).toMatchObject({ leader: 1, isr: [1] });
    // Rejoining the ISR of p0/p2 needs replication (AlterPartition), not unfencing.
    expect(img.topic('t')!.partitions.get(0)).toMatchObject({ leader: 2, isr: [2, 3] });
  });

  it('leaves a partition leaderless when no other ISR member is alive', () => {
    const img = image();
    img.applyBatch([metadataRecord(MetadataRecordType.BrokerRegistrationChange, { brokerId: 2, brokerEpoch: 2n, fenced: 1, inControlledShutdown: 0, logDirs: [] })], 50n);
    img.applyBatch([metadataRecord(MetadataRecordType.BrokerRegistrationChange, { brokerId: 3, brokerEpoch: 3n, fenced: 1, inControlledShutdown: 0, logDirs: [] })], 51n);
    const changes = partitionChangesOnFence(img, 1);
    img.applyBatch(changes, 52n);
    expect(img.topic('t')!.partitions.get(0)).toMatchObject({ leader: -1, isr: [2, 3] });
  });
});
