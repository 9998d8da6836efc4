import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { OffsetForLeaderEpochRequest } from '../../protocol/generated/message/offset-for-leader-epoch-request.js';
import { OffsetForLeaderEpochResponse } from '../../protocol/generated/message/offset-for-leader-epoch-response.js';
import type { BrokerServices } from './services.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
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
      // Followers (replica id >= 0, v3+) need CLUSTER_ACTION, clients DESCRIBE on each topic.
      const fromFollower = context.apiVersion >= 3 && request.replicaId >= 0;
      const mayRead = (topic: string): boolean => fromFollower
        ? authorized(services, context, AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_NAME)
        : authorized(services, context, AclOperation.DESCRIBE, ResourceType.TOPIC, topic);
      response.topics = request.topics.map((topic) => ({
        topic: topic.topic,
        partitions: topic.partitions.map((p) => ({
          partition: p.partition,
          ...!mayRead(topic.topic) ? { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, leaderEpoch: -1, endOffset: -1n } : services.replicas.offsetForLeaderEpoch(topic.topic, p.partition, context.apiVersion >= 2 ? p.currentLeaderEpoch : -1, p.leaderEpoch),
        })),
      }));
      return response;
    },
  };
}
