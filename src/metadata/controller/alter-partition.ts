// AlterPartition (56) on the active controller, as Kafka 3.9's ReplicationControlManager
// answers it: a partition leader proposes a new ISR (shrink or expand) for the leader epoch and
// partition epoch it holds; the controller validates it against the committed image and, when
// it changes anything, writes one PartitionChangeRecord. Pure: the caller runs it inside the
// controller's queue and commits the records.
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { MetadataRecordType } from '../../../protocol/generated/metadata-records.js';
import { createPartitionChangeRecord } from '../../../protocol/generated/metadata/partition-change-record.js';
import type { AlterPartitionRequest, AlterPartitionRequestBrokerState } from '../../../protocol/generated/message/alter-partition-request.js';
import {
  createAlterPartitionResponse,
  type AlterPartitionResponse,
  type AlterPartitionResponsePartitionData,
  type AlterPartitionResponseTopicData,
} from '../../../protocol/generated/message/alter-partition-response.js';
import { ZERO_UUID } from '../../../protocol/runtime/index.js';
import type { MetadataView, PartitionState } from '../image/types.js';
import { metadataRecord, type MetadataRecord } from '../records.js';

/** PartitionChangeRecord's "leader unchanged". */
const NO_LEADER_CHANGE = -2;
/** LeaderRecoveryState: RECOVERED 0, RECOVERING 1 (after an unclean election). */
const RECOVERING = 1;

export interface AlterPartitionPlan {
  readonly records: MetadataRecord[];
  readonly response: AlterPartitionResponse;
}

function partitionError(partitionIndex: number, errorCode: number): AlterPartitionResponsePartitionData {
  return { partitionIndex, errorCode, leaderId: -1, leaderEpoch: -1, isr: [], leaderRecoveryState: 0, partitionEpoch: -1 };
}

/** Kafka's ineligibleReplicasForIsr: every proposed member must be registered, unfenced, not shutting down, of the stated epoch. */
function ineligible(image: MetadataView, members: readonly AlterPartitionRequestBrokerState[]): string | null {
  for (const member of members) {
    const broker = image.broker(member.brokerId);
    if (broker === undefined) return `${member.brokerId} not registered`;
    if (broker.inControlledShutdown) return `${member.brokerId} shutting down`;
    if (broker.fenced) return `${member.brokerId} fenced`;
    if (member.brokerEpoch !== -1n && member.brokerEpoch !== broker.epoch) return `${member.brokerId} broker epoch mismatch: requested=${member.brokerEpoch} VS expected=${broker.epoch}`;
  }
  return null;
}

/** Kafka's validateAlterPartitionData; NONE or the partition's error code. */
function validate(
  image: MetadataView,
  brokerId: number,
  partition: PartitionState | undefined,
  data: { leaderEpoch: number; partitionEpoch: number; leaderRecoveryState: number; members: readonly AlterPartitionRequestBrokerState[] },
  version: number,
): { errorCode: number; why: string } {
  if (partition === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, why: 'unknown partition' };
  // A leader ahead of this controller's image most likely talks to a controller that lost its place.
  if (data.leaderEpoch > partition.leaderEpoch) return { errorCode: ErrorCode.NOT_CONTROLLER, why: `leader epoch ${data.leaderEpoch} is ahead of ${partition.leaderEpoch}` };
  if (data.partitionEpoch > partition.partitionEpoch) return { errorCode: ErrorCode.NOT_CONTROLLER, why: `partition epoch ${data.partitionEpoch} is ahead of ${partition.partitionEpoch}` };
  if (brokerId !== partition.leader) return { errorCode: ErrorCode.INVALID_REQUEST, why: `broker ${brokerId} is not the leader (${partition.leader})` };
  if (data.leaderEpoch < partition.leaderEpoch) return { errorCode: ErrorCode.FENCED_LEADER_EPOCH, why: `leader epoch ${data.leaderEpoch} is older than ${partition.leaderEpoch}` };
  if (data.partitionEpoch < partition.partitionEpoch) return { errorCode: ErrorCode.INVALID_UPDATE_VERSION, why: `partition epoch ${data.partitionEpoch} is older than ${partition.partitionEpoch}` };
  const ids = data.members.map((m) => m.brokerId);
  // Replicas.validateIsr: distinct members, all of them replicas of the partition.
  if (new Set(ids).size !== ids.length || ids.some((id) => !partition.replicas.includes(id))) return { errorCode: ErrorCode.INVALID_REQUEST, why: `ISR [${ids}] is not a set of replicas [${partition.replicas}]` };
  if (!ids.includes(partition.leader)) return { errorCode: ErrorCode.INVALID_REQUEST, why: `ISR [${ids}] leaves out the leader ${partition.leader}` };
  if (data.leaderRecoveryState === RECOVERING && ids.length > 1) return { errorCode: ErrorCode.INVALID_REQUEST, why: 'a recovering leader cannot have followers in its ISR' };
  if (partition.leaderRecoveryState !== RECOVERING && data.leaderRecoveryState === RECOVERING) return { errorCode: ErrorCode.INVALID_REQUEST, why: 'a recovered partition cannot go back to recovering' };
  const problem = ineligible(image, data.members);
  // v0-1 leaders do not know INELIGIBLE_REPLICA.
  if (problem !== null) return { errorCode: version > 1 ? ErrorCode.INELIGIBLE_REPLICA : ErrorCode.OPERATION_NOT_ATTEMPTED, why: problem };
  return { errorCode: ErrorCode.NONE, why: '' };
}

