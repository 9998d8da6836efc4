// The __consumer_offsets record format, as Kafka writes it: key = int16 key version + key
// struct, value = int16 value version + value struct, a null value is a tombstone.
//   key version 0/1 → OffsetCommitKey/Value, key version 2 → GroupMetadataKey/Value.
import { Reader, Writer, type MessageCodec } from '../../../protocol/runtime/index.js';
import { OffsetCommitKey } from '../../../protocol/generated/group-coordinator/offset-commit-key.js';
import { OffsetCommitValue } from '../../../protocol/generated/group-coordinator/offset-commit-value.js';
import { GroupMetadataKey } from '../../../protocol/generated/group-coordinator/group-metadata-key.js';
import { GroupMetadataValue } from '../../../protocol/generated/group-coordinator/group-metadata-value.js';

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

export type CoordinatorRecord =
  | { type: 'offset'; group: string; topic: string; partition: number; value: CommittedOffset | null }
  | { type: 'group'; group: string; value: GroupMetadataValue | null }
  /** Record types this coordinator does not interpret (KIP-848 and share-group records). */
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
  return { type: 'other', keyVersion };
}
