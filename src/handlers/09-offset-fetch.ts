import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { OffsetFetchRequest } from '../../protocol/generated/message/offset-fetch-request.js';
import { OffsetFetchResponse } from '../../protocol/generated/message/offset-fetch-response.js';
import type { BrokerServices } from './services.js';
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
      if (v >= 8) {
        response.groups = await Promise.all(
          request.groups.map(async (g) => {
            const outcome = await services.groups.fetchOffsets(g.groupId, g.topics, v >= 9 ? { memberId: g.memberId, memberEpoch: g.memberEpoch } : null);
            return { groupId: g.groupId, errorCode: outcome.errorCode, topics: outcome.errorCode === ErrorCode.NONE ? stable(g.groupId, outcome.topics) : [] };
          }),
        );
        return response;
      }
      // Before v2 the topic list cannot be null; there "all topics" did not exist.
      const outcome = await services.groups.fetchOffsets(request.groupId, request.topics);
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