const sameSet = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((id) => b.includes(id));

/**
 * Plans the answer to one AlterPartition request against `image`. `isActive` is whether this
 * node is the active controller; `version` the request's version (v0-1 name topics, v2+ use ids,
 * v3+ carry broker epochs per ISR member).
 */
export function planAlterPartition(image: MetadataView, request: AlterPartitionRequest, version: number, isActive: boolean): AlterPartitionPlan {
  if (!isActive) return { records: [], response: createAlterPartitionResponse({ errorCode: ErrorCode.NOT_CONTROLLER }) };
  const requester = image.broker(request.brokerId);
  // ClusterControlManager.checkBrokerEpoch: the whole request is refused.
  if (requester === undefined || requester.epoch !== request.brokerEpoch) {
    return { records: [], response: createAlterPartitionResponse({ errorCode: ErrorCode.STALE_BROKER_EPOCH }) };
  }
  const records: MetadataRecord[] = [];
  const topics: AlterPartitionResponseTopicData[] = [];
  for (const topicData of request.topics) {
    const topic = version >= 2 ? (topicData.topicId === ZERO_UUID ? undefined : image.topicById(topicData.topicId)) : image.topic(topicData.topicName);
    const answer: AlterPartitionResponseTopicData = { topicName: version < 2 ? topicData.topicName : '', topicId: version >= 2 ? topicData.topicId : ZERO_UUID, partitions: [] };
    topics.push(answer);
    if (topic === undefined) {
      const errorCode = version >= 2 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      for (const p of topicData.partitions) answer.partitions.push(partitionError(p.partitionIndex, errorCode));
      continue;
    }
    for (const p of topicData.partitions) {
      const members = version >= 3 ? p.newIsrWithEpochs : p.newIsr.map((brokerId) => ({ brokerId, brokerEpoch: -1n }));
      const current = topic.partitions.get(p.partitionIndex);
      const leaderRecoveryState = version >= 1 ? p.leaderRecoveryState : 0;
      const check = validate(image, request.brokerId, current, { leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch, leaderRecoveryState, members }, version);
      if (check.errorCode !== ErrorCode.NONE || current === undefined) {
        answer.partitions.push(partitionError(p.partitionIndex, check.errorCode));
        continue;
      }
      const isr = members.map((m) => m.brokerId);
      const isrChanged = !sameSet(isr, current.isr);
      const recoveryChanged = leaderRecoveryState !== current.leaderRecoveryState;
      let partitionEpoch = current.partitionEpoch;
      if (isrChanged || recoveryChanged) {
        records.push(
          metadataRecord(
            MetadataRecordType.PartitionChange,
            createPartitionChangeRecord({
              partitionId: current.partition,
              topicId: current.topicId,
              isr: isrChanged ? isr : null,
              leader: NO_LEADER_CHANGE,
              leaderRecoveryState: recoveryChanged ? leaderRecoveryState : -1,
            }),
          ),
        );
        // The image bumps the partition epoch by one per change record (the leader epoch stays: no leader change).
        partitionEpoch += 1;
      }
      answer.partitions.push({
        partitionIndex: p.partitionIndex,
        errorCode: ErrorCode.NONE,
        leaderId: current.leader,
        leaderEpoch: current.leaderEpoch,
        isr: isrChanged ? isr : [...current.isr],
        leaderRecoveryState,
        partitionEpoch,
      });
    }
  }
  return { records, response: createAlterPartitionResponse({ errorCode: ErrorCode.NONE, topics }) };
}
