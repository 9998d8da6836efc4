import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { OffsetCommitRequest } from '../../protocol/generated/message/offset-commit-request.js';
import { OffsetCommitResponse } from '../../protocol/generated/message/offset-commit-response.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { BrokerServices } from './services.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { authorized, byTopicAuthorization } from './authorization.js';

/** Every partition of the topics answered with one error. */
function refusedTopics(topics: readonly OffsetCommitRequest['topics'][number][], errorCode: number): OffsetCommitResponse['topics'] {
  return topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) }));
}
import type { ApiHandler } from './types.js';

export function createOffsetCommitHandler(services: BrokerServices): ApiHandler<OffsetCommitRequest, OffsetCommitResponse> {
  return {
    apiKey: ApiKey.OffsetCommit,
    minVersion: 0,
    maxVersion: 9,
    async handle(request, context) {
      const v = context.apiVersion;
      const response = OffsetCommitResponse.defaults();
      // READ on the group, then READ on each topic; refused topics are answered after the committed ones.
      if (!authorized(services, context, AclOperation.READ, ResourceType.GROUP, request.groupId)) {
        response.topics = refusedTopics(request.topics, ErrorCode.GROUP_AUTHORIZATION_FAILED);
        return response;
      }
      const { allowed, denied } = byTopicAuthorization(services, context, AclOperation.READ, request.topics);
      // A request of refused topics only has nothing to commit (an empty request still goes to the coordinator).
      const committed = allowed.length === 0 && denied.length > 0 ? [] : await services.groups.commitOffsets({
        groupId: request.groupId,
        // v0 carries no generation: a commit outside group management.
        generationId: v >= 1 ? request.generationIdOrMemberEpoch : -1,
        memberId: v >= 1 ? request.memberId : '',
        groupInstanceId: v >= 7 ? request.groupInstanceId : null,
        // Only v2-v4 let the client choose the retention.
        retentionTimeMs: v >= 2 && v <= 4 ? request.retentionTimeMs : -1n,
        topics: allowed.map((t) => ({
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
      response.topics = [...committed, ...refusedTopics(denied, ErrorCode.TOPIC_AUTHORIZATION_FAILED)];
      return response;
    },
  };
}
