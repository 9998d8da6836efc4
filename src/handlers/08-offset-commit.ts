import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { OffsetCommitRequest } from '../../protocol/generated/message/offset-commit-request.js';
import { OffsetCommitResponse } from '../../protocol/generated/message/offset-commit-response.js';
import type { BrokerServices } from './services.js';
import type { ApiHandler } from './types.js';

export function createOffsetCommitHandler(services: BrokerServices): ApiHandler<OffsetCommitRequest, OffsetCommitResponse> {
  return {
    apiKey: ApiKey.OffsetCommit,
    minVersion: 0,
    maxVersion: 9,
    async handle(request, context) {
      const v = context.apiVersion;
      const response = OffsetCommitResponse.defaults();
      response.topics = await services.groups.commitOffsets({
        groupId: request.groupId,
        // v0 carries no generation: a commit outside group management.
        generationId: v >= 1 ? request.generationIdOrMemberEpoch : -1,
        memberId: v >= 1 ? request.memberId : '',
        groupInstanceId: v >= 7 ? request.groupInstanceId : null,
        // Only v2-v4 let the client choose the retention.
        retentionTimeMs: v >= 2 && v <= 4 ? request.retentionTimeMs : -1n,
        topics: request.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            committedOffset: p.committedOffset,
            committedLeaderEpoch: v >= 6 ? p.committedLeaderEpoch : -1,
            committedMetadata: p.committedMetadata,
          })),
        })),
        apiVersion: v,
      });
      return response;
    },
  };
}
