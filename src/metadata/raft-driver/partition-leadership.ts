// Partition leadership when a broker's fencing changes, as Kafka 3.9's controller does it
// with eligible leader replicas off (the default): fencing a broker removes it from every
// ISR and moves leadership to the first live ISR member in replica order; the last ISR
// member is never removed, its partition goes leaderless (-1) instead. Unfencing a broker
// gives it back the leaderless partitions whose ISR still names it. The changes go into
// the same batch as the fencing record, so no image ever shows a fenced leader.
import { createPartitionChangeRecord } from '../../../protocol/generated/metadata/partition-change-record.js';
import { MetadataRecordType } from '../../../protocol/generated/metadata-records.js';
import type { MetadataView, PartitionState } from '../image/types.js';
import { metadataRecord, type MetadataRecord } from '../records.js';

/** PartitionChangeRecord's "leader unchanged", and "no leader". */
const NO_LEADER_CHANGE = -2;
const NO_LEADER = -1;

function* partitions(image: MetadataView): Generator<PartitionState> {
  for (const topic of image.topics()) yield* topic.partitions.values();
}

function change(p: PartitionState, isr: number[] | null, leader: number): MetadataRecord {
  return metadataRecord(MetadataRecordType.PartitionChange, createPartitionChangeRecord({ partitionId: p.partition, topicId: p.topicId, isr, leader }));
}

/** PartitionChangeRecords for fencing `brokerId`. */
export function partitionChangesOnFence(image: MetadataView, brokerId: number): MetadataRecord[] {
  const live = (id: number): boolean => id !== brokerId && image.broker(id)?.fenced === false;
  const out: MetadataRecord[] = [];
  for (const p of partitions(image)) {
    if (!p.isr.includes(brokerId) && p.leader !== brokerId) continue;
    const isr = p.isr.filter((id) => id !== brokerId);
    if (isr.length === 0) {
      // Kafka keeps the last ISR member: it is the only replica known to hold everything.
      if (p.leader !== NO_LEADER) out.push(change(p, null, NO_LEADER));
      continue;
    }
    const leaderGone = p.leader === brokerId || p.leader === NO_LEADER;
    const next = leaderGone ? (p.replicas.find((id) => isr.includes(id) && live(id)) ?? NO_LEADER) : NO_LEADER_CHANGE;
    out.push(change(p, isr, next));
  }
  return out;
}

/** PartitionChangeRecords for unfencing `brokerId`: it leads the leaderless partitions it is in sync for. */
export function partitionChangesOnUnfence(image: MetadataView, brokerId: number): MetadataRecord[] {
  const out: MetadataRecord[] = [];
  for (const p of partitions(image)) {
    if (p.leader === NO_LEADER && p.isr.includes(brokerId)) out.push(change(p, null, brokerId));
  }
  return out;
}
