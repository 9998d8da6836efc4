import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { ConsumerGroupDescribeRequest } from '../../protocol/generated/message/consumer-group-describe-request.js';
import { ConsumerGroupDescribeResponse } from '../../protocol/generated/message/consumer-group-describe-response.js';
import { ALL_GROUP_OPERATIONS, AUTHORIZED_OPERATIONS_OMITTED } from './15-describe-groups.js';
import type { BrokerServices } from './services.js';
import type { ApiHandler } from './types.js';

export function createConsumerGroupDescribeHandler(services: BrokerServices): ApiHandler<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse> {
  return {
    apiKey: ApiKey.ConsumerGroupDescribe,
    minVersion: 0,
    maxVersion: 0,
    async handle(request) {
      const response = ConsumerGroupDescribeResponse.defaults();
      response.groups = await Promise.all(
        request.groupIds.map(async (groupId) => ({
          ...(await services.groups.consumerGroupDescribe(groupId)),
          authorizedOperations: request.includeAuthorizedOperations ? ALL_GROUP_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED,
        })),
      );
      return response;
    },
  };
}
