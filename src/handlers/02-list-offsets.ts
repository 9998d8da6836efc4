import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { ListOffsetsRequest } from '../../protocol/generated/message/list-offsets-request.js';
import { ListOffsetsResponse } from '../../protocol/generated/message/list-offsets-response.js';
import type { BrokerServices } from './services.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
import type { ApiHandler } from './types.js';

export function createListOffsetsHandler(services: BrokerServices): ApiHandler<ListOffsetsRequest, ListOffsetsResponse> {
  return {
    apiKey: ApiKey.ListOffsets,
    minVersion: 0,
    maxVersion: 9,
    async handle(request, context) {
      const version = context.apiVersion;
      const isolation = version >= 2 ? request.isolationLevel : 0;
      // Kafka answers every entry of a partition named more than once with INVALID_REQUEST.
      const counts = new Map<string, number>();
      for (const topic of request.topics) {
        for (const p of topic.partitions) {
          const key = `${topic.name}\u0000${p.partitionIndex}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      }
      const response = ListOffsetsResponse.defaults();
      response.topics = await Promise.all(
        request.topics.map(async (topic) => ({
          name: topic.name,
          partitions: await Promise.all(
            topic.partitions.map(async (p) => {
              const base = { partitionIndex: p.partitionIndex, oldStyleOffsets: [] as bigint[], timestamp: -1n, offset: -1n, leaderEpoch: -1 };
              if (!authorized(services, context, AclOperation.DESCRIBE, ResourceType.TOPIC, topic.name)) return { ...base, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
              if ((counts.get(`${topic.name}\u0000${p.partitionIndex}`) ?? 0) > 1) return { ...base, errorCode: ErrorCode.INVALID_REQUEST };
              const outcome = await services.replicas.listOffset(topic.name, p.partitionIndex, p.timestamp, isolation, version >= 4 ? p.currentLeaderEpoch : -1);
              if (version === 0) {
                return { ...base, errorCode: outcome.errorCode, oldStyleOffsets: outcome.errorCode === 0 && outcome.offset >= 0n ? [outcome.offset] : [] };
              }
              return { ...base, errorCode: outcome.errorCode, timestamp: outcome.timestamp, offset: outcome.offset, leaderEpoch: version >= 4 ? outcome.leaderEpoch : -1 };
            }),
          ),
        })),
      );
      return response;
    },
  };
}
