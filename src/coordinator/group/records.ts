// The __consumer_offsets record format, as Kafka writes it: key = int16 key version + key
// struct, value = int16 value version + value struct, a null value is a tombstone.
//   key version 0/1 → OffsetCommitKey/Value, key version 2 → GroupMetadataKey/Value.
import { Reader, Writer, type MessageCodec } from '../../../protocol/runtime/index.js';
import { OffsetCommitKey } from '../../../protocol/generated/group-coordinator/offset-commit-key.js';
import { OffsetCommitValue } from '../../../protocol/generated/group-coordinator/offset-commit-value.js';
import { GroupMetadataKey } from '../../../protocol/generated/group-coordinator/group-metadata-key.js';
import { GroupMetadataValue } from '../../../protocol/generated/group-coordinator/group-metadata-value.js';
import { ConsumerGroupMetadataKey } from '../../../protocol/generated/group-coordinator/consumer-group-metadata-key.js';
import { ConsumerGroupMetadataValue } from '../../../protocol/generated/group-coordinator/consumer-group-metadata-value.js';
import { ConsumerGroupMemberMetadataKey } from '../../../protocol/generated/group-coordinator/consumer-group-member-metadata-key.js';
import { ConsumerGroupMemberMetadataValue } from '../../../protocol/generated/group-coordinator/consumer-group-member-metadata-value.js';
import { ConsumerGroupTargetAssignmentMetadataKey } from '../../../protocol/generated/group-coordinator/consumer-group-target-assignment-metadata-key.js';
import { ConsumerGroupTargetAssignmentMetadataValue } from '../../../protocol/generated/group-coordinator/consumer-group-target-assignment-metadata-value.js';
import { ConsumerGroupTargetAssignmentMemberKey } from '../../../protocol/generated/group-coordinator/consumer-group-target-assignment-member-key.js';
import { ConsumerGroupTargetAssignmentMemberValue } from '../../../protocol/generated/group-coordinator/consumer-group-target-assignment-member-value.js';
import { ConsumerGroupCurrentMemberAssignmentKey } from '../../../protocol/generated/group-coordinator/consumer-group-current-member-assignment-key.js';
import { ConsumerGroupCurrentMemberAssignmentValue } from '../../../protocol/generated/group-coordinator/consumer-group-current-member-assignment-value.js';

/** Key versions Kafka 3.9 writes (the key version doubles as the record type). */
export const OFFSET_COMMIT_KEY_VERSION = 1;
export const GROUP_METADATA_KEY_VERSION = 2;
/** Value versions of a 3.9 broker: v3 offsets (v1 only when an expire timestamp is set), v3 groups. */
export const OFFSET_COMMIT_VALUE_VERSION = 3;
export const OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY = 1;
export const GROUP_METADATA_VALUE_VERSION = 3;

function versioned<T>(codec: MessageCodec<T>, version: number, value: T): Buffer {
  const writer = new Writer(2 + codec.size(value, version));
  writer.int16(version);
  codec.write(writer, value, version);
  return writer.buf;
}

export interface CommittedOffset {
  offset: bigint;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: bigint;
  /** -1 when the offset follows the group's retention rather than its own. */
  expireTimestamp: bigint;
}

export function offsetCommitKey(group: string, topic: string, partition: number): Buffer {
  return versioned(OffsetCommitKey, OFFSET_COMMIT_KEY_VERSION, { group, topic, partition });
}

export function offsetCommitValue(offset: CommittedOffset): Buffer {
  const version = offset.expireTimestamp >= 0n ? OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY : OFFSET_COMMIT_VALUE_VERSION;
  return versioned(OffsetCommitValue, version, { ...offset });
}

export function groupMetadataKey(group: string): Buffer {
  return versioned(GroupMetadataKey, GROUP_METADATA_KEY_VERSION, { group });
}

export function groupMetadataValue(value: GroupMetadataValue): Buffer {
  return versioned(GroupMetadataValue, GROUP_METADATA_VALUE_VERSION, value);
}

/** KIP-848 record types; the key version is the record type, values are version 0. */
export const ConsumerRecordType = {
  GROUP_METADATA: 3,
  MEMBER_METADATA: 5,
  TARGET_ASSIGNMENT_METADATA: 6,
  TARGET_ASSIGNMENT_MEMBER: 7,
  CURRENT_MEMBER_ASSIGNMENT: 8,
} as const;

