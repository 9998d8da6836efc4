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
      // requireStable (v7+) only matters with pending transactional offsets, which this coordinator does not hold.
      if (v >= 8) {
        response.groups = await Promise.all(
          request.groups.map(async (g) => {
            const outcome = await services.groups.fetchOffsets(g.groupId, g.topics, v >= 9 ? { memberId: g.memberId, memberEpoch: g.memberEpoch } : null);
            return { groupId: g.groupId, errorCode: outcome.errorCode, topics: outcome.errorCode === ErrorCode.NONE ? outcome.topics : [] };
          }),
        );
        return response;
      }
      // Before v2 the topic list cannot be null; there "all topics" did not exist.
      const outcome = await services.groups.fetchOffsets(request.groupId, request.topics);
      if (v >= 2) {
        response.errorCode = outcome.errorCode;
        response.topics = outcome.errorCode === ErrorCode.NONE ? outcome.topics : [];
      } else {
        response.topics = outcome.topics;
      }
      return response;
    },
  };
}
