import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { OffsetForLeaderEpochRequest } from '../../protocol/generated/message/offset-for-leader-epoch-request.js';
import { OffsetForLeaderEpochResponse } from '../../protocol/generated/message/offset-for-leader-epoch-response.js';
import type { BrokerServices } from './services.js';
import type { ApiHandler } from './types.js';

/**
 * OffsetForLeaderEpoch v0-4. Consumers (KIP-320) ask after a leader change where the epoch
 * they last fetched in ends, to detect truncation; followers ask the same before fetching.
 * currentLeaderEpoch arrives from v2 on; before that the leader is not fenced.
 */
export function createOffsetForLeaderEpochHandler(services: BrokerServices): ApiHandler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse> {
  return {
    apiKey: ApiKey.OffsetForLeaderEpoch,
    minVersion: 0,
    maxVersion: 4,
    handle(request, context) {
      const response = OffsetForLeaderEpochResponse.defaults();
      response.topics = request.topics.map((topic) => ({
        topic: topic.topic,
        partitions: topic.partitions.map((p) => ({
          partition: p.partition,
          ...services.replicas.offsetForLeaderEpoch(topic.topic, p.partition, context.apiVersion >= 2 ? p.currentLeaderEpoch : -1, p.leaderEpoch),
        })),
      }));
      return response;
    },
  };
}
