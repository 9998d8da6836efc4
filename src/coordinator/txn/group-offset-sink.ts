// Committed transactional offsets go through the group coordinator's OffsetCommit path, so
// OffsetFetch and restarts see them like any other commit. The member named by TxnOffsetCommit
// v3+ is checked there; v0-2 commits carry no member and land only in a group without active
// members (Kafka accepts them for any group: a validation-free path in the group coordinator
// would close that gap).
import type { Logger } from 'pino';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import type { GroupCoordinator } from '../group/group-coordinator.js';
import type { TxnOffsetSink } from './txn-offsets.js';

/** OffsetCommit v8 rules (no GROUP_ID_NOT_FOUND) for offsets the transaction already validated. */
const OFFSET_COMMIT_VERSION = 8;

/** The group coordinator is not (yet) here: the marker must wait rather than drop the offsets. */
const COORDINATOR_ERRORS = new Set<number>([ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE]);

export function groupOffsetSink(groups: () => Pick<GroupCoordinator, 'commitOffsets' | 'validateTxnOffsetCommit'>, log: Logger): TxnOffsetSink {
  return {
    validateMember(groupId, member) {
      return groups().validateTxnOffsetCommit(groupId, member);
    },
    async commitTransactionalOffsets(groupId, member, offsets) {
      const byTopic = new Map<string, { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: string | null }[]>();
      for (const o of offsets) {
        let list = byTopic.get(o.topic);
        if (list === undefined) byTopic.set(o.topic, (list = []));
        list.push({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, committedMetadata: o.metadata });
      }
      const results = await groups().commitOffsets({
        groupId,
        generationId: member.generationId,
        memberId: member.memberId,
        groupInstanceId: member.groupInstanceId,
        retentionTimeMs: -1n,
        topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
        apiVersion: OFFSET_COMMIT_VERSION,
        // TxnOffsetCommit v0-2 carry no member; Kafka skips member checks for committed transactions.
        transactional: true,
      });
      const failed = results.flatMap((t) => t.partitions.filter((p) => p.errorCode !== 0).map((p) => ({ topic: t.name, partition: p.partitionIndex, errorCode: p.errorCode })));
      if (failed.length > 0) log.warn({ groupId, failed }, 'group coordinator refused committed transactional offsets');
      return failed.find((f) => COORDINATOR_ERRORS.has(f.errorCode))?.errorCode ?? 0;
    },
  };
}
