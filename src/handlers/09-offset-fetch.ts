import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { OffsetFetchRequest } from '../../protocol/generated/message/offset-fetch-request.js';
import { OffsetFetchResponse } from '../../protocol/generated/message/offset-fetch-response.js';
import type { BrokerServices } from './services.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { authorized, byTopicAuthorization } from './authorization.js';
import type { OffsetFetchOutcome } from '../coordinator/group/group-coordinator.js';
import type { ApiHandler } from './types.js';

export function createOffsetFetchHandler(services: BrokerServices): ApiHandler<OffsetFetchRequest, OffsetFetchResponse> {
  return {
    apiKey: ApiKey.OffsetFetch,
    minVersion: 0,
    maxVersion: 9,
    async handle(request, context) {
      const v = context.apiVersion;
      const response = OffsetFetchResponse.defaults();
      // requireStable (v7+, KIP-447): a partition whose offset an open transaction holds answers
      // UNSTABLE_OFFSET_COMMIT (the consumer retries) instead of the older offset.
      const stable = <T extends { name: string; partitions: { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; metadata: string | null; errorCode: number }[] }>(groupId: string, topics: T[]): T[] => {
        if (v < 7 || !request.requireStable) return topics;
        for (const t of topics) {
          for (const p of t.partitions) {
            if (p.errorCode === ErrorCode.NONE && services.txnCoordinator.hasPendingOffsets(groupId, t.name, p.partitionIndex)) {
              Object.assign(p, { committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT });
            }
          }
        }
        return topics;
      };
      // DESCRIBE on the group, then on each topic: named topics refused per partition, unnamed ones left out.
      const fetchAuthorized = async (groupId: string, topics: { name: string; partitionIndexes: number[] }[] | null, member: { memberId: string | null; memberEpoch: number } | null = null): Promise<OffsetFetchOutcome> => {
        if (!authorized(services, context, AclOperation.DESCRIBE, ResourceType.GROUP, groupId)) {
          const refused = (topics ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED })) }));
          return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, topics: refused };
        }
        const split = topics === null ? null : byTopicAuthorization(services, context, AclOperation.DESCRIBE, topics);
        const outcome = await services.groups.fetchOffsets(groupId, split === null ? null : split.allowed, member);
        if (split === null) outcome.topics = outcome.topics.filter((t) => authorized(services, context, AclOperation.DESCRIBE, ResourceType.TOPIC, t.name));
        else for (const t of split.denied) outcome.topics.push({ name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED })) });
        return outcome;
      };
      if (v >= 8) {
        response.groups = await Promise.all(
          request.groups.map(async (g) => {
            const outcome = await fetchAuthorized(g.groupId, g.topics, v >= 9 ? { memberId: g.memberId, memberEpoch: g.memberEpoch } : null);
            return { groupId: g.groupId, errorCode: outcome.errorCode, topics: outcome.errorCode === ErrorCode.NONE ? stable(g.groupId, outcome.topics) : [] };
          }),
        );
        return response;
      }
      // Before v2 the topic list cannot be null; there "all topics" did not exist.
      const outcome = await fetchAuthorized(request.groupId, request.topics);
      if (v >= 2) {
        response.errorCode = outcome.errorCode;
        response.topics = outcome.errorCode === ErrorCode.NONE ? stable(request.groupId, outcome.topics) : [];
      } else {
        response.topics = outcome.topics;
      }
      return response;
    },
  };
}
