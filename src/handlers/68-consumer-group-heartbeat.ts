import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { ConsumerGroupHeartbeatRequest } from '../../protocol/generated/message/consumer-group-heartbeat-request.js';
import { ConsumerGroupHeartbeatResponse } from '../../protocol/generated/message/consumer-group-heartbeat-response.js';
import { clientHost } from './11-join-group.js';
import type { BrokerServices } from './services.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
import type { ApiHandler } from './types.js';

/** KIP-848 heartbeat; registered only when group.coordinator.rebalance.protocols has `consumer`, as Kafka advertises it. */
export function createConsumerGroupHeartbeatHandler(services: BrokerServices): ApiHandler<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse> {
  return {
    apiKey: ApiKey.ConsumerGroupHeartbeat,
    minVersion: 0,
    maxVersion: 0,
    async handle(request, context) {
      if (!authorized(services, context, AclOperation.READ, ResourceType.GROUP, request.groupId)) {
        const refused = ConsumerGroupHeartbeatResponse.defaults();
        refused.errorCode = ErrorCode.GROUP_AUTHORIZATION_FAILED;
        return refused;
      }
      const outcome = await services.groups.consumerGroupHeartbeat({
        groupId: request.groupId,
        memberId: request.memberId,
        memberEpoch: request.memberEpoch,
        instanceId: request.instanceId,
        rackId: request.rackId,
        rebalanceTimeoutMs: request.rebalanceTimeoutMs,
        subscribedTopicNames: request.subscribedTopicNames,
        serverAssignor: request.serverAssignor,
        topicPartitions: request.topicPartitions,
        clientId: context.clientId ?? '',
        clientHost: clientHost(context.connection),
      });
      const response = ConsumerGroupHeartbeatResponse.defaults();
      Object.assign(response, outcome);
      return response;
    },
  };
}