export const consumerGroupMetadataKey = (groupId: string) => versioned(ConsumerGroupMetadataKey, 3, { groupId });
export const consumerGroupMetadataValue = (value: ConsumerGroupMetadataValue) => versioned(ConsumerGroupMetadataValue, 0, value);
export const memberMetadataKey = (groupId: string, memberId: string) => versioned(ConsumerGroupMemberMetadataKey, 5, { groupId, memberId });
export const memberMetadataValue = (value: ConsumerGroupMemberMetadataValue) => versioned(ConsumerGroupMemberMetadataValue, 0, value);
export const targetAssignmentMetadataKey = (groupId: string) => versioned(ConsumerGroupTargetAssignmentMetadataKey, 6, { groupId });
export const targetAssignmentMetadataValue = (value: ConsumerGroupTargetAssignmentMetadataValue) => versioned(ConsumerGroupTargetAssignmentMetadataValue, 0, value);
export const targetAssignmentMemberKey = (groupId: string, memberId: string) => versioned(ConsumerGroupTargetAssignmentMemberKey, 7, { groupId, memberId });
export const targetAssignmentMemberValue = (value: ConsumerGroupTargetAssignmentMemberValue) => versioned(ConsumerGroupTargetAssignmentMemberValue, 0, value);
export const currentAssignmentKey = (groupId: string, memberId: string) => versioned(ConsumerGroupCurrentMemberAssignmentKey, 8, { groupId, memberId });
export const currentAssignmentValue = (value: ConsumerGroupCurrentMemberAssignmentValue) => versioned(ConsumerGroupCurrentMemberAssignmentValue, 0, value);

export type ConsumerGroupRecord =
  | { type: 3; group: string; value: ConsumerGroupMetadataValue | null }
  | { type: 5; group: string; memberId: string; value: ConsumerGroupMemberMetadataValue | null }
  | { type: 6; group: string; value: ConsumerGroupTargetAssignmentMetadataValue | null }
  | { type: 7; group: string; memberId: string; value: ConsumerGroupTargetAssignmentMemberValue | null }
  | { type: 8; group: string; memberId: string; value: ConsumerGroupCurrentMemberAssignmentValue | null };

export type CoordinatorRecord =
  | { type: 'offset'; group: string; topic: string; partition: number; value: CommittedOffset | null }
  | { type: 'group'; group: string; value: GroupMetadataValue | null }
  | { type: 'consumer'; record: ConsumerGroupRecord }
  /** Record types this coordinator does not interpret (partition metadata, share groups). */
  | { type: 'other'; keyVersion: number };

/** Decodes one __consumer_offsets record; throws on bytes that do not parse. */
export function decodeCoordinatorRecord(key: Buffer, value: Buffer | null): CoordinatorRecord {
  const keyReader = new Reader(key);
  const keyVersion = keyReader.int16();
  const valueReader = value === null ? null : new Reader(value);
  const valueVersion = valueReader?.int16() ?? 0;
  if (keyVersion === 0 || keyVersion === 1) {
    const k = OffsetCommitKey.read(keyReader, keyVersion);
    const v = valueReader === null ? null : OffsetCommitValue.read(valueReader, valueVersion);
    return {
      type: 'offset',
      group: k.group,
      topic: k.topic,
      partition: k.partition,
      value: v === null ? null : { offset: v.offset, leaderEpoch: v.leaderEpoch, metadata: v.metadata, commitTimestamp: v.commitTimestamp, expireTimestamp: v.expireTimestamp },
    };
  }
  if (keyVersion === 2) {
    const k = GroupMetadataKey.read(keyReader, keyVersion);
    return { type: 'group', group: k.group, value: valueReader === null ? null : GroupMetadataValue.read(valueReader, valueVersion) };
  }
  const read = <V>(codec: MessageCodec<V>): V | null => (valueReader === null ? null : codec.read(valueReader, valueVersion));
  switch (keyVersion) {
    case 3: {
      const k = ConsumerGroupMetadataKey.read(keyReader, keyVersion);
      return { type: 'consumer', record: { type: 3, group: k.groupId, value: read(ConsumerGroupMetadataValue) } };
    }
    case 5: {
      const k = ConsumerGroupMemberMetadataKey.read(keyReader, keyVersion);
      return { type: 'consumer', record: { type: 5, group: k.groupId, memberId: k.memberId, value: read(ConsumerGroupMemberMetadataValue) } };
    }
    case 6: {
      const k = ConsumerGroupTargetAssignmentMetadataKey.read(keyReader, keyVersion);
      return { type: 'consumer', record: { type: 6, group: k.groupId, value: read(ConsumerGroupTargetAssignmentMetadataValue) } };
    }
    case 7: {
      const k = ConsumerGroupTargetAssignmentMemberKey.read(keyReader, keyVersion);
      return { type: 'consumer', record: { type: 7, group: k.groupId, memberId: k.memberId, value: read(ConsumerGroupTargetAssignmentMemberValue) } };
    }
    case 8: {
      const k = ConsumerGroupCurrentMemberAssignmentKey.read(keyReader, keyVersion);
      return { type: 'consumer', record: { type: 8, group: k.groupId, memberId: k.memberId, value: read(ConsumerGroupCurrentMemberAssignmentValue) } };
    }
    default:
      return { type: 'other', keyVersion };
  }
}
